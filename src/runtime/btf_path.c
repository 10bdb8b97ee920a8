/* The loader's entry point: a path to give libbpf as `btf_custom_path` (or none), decided in the
 * order tracee and bcc use, with the lookup of lookup.c when the kernel lacks BTF.
 *
 *   1. $BTFGEN_BTF_FILE set: that path, no lookup (the runtime override users ask for when their
 *      kernel is missing from the pack);
 *   2. /sys/kernel/btf/vmlinux readable (and $BTFGEN_IGNORE_KERNEL_BTF is not 1): no path, libbpf
 *      uses the kernel's own BTF;
 *   3. the lookup over the embedded table or pack; the chosen bytes go into a memfd, given as
 *      "/proc/self/fd/N". libbpf opens that path itself during bpf_object__load(), so the fd stays
 *      open until btfgen_btf_path_release(). Nothing touches the disk and nothing is left behind if
 *      the process dies. Where memfd_create(2) is missing (kernels before 3.17, seccomp sandboxes)
 *      or /proc is not mounted, the bytes go to a private temporary file (mkstemp: mode 0600) under
 *      $TMPDIR or /tmp instead, which release() removes.
 *
 * The memfd is sealed after writing, so nothing else in the process can change the bytes between
 * the lookup and libbpf's read.
 */
#define _GNU_SOURCE /* syscall, mkstemp, memfd seals; NOLINT(bugprone-reserved-identifier) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "btfgen/runtime.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif

static const char kernel_btf_path[] = "/sys/kernel/btf/vmlinux";

/* OUT->why, cut to its size: a long path or lookup reason loses its tail, not the message. */
static void set_why(struct btfgen_btf_path *out, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void set_why(struct btfgen_btf_path *out, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(out->why, sizeof out->why, format, args);
  va_end(args);
}

static const char *nonempty_env(const char *name) {
  const char *value = getenv(name);
  return value != NULL && value[0] != '\0' ? value : NULL;
}

/* Through syscall(2) rather than glibc's wrapper (2.27+): the runtime is built on old distros too
 * (CentOS 7's glibc has no wrapper, and its kernel no memfd: the fallback then applies). */
static int create_memfd(const char *name) {
#ifdef SYS_memfd_create
  return (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
#else
  (void)name;
  errno = ENOSYS;
  return -1;
#endif
}

static int write_all(int fd, const unsigned char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) return -EIO;
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

/* The bytes in a memfd, OUT->path "/proc/self/fd/N". Returns 0, or a negative errno when a memfd
 * cannot be used here (the caller then falls back to a file). */
static int place_in_memfd(const unsigned char *data, size_t size, struct btfgen_btf_path *out) {
  int fd = create_memfd("btfgen-btf");
  if (fd < 0) return -errno;
  int err = write_all(fd, data, size);
  if (err == 0) {
#ifdef F_ADD_SEALS
    /* Best effort: the bytes are right either way; the seals only keep them so. */
    (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
#endif
    snprintf(out->path, sizeof out->path, "/proc/self/fd/%d", fd);
    /* libbpf opens the path: without /proc (a bare chroot) it could not. */
    if (access(out->path, R_OK) != 0) err = -errno;
  }
  if (err != 0) {
    close(fd);
    out->path[0] = '\0';
    return err;
  }
  out->fd = fd;
  return 0;
}

/* The bytes in a private temporary file under $TMPDIR or /tmp. */
static int place_in_temp_file(const unsigned char *data, size_t size, struct btfgen_btf_path *out) {
  const char *dir = nonempty_env("TMPDIR");
  if (dir == NULL) dir = "/tmp";
  int n = snprintf(out->path, sizeof out->path, "%s/btfgen-btf-XXXXXX", dir);
  if (n < 0 || (size_t)n >= sizeof out->path) {
    out->path[0] = '\0';
    return -ENAMETOOLONG;
  }
  int fd = mkstemp(out->path); /* O_EXCL, mode 0600 */
  if (fd < 0) {
    int err = -errno;
    out->path[0] = '\0';
    return err;
  }
  (void)fchmod(fd, 0600); /* mkstemp's mode already; said again in case of an odd libc */
  int flags = fcntl(fd, F_GETFD);
  if (flags >= 0) (void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  int err = write_all(fd, data, size);
  if (err != 0) {
    close(fd);
    unlink(out->path);
    out->path[0] = '\0';
    return err;
  }
  out->fd = fd;
  out->unlink_path = 1;
  return 0;
}

/* The table's entries as files: each entry's path with its blob's bytes. Every blob index is
 * checked, a generated table being data like any other. */
static int table_files(const struct btfgen_table *table, struct btfgen_file **files_out) {
  *files_out = NULL;
  if (table->count == 0) return 0;
  if (table->entries == NULL || table->blobs == NULL || table->blob_sizes == NULL) return -EINVAL;
  struct btfgen_file *files = calloc(table->count, sizeof *files);
  if (files == NULL) return -ENOMEM;
  for (size_t i = 0; i < table->count; ++i) {
    const struct btfgen_table_entry *entry = &table->entries[i];
    if (entry->path == NULL || entry->blob >= table->blob_count) {
      free(files);
      return -EINVAL;
    }
    files[i].path = entry->path;
    files[i].data = table->blobs[entry->blob];
    files[i].size = table->blob_sizes[entry->blob];
  }
  *files_out = files;
  return 0;
}

int btfgen_btf_custom_path(const struct btfgen_source *source, const struct btfgen_host *host,
                           struct btfgen_btf_path *out) {
  if (out == NULL) return -EINVAL;
  out->path[0] = '\0';
  out->fd = -1;
  out->unlink_path = 0;
  out->why[0] = '\0';
  if (source == NULL || (source->table == NULL) == (source->pack == NULL)) {
    set_why(out, "invalid source: exactly one of table and pack must be given");
    return -EINVAL;
  }

  const char *override = nonempty_env("BTFGEN_BTF_FILE");
  if (override != NULL) {
    size_t len = strlen(override);
    if (len >= sizeof out->path) {
      set_why(out, "BTFGEN_BTF_FILE is longer than %zu bytes", sizeof out->path - 1);
      return -ENAMETOOLONG;
    }
    memcpy(out->path, override, len + 1);
    set_why(out, "BTFGEN_BTF_FILE=%s: no lookup", override);
    return 0;
  }

  const char *ignore = getenv("BTFGEN_IGNORE_KERNEL_BTF");
  const int ignore_kernel_btf = ignore != NULL && strcmp(ignore, "1") == 0;
  if (!ignore_kernel_btf && access(kernel_btf_path, R_OK) == 0) {
    set_why(out, "the kernel has its own BTF (%s): no btf_custom_path", kernel_btf_path);
    return 0;
  }

  struct btfgen_host detected;
  if (host == NULL) {
    int err = btfgen_host_detect(&detected, NULL);
    if (err != 0) {
      set_why(out, "cannot tell the host: %s", strerror(-err));
      return err;
    }
    host = &detected;
  }

  struct btfgen_file *owned_files = NULL;
  const struct btfgen_file *files;
  size_t count;
  if (source->table != NULL) {
    int err = table_files(source->table, &owned_files);
    if (err != 0) {
      set_why(out, "invalid table: %s",
              err == -EINVAL ? "an entry has no path or a blob index out of range" : strerror(-err));
      return err;
    }
    files = owned_files;
    count = source->table->count;
  } else {
    files = btfgen_pack_files(source->pack, &count);
  }

  struct btfgen_match match;
  int err = btfgen_lookup(files, count, host, &match);
  if (err != 0) {
    set_why(out, "%s", match.why);
    free(owned_files);
    return err;
  }

  const char *how = "memfd";
  err = place_in_memfd(match.file->data, match.file->size, out);
  if (err != 0) {
    how = "temporary file";
    err = place_in_temp_file(match.file->data, match.file->size, out);
  }
  if (err != 0)
    set_why(out, "%s; cannot write its %zu bytes: %s", match.why, match.file->size, strerror(-err));
  else
    set_why(out, "%s → %s (%s)", match.why, out->path, how);
  free(owned_files);
  return err;
}

/* Every fd this file hands out comes with a path, so a struct that was only zero-initialised (fd 0,
 * path "") never closes the caller's stdin. */
void btfgen_btf_path_release(struct btfgen_btf_path *path) {
  if (path == NULL) return;
  if (path->fd >= 0 && path->path[0] != '\0') close(path->fd);
  if (path->unlink_path && path->path[0] != '\0') unlink(path->path);
  path->fd = -1;
  path->unlink_path = 0;
  path->path[0] = '\0';
}
