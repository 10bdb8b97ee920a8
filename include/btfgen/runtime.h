/* btfgen runtime: find the minimized BTF for the running host in what a program embeds, and hand
 * libbpf a path for it. C (C11), depends on libc and zlib (for .tar.gz packs) only; the btfgen CLI
 * (`btfgen lookup`) uses the same rules through this library.
 *
 * Where the BTFs come from (any of):
 *   - a generated C table: `btfgen pack TREE btfs.c` writes btfs.c/btfs.h defining a
 *     `const struct btfgen_table` (each distinct file once, a sorted index from path to blob);
 *   - an embedded pack: the bytes of a `.tar` or `.tar.gz` made by `btfgen pack`;
 *   - any list of (path, bytes) the caller has, e.g. a tree read from disk.
 *
 * The lookup rules (btfgen_lookup), in order:
 *   0. Normalise: ID and VERSION_ID without surrounding quotes (single or double) or blanks; a
 *      missing os-release leaves both empty. Paths may start with "./" (bcc's packs); it is ignored.
 *      The machine's arch family picks the arch directories: x86_64|x86|amd64, arm64|aarch64
 *      (any other machine matches only itself). Candidates are the files whose last four path
 *      components are <distro>/<ver>/<arch>/<release>.btf, with <arch> in the family and <release>
 *      the kernel release (uname -r).
 *   a) distro == ID and ver == VERSION_ID; else
 *   b) distro == ID and ver == VERSION_ID up to its first '.' ("8.6" -> "8"); else
 *   c) distro == ID, any version; else
 *   d) any candidate (a container's os-release, or none at all).
 *   At the first step with candidates: if they all hold the same bytes, the first in sorted path
 *   order wins; if their bytes differ, the lookup is ambiguous and names them. No candidate at all:
 *   not found, naming ID, VERSION_ID, machine and release.
 *
 * Environment (for tests and for users who know better):
 *   BTFGEN_BTF_FILE=PATH        btfgen_btf_custom_path() returns PATH, no lookup at all;
 *   BTFGEN_IGNORE_KERNEL_BTF=1  pretend the kernel has no /sys/kernel/btf/vmlinux;
 *   BTFGEN_OS_RELEASE=PATH, BTFGEN_RELEASE=R, BTFGEN_MACHINE=M  override btfgen_host_detect().
 */
#ifndef BTFGEN_RUNTIME_H
#define BTFGEN_RUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors are negative errno values. */
#define BTFGEN_ENOTFOUND (-2)   /* -ENOENT: no candidate for this host */
#define BTFGEN_EAMBIGUOUS (-17) /* -EEXIST: candidates at the deciding step differ */

/* Who the host is, as the lookup sees it. */
struct btfgen_host {
  char id[64];         /* os-release ID, normalised ("" when unknown) */
  char version_id[64]; /* os-release VERSION_ID, normalised ("" when unknown) */
  char release[256];   /* kernel release, uname -r */
  char machine[64];    /* uname -m */
};

/* Fills HOST for the running host: OS_RELEASE (NULL: $BTFGEN_OS_RELEASE, else /etc/os-release,
 * else /usr/lib/os-release; a missing file leaves id and version_id empty) and uname(2) (overridden
 * by $BTFGEN_RELEASE and $BTFGEN_MACHINE). Returns 0 or a negative errno (uname failed). */
int btfgen_host_detect(struct btfgen_host *host, const char *os_release);

/* Sets HOST's id and version_id from os-release TEXT (LEN bytes), normalised as rule 0 says. */
void btfgen_host_parse_os_release(struct btfgen_host *host, const char *text, size_t len);

/* One file the lookup may choose. */
struct btfgen_file {
  const char *path; /* as stored: "ubuntu/20.04/x86_64/5.4.0-42-generic.btf" or "./ubuntu/..." */
  const unsigned char *data;
  size_t size;
};

/* The lookup's answer. */
enum btfgen_step { BTFGEN_STEP_EXACT = 'a', BTFGEN_STEP_MAJOR = 'b', BTFGEN_STEP_DISTRO = 'c', BTFGEN_STEP_ANY = 'd' };
struct btfgen_match {
  const struct btfgen_file *file; /* the chosen file (points into the caller's list), or NULL */
  int step;                       /* enum btfgen_step that decided, 0 when none */
  char why[1024];                 /* which step decided and why; or what was ambiguous / not found */
};

/* Applies the rules to FILES[0..COUNT) for HOST. Returns 0 (MATCH->file set), BTFGEN_ENOTFOUND or
 * BTFGEN_EAMBIGUOUS; MATCH->why always says why. FILES need not be sorted. */
int btfgen_lookup(const struct btfgen_file *files, size_t count, const struct btfgen_host *host,
                  struct btfgen_match *match);

/* The C table `btfgen pack TREE FILE.c` generates. */
struct btfgen_table_entry {
  const char *path; /* sorted ascending (strcmp) */
  unsigned blob;    /* index into blobs */
};
struct btfgen_table {
  const struct btfgen_table_entry *entries;
  size_t count;
  const unsigned char *const *blobs; /* each distinct file once */
  const size_t *blob_sizes;
  size_t blob_count;
};

/* A .tar or .tar.gz image (in memory, e.g. embedded with `ld -r -b binary` or #embed). */
struct btfgen_pack;
/* Reads the regular members of the tar (inflating a gzip stream first, into memory it owns).
 * Returns 0, -EINVAL for a truncated or corrupt image, -ENOMEM. */
int btfgen_pack_open(const void *data, size_t size, struct btfgen_pack **pack);
void btfgen_pack_close(struct btfgen_pack *pack);
/* The members, in archive order; valid until btfgen_pack_close. */
const struct btfgen_file *btfgen_pack_files(const struct btfgen_pack *pack, size_t *count);

/* Where the embedded BTFs are: exactly one of TABLE and PACK (open with btfgen_pack_open). */
struct btfgen_source {
  const struct btfgen_table *table;
  const struct btfgen_pack *pack;
};

/* A path libbpf can open as btf_custom_path, owned until btfgen_btf_path_release(). */
struct btfgen_btf_path {
  char path[4096]; /* "" when the kernel has its own BTF: pass NULL to libbpf then */
  int fd;          /* the memfd (or temp file) holding the bytes, -1 when none */
  int unlink_path; /* a private temporary file that release() removes */
  char why[1024];  /* what was decided: the kernel's own BTF, the override, the lookup's reason */
};

/* For a libbpf loader: if $BTFGEN_BTF_FILE is set, that path; else if the kernel has its own BTF
 * (/sys/kernel/btf/vmlinux readable, unless $BTFGEN_IGNORE_KERNEL_BTF=1), no path at all; else the
 * lookup over SOURCE for HOST (NULL: btfgen_host_detect), its bytes placed in a memfd and given as
 * "/proc/self/fd/N" (nothing written to disk), or, where memfd_create is unavailable, in a private
 * temporary file (mode 0600 under $TMPDIR or /tmp). Returns 0 or a negative errno
 * (BTFGEN_ENOTFOUND, BTFGEN_EAMBIGUOUS, ...); OUT->why says why. */
int btfgen_btf_custom_path(const struct btfgen_source *source, const struct btfgen_host *host,
                           struct btfgen_btf_path *out);
/* Closes the memfd, removes a temporary file. Call after bpf_object__load(). */
void btfgen_btf_path_release(struct btfgen_btf_path *path);

#ifdef __cplusplus
}
#endif

#endif /* BTFGEN_RUNTIME_H */
