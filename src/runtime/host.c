/* Who the running host is, as the lookup (lookup.c) sees it: os-release's ID and VERSION_ID, and
 * uname's release and machine.
 *
 * os-release is read leniently because every consumer that parsed it strictly had a bug
 * (docs consumers.md, "Known lookup pitfalls"): `ID="centos"` keeps its quotes unless they are
 * trimmed, Fedora writes `VERSION_ID=34` without any. So a value is normalised as rule 0 of
 * runtime.h says: strip surrounding blanks, then one pair of surrounding double or single quotes,
 * then the blanks inside them. `  ID = ' rhel ' ` gives "rhel".
 *
 * A missing os-release is not an error (Android has none; the lookup then goes by kernel release
 * alone, rule d). The environment can override every field, for tests and for users who know
 * better: BTFGEN_OS_RELEASE (a path), BTFGEN_RELEASE and BTFGEN_MACHINE.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen; NOLINT(bugprone-reserved-identifier) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "btfgen/runtime.h"

/* os-release is a few hundred bytes; anything beyond this is not an os-release file and only its
 * beginning is parsed. */
#define OS_RELEASE_MAX_BYTES (64 * 1024)

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Narrows [*begin, *end) to drop blanks on both sides. */
static void trim_blanks(const char **begin, const char **end) {
  while (*begin < *end && is_blank(**begin)) ++*begin;
  while (*end > *begin && is_blank((*end)[-1])) --*end;
}

/* Copies the normalised VALUE [begin, end) into OUT (SIZE bytes). A value that does not fit, or
 * that holds a NUL byte, is stored as "" (unknown): a truncated ID could match the wrong
 * directory, an unknown one falls through to rule d. */
static void store_value(char *out, size_t size, const char *begin, const char *end) {
  trim_blanks(&begin, &end);
  if (end - begin >= 2 && (*begin == '"' || *begin == '\'') && end[-1] == *begin) {
    ++begin;
    --end;
    trim_blanks(&begin, &end);
  }
  size_t len = (size_t)(end - begin);
  if (len >= size || memchr(begin, '\0', len) != NULL) {
    out[0] = '\0';
    return;
  }
  memcpy(out, begin, len);
  out[len] = '\0';
}

/* True when the key [begin, end) is exactly NAME. */
static int key_is(const char *begin, const char *end, const char *name) {
  size_t len = strlen(name);
  return (size_t)(end - begin) == len && memcmp(begin, name, len) == 0;
}

void btfgen_host_parse_os_release(struct btfgen_host *host, const char *text, size_t len) {
  host->id[0] = '\0';
  host->version_id[0] = '\0';
  if (text == NULL) return;
  const char *const text_end = text + len;
  const char *line = text;
  while (line < text_end) {
    const char *newline = memchr(line, '\n', (size_t)(text_end - line));
    const char *line_end = newline != NULL ? newline : text_end;
    const char *key = line;
    const char *cursor = line_end;
    trim_blanks(&key, &cursor);
    if (key < cursor && *key != '#') {
      const char *equals = memchr(key, '=', (size_t)(cursor - key));
      if (equals != NULL) {
        const char *key_end = equals;
        trim_blanks(&key, &key_end);
        /* Later assignments win, as when a shell sources the file. */
        if (key_is(key, key_end, "ID"))
          store_value(host->id, sizeof host->id, equals + 1, line_end);
        else if (key_is(key, key_end, "VERSION_ID"))
          store_value(host->version_id, sizeof host->version_id, equals + 1, line_end);
      }
    }
    line = newline != NULL ? newline + 1 : text_end;
  }
}

/* Reads at most OS_RELEASE_MAX_BYTES of PATH into BUF (which has that many bytes). Returns the
 * length, or -1 when the file cannot be opened or read (treated as missing). */
static long read_small_file(const char *path, char *buf) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t used = 0;
  while (used < OS_RELEASE_MAX_BYTES) {
    ssize_t n = read(fd, buf + used, OS_RELEASE_MAX_BYTES - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    used += (size_t)n;
  }
  close(fd);
  return (long)used;
}

/* Copies an environment override into OUT (SIZE bytes); -ENAMETOOLONG when it does not fit, since
 * a cut release would silently look for the wrong kernel. */
static int copy_override(char *out, size_t size, const char *value) {
  size_t len = strlen(value);
  if (len >= size) return -ENAMETOOLONG;
  memcpy(out, value, len + 1);
  return 0;
}

/* Copies a uname field (NUL-terminated within its array) into OUT, cutting what does not fit. */
static void copy_uname_field(char *out, size_t size, const char *field, size_t field_size) {
  size_t len = strnlen(field, field_size);
  if (len >= size) len = size - 1;
  memcpy(out, field, len);
  out[len] = '\0';
}

static const char *nonempty_env(const char *name) {
  const char *value = getenv(name);
  return value != NULL && value[0] != '\0' ? value : NULL;
}

int btfgen_host_detect(struct btfgen_host *host, const char *os_release) {
  if (host == NULL) return -EINVAL;
  memset(host, 0, sizeof *host);

  /* An explicit path (argument or $BTFGEN_OS_RELEASE) is the only one read: pointing it at a
   * missing file is how a test or a user says "no os-release" (Android). Otherwise the standard
   * places, /etc first, as os-release(5) says. */
  const char *explicit_path = os_release != NULL ? os_release : nonempty_env("BTFGEN_OS_RELEASE");
  const char *const standard_paths[] = {"/etc/os-release", "/usr/lib/os-release"};
  char *buf = malloc(OS_RELEASE_MAX_BYTES);
  if (buf == NULL) return -ENOMEM;
  long len = -1;
  if (explicit_path != NULL) {
    len = read_small_file(explicit_path, buf);
  } else {
    for (size_t i = 0; i < sizeof standard_paths / sizeof standard_paths[0] && len < 0; ++i)
      len = read_small_file(standard_paths[i], buf);
  }
  if (len >= 0) btfgen_host_parse_os_release(host, buf, (size_t)len);
  free(buf);

  struct utsname uts;
  if (uname(&uts) != 0) return -errno;
  copy_uname_field(host->release, sizeof host->release, uts.release, sizeof uts.release);
  copy_uname_field(host->machine, sizeof host->machine, uts.machine, sizeof uts.machine);

  const char *release = nonempty_env("BTFGEN_RELEASE");
  if (release != NULL) {
    int err = copy_override(host->release, sizeof host->release, release);
    if (err != 0) return err;
  }
  const char *machine = nonempty_env("BTFGEN_MACHINE");
  if (machine != NULL) {
    int err = copy_override(host->machine, sizeof host->machine, machine);
    if (err != 0) return err;
  }
  return 0;
}
