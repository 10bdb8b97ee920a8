/* The lookup: which of the embedded BTFs belongs to this host (the rules of runtime.h, 0 and a-d).
 *
 * A candidate is a file whose last four path components are <distro>/<ver>/<arch>/<release>.btf,
 * with <arch> in the machine's family and <release> the running kernel's. Only the last four count,
 * so bcc's "./ubuntu/20.04/x86_64/R.btf", Inspektor Gadget's "btfs/x86/ubuntu/20.04/x86_64/R.btf"
 * and a plain "ubuntu/20.04/x86_64/R.btf" are all the same candidate, while btfhub-archive's stray
 * "1/x86_64/R.btf" (three components) is none. The steps then narrow by os-release, most specific
 * first:
 *
 *   host ID=rhel VERSION_ID=8.6, files rhel/8/x86_64/R.btf and centos/8/x86_64/R.btf
 *     a) rhel/8.6/...      none
 *     b) rhel/8/...        one: "b) ID=rhel, VERSION_ID=8.6 → version 8: rhel/8/x86_64/R.btf"
 *
 * The first step with candidates decides; if its candidates hold different bytes there is no right
 * answer (say centos/7 and centos/8 at step c) and the lookup refuses rather than guess. Identical
 * bytes (the same kernel under centos/7 and rhel/7, or x86_64/ and amd64/ copies) are not a
 * conflict: the first path in strcmp order wins, so the answer never depends on the list's order.
 *
 * The host's ID and VERSION_ID are normalised here too (rule 0), whoever filled them in.
 *
 * Nothing is allocated: the files are scanned once per step, and "first in sorted order" is a
 * running minimum. Naming the candidates of an ambiguous step walks them in sorted order by
 * repeated selection, bounded by the room left in `why`.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen; NOLINT(bugprone-reserved-identifier) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btfgen/runtime.h"

#define NO_INDEX ((size_t)-1)

/* A view of one path component. */
struct component {
  const char *text;
  size_t len;
};

/* The last four components of a candidate's path. */
struct candidate_path {
  struct component distro, ver, arch, file;
};

static int component_is(struct component c, const char *text, size_t len) {
  return c.len == len && memcmp(c.text, text, len) == 0;
}

static int component_is_str(struct component c, const char *text) { return component_is(c, text, strlen(text)); }

/* Splits off PATH's last four components (after any leading "./"). Returns 0 when PATH has at least
 * four and none of the four is empty. */
static int split_candidate_path(const char *path, struct candidate_path *out) {
  while (path[0] == '.' && path[1] == '/') path += 2;
  struct component parts[4];
  const char *end = path + strlen(path);
  for (int i = 3; i >= 0; --i) {
    const char *begin = end;
    while (begin > path && begin[-1] != '/') --begin;
    if (begin == end) return -1; /* empty component, or fewer than four */
    parts[i].text = begin;
    parts[i].len = (size_t)(end - begin);
    if (i > 0) {
      if (begin == path) return -1; /* no '/' before it: fewer than four components */
      end = begin - 1;
    }
  }
  out->distro = parts[0];
  out->ver = parts[1];
  out->arch = parts[2];
  out->file = parts[3];
  return 0;
}

/* The spellings of one architecture across uname, btfhub, its forks, Go and bpf2go. */
static const char *const x86_64_family[] = {"x86_64", "x86", "amd64", NULL};
static const char *const arm64_family[] = {"arm64", "aarch64", NULL};
static const char *const *const arch_families[] = {x86_64_family, arm64_family};

static const char *const *family_of(const char *machine) {
  for (size_t f = 0; f < sizeof arch_families / sizeof arch_families[0]; ++f)
    for (const char *const *name = arch_families[f]; *name != NULL; ++name)
      if (strcmp(*name, machine) == 0) return arch_families[f];
  return NULL;
}

static int arch_matches(struct component arch, const char *machine, const char *const *family) {
  if (family == NULL) return component_is_str(arch, machine);
  for (const char *const *name = family; *name != NULL; ++name)
    if (component_is_str(arch, *name)) return 1;
  return 0;
}

/* Rule 0 for a host that did not come from btfgen_host_parse_os_release (the CLI's flags, a
 * caller's own struct): blanks, then one pair of matching quotes, then blanks inside, removed from
 * the NUL-terminated FIELD in place. */
static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

static void normalise_field(char *field) {
  size_t begin = 0, end = strlen(field);
  while (begin < end && is_blank(field[begin])) ++begin;
  while (end > begin && is_blank(field[end - 1])) --end;
  if (end - begin >= 2 && (field[begin] == '"' || field[begin] == '\'') && field[end - 1] == field[begin]) {
    ++begin;
    --end;
    while (begin < end && is_blank(field[begin])) ++begin;
    while (end > begin && is_blank(field[end - 1])) --end;
  }
  memmove(field, field + begin, end - begin);
  field[end - begin] = '\0';
}

/* What the steps compare against, computed once. */
struct host_keys {
  const struct btfgen_host *host;
  const char *const *family;
  size_t id_len, version_len, major_len; /* major: VERSION_ID up to its first '.' */
  size_t release_len;
};

static int is_candidate(const struct btfgen_file *file, const struct host_keys *keys, struct candidate_path *parts) {
  if (file->path == NULL || keys->release_len == 0) return 0;
  if (split_candidate_path(file->path, parts) != 0) return 0;
  if (!arch_matches(parts->arch, keys->host->machine, keys->family)) return 0;
  struct component file_name = parts->file;
  return file_name.len == keys->release_len + 4 &&
         memcmp(file_name.text, keys->host->release, keys->release_len) == 0 &&
         memcmp(file_name.text + keys->release_len, ".btf", 4) == 0;
}

static int in_step(const struct candidate_path *parts, const struct host_keys *keys, int step) {
  const struct btfgen_host *host = keys->host;
  switch (step) {
    case BTFGEN_STEP_EXACT:
      return component_is(parts->distro, host->id, keys->id_len) &&
             component_is(parts->ver, host->version_id, keys->version_len);
    case BTFGEN_STEP_MAJOR:
      return component_is(parts->distro, host->id, keys->id_len) &&
             component_is(parts->ver, host->version_id, keys->major_len);
    case BTFGEN_STEP_DISTRO:
      return component_is(parts->distro, host->id, keys->id_len);
    default:
      return 1;
  }
}

static int matches_step(const struct btfgen_file *file, const struct host_keys *keys, int step) {
  struct candidate_path parts;
  return is_candidate(file, keys, &parts) && in_step(&parts, keys, step);
}

/* Sorted path order, ties (the same path twice) broken by position so the order is total. */
static int sorts_before(const struct btfgen_file *files, size_t a, size_t b) {
  int cmp = strcmp(files[a].path, files[b].path);
  return cmp < 0 || (cmp == 0 && a < b);
}

static int same_bytes(const struct btfgen_file *a, const struct btfgen_file *b) {
  if (a->size != b->size) return 0;
  if (a->size == 0 || a->data == b->data) return 1;
  if (a->data == NULL || b->data == NULL) return 0;
  return memcmp(a->data, b->data, a->size) == 0;
}

/* Bounded text building for `why`: appends while there is room, remembers when there was not. */
struct text {
  char *buf;
  size_t size, len;
  int truncated;
};

static void text_append(struct text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void text_append(struct text *t, const char *format, ...) {
  if (t->len + 1 >= t->size) {
    t->truncated = 1;
    return;
  }
  va_list args;
  va_start(args, format);
  int n = vsnprintf(t->buf + t->len, t->size - t->len, format, args);
  va_end(args);
  if (n < 0) return;
  if ((size_t)n >= t->size - t->len) {
    t->len = t->size - 1;
    t->truncated = 1;
  } else {
    t->len += (size_t)n;
  }
}

static const char *or_none(const char *value) { return value[0] != '\0' ? value : "(none)"; }

/* "b) ID=rhel, VERSION_ID=8.6 → version 8": which step and what it compared. */
static void describe_step(struct text *t, const struct host_keys *keys, int step) {
  const struct btfgen_host *host = keys->host;
  const char *id = or_none(host->id), *version = or_none(host->version_id);
  switch (step) {
    case BTFGEN_STEP_EXACT:
      text_append(t, "a) ID=%s, VERSION_ID=%s", id, version);
      break;
    case BTFGEN_STEP_MAJOR:
      text_append(t, "b) ID=%s, VERSION_ID=%s → version %.*s", id, version, (int)keys->major_len, host->version_id);
      break;
    case BTFGEN_STEP_DISTRO:
      if (keys->version_len == 0)
        text_append(t, "c) ID=%s, VERSION_ID=(none) → any %s version", id, host->id);
      else if (keys->major_len == keys->version_len)
        text_append(t, "c) ID=%s, VERSION_ID=%s → no %s/%s, any %s version", id, version, host->id, host->version_id,
                    host->id);
      else
        text_append(t, "c) ID=%s, VERSION_ID=%s → no %s/%s or %s/%.*s, any %s version", id, version, host->id,
                    host->version_id, host->id, (int)keys->major_len, host->version_id, host->id);
      break;
    default:
      if (keys->id_len == 0)
        text_append(t, "d) no os-release ID → any distro");
      else
        text_append(t, "d) ID=%s, VERSION_ID=%s → no %s candidate, any distro", id, version, host->id);
      break;
  }
}

/* Names the candidates of STEP in sorted order, as many as fit. */
static void name_candidates(struct text *t, const struct btfgen_file *files, size_t count, const struct host_keys *keys,
                            int step, size_t total) {
  /* Leave room for the " and N more" tail. */
  const size_t reserve = 40;
  size_t named = 0, previous = NO_INDEX;
  while (named < total) {
    size_t next = NO_INDEX;
    for (size_t i = 0; i < count; ++i) {
      if (!matches_step(&files[i], keys, step)) continue;
      if (previous != NO_INDEX && !sorts_before(files, previous, i)) continue;
      if (next == NO_INDEX || sorts_before(files, i, next)) next = i;
    }
    if (next == NO_INDEX) break;
    size_t need = strlen(files[next].path) + 32;
    if (t->len + need + reserve >= t->size) break;
    text_append(t, "%s%s (%zu bytes)", named > 0 ? ", " : "", files[next].path, files[next].size);
    previous = next;
    ++named;
  }
  if (named < total) text_append(t, "%s and %zu more", named > 0 ? "," : "", total - named);
}

/* "{x86_64|x86|amd64}", or the machine itself when it has no family. */
static void describe_family(struct text *t, const struct host_keys *keys) {
  if (keys->family == NULL) {
    text_append(t, "%s", or_none(keys->host->machine));
    return;
  }
  for (const char *const *name = keys->family; *name != NULL; ++name)
    text_append(t, "%s%s", name == keys->family ? "{" : "|", *name);
  text_append(t, "}");
}

int btfgen_lookup(const struct btfgen_file *files, size_t count, const struct btfgen_host *host,
                  struct btfgen_match *match) {
  if (match == NULL) return -EINVAL;
  match->file = NULL;
  match->step = 0;
  match->why[0] = '\0';
  struct text why = {match->why, sizeof match->why, 0, 0};
  if (host == NULL || (files == NULL && count > 0)) {
    text_append(&why, "invalid arguments: %s", host == NULL ? "no host" : "no files");
    return -EINVAL;
  }

  if (strnlen(host->id, sizeof host->id) == sizeof host->id ||
      strnlen(host->version_id, sizeof host->version_id) == sizeof host->version_id ||
      strnlen(host->release, sizeof host->release) == sizeof host->release ||
      strnlen(host->machine, sizeof host->machine) == sizeof host->machine) {
    text_append(&why, "invalid host: a field is not NUL-terminated");
    return -EINVAL;
  }
  struct btfgen_host normal = *host;
  normalise_field(normal.id);
  normalise_field(normal.version_id);
  host = &normal;
  struct host_keys keys = {host, family_of(host->machine), strlen(host->id), strlen(host->version_id),
                           0,    strlen(host->release)};
  const char *dot = memchr(host->version_id, '.', keys.version_len);
  keys.major_len = dot != NULL ? (size_t)(dot - host->version_id) : keys.version_len;

  static const int steps[] = {BTFGEN_STEP_EXACT, BTFGEN_STEP_MAJOR, BTFGEN_STEP_DISTRO, BTFGEN_STEP_ANY};
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; ++s) {
    const int step = steps[s];
    size_t first = NO_INDEX, candidates = 0;
    for (size_t i = 0; i < count; ++i) {
      if (!matches_step(&files[i], &keys, step)) continue;
      ++candidates;
      if (first == NO_INDEX || sorts_before(files, i, first)) first = i;
    }
    if (candidates == 0) continue;

    size_t differing = 0;
    for (size_t i = 0; i < count; ++i)
      if (i != first && matches_step(&files[i], &keys, step) && !same_bytes(&files[i], &files[first])) ++differing;

    match->step = step;
    describe_step(&why, &keys, step);
    if (differing > 0) {
      text_append(&why, ": ambiguous, %zu candidates with different bytes: ", candidates);
      name_candidates(&why, files, count, &keys, step, candidates);
      return BTFGEN_EAMBIGUOUS;
    }
    match->file = &files[first];
    text_append(&why, ": %s", files[first].path);
    if (candidates > 1) text_append(&why, " (first of %zu identical candidates)", candidates);
    return 0;
  }

  text_append(&why, "not found: no %s.btf under */*/", or_none(host->release));
  describe_family(&why, &keys);
  text_append(&why, "/ for ID=%s, VERSION_ID=%s, machine=%s, release=%s (%zu files searched)", or_none(host->id),
              or_none(host->version_id), or_none(host->machine), or_none(host->release), count);
  return BTFGEN_ENOTFOUND;
}
