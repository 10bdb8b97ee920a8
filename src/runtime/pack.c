/* An embedded pack: the bytes of a .tar or .tar.gz (`btfgen pack`, or bcc's `tar c --gz -C dir .`)
 * read into a list of (path, bytes) for the lookup. No libarchive here: the runtime is linked into
 * every loader that embeds BTFs, so it depends on libc and zlib only.
 *
 * What is read:
 *   - gzip (first bytes 1f 8b), inflated with zlib into memory the pack owns. The inflated size is
 *     counted in a first pass that keeps nothing, then the output is allocated once at that size and
 *     inflated again: a gzip bomb costs CPU up to the 1 GiB cap, never memory. Concatenated gzip
 *     members are one stream, as gzip(1) reads them; zero bytes after the stream are padding.
 *   - tar: 512-byte headers, each checked against its checksum; ustar's prefix field (POSIX magic
 *     only: GNU tar uses those bytes for other things); pax extended headers ('x': `path=` and
 *     `size=` for the next member; global 'g' headers are skipped); GNU long names ('L',
 *     `././@LongLink`). Only regular members ('0', '\0', '7') become files; directories, links,
 *     devices and the rest are skipped with their data.
 *   - The end: two zero blocks. An image that ends before them is truncated (-EINVAL): a pack cut at
 *     a block boundary would otherwise read as a shorter, valid one.
 *
 * Every size and offset in a header is a claim: each is checked against the bytes that are actually
 * there before anything is read, so a truncated or corrupt image is -EINVAL, never a crash.
 *
 * A plain tar is not copied: its files point into the caller's image, which must outlive the pack
 * (it is embedded in the program, so it does).
 */
#define _POSIX_C_SOURCE 200809L /* strnlen; NOLINT(bugprone-reserved-identifier) */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in points to const bytes */
#include <zlib.h>

#include "btfgen/runtime.h"

#define TAR_BLOCK 512u
#define INFLATED_MAX_BYTES ((size_t)1 << 30) /* 1 GiB: far beyond any pack of minimized BTFs */

struct btfgen_pack {
  unsigned char *inflated; /* owned: the tar when the image was gzip, else NULL */
  struct btfgen_file *files;
  size_t count, capacity;
};

/* ---- gzip ---------------------------------------------------------------------------------- */

static int is_gzip(const unsigned char *data, size_t size) { return size >= 2 && data[0] == 0x1f && data[1] == 0x8b; }

/* Inflates the gzip stream(s) DATA[0..SIZE). With OUT == NULL the output is only counted (into a
 * scratch buffer) up to INFLATED_MAX_BYTES; otherwise it is written to OUT[0..OUT_SIZE), which must
 * be exactly what the counting pass measured. *PRODUCED receives the number of bytes. */
static int inflate_gzip(const unsigned char *data, size_t size, unsigned char *out, size_t out_size, size_t *produced) {
  unsigned char scratch[16384];
  z_stream stream;
  memset(&stream, 0, sizeof stream);
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return -ENOMEM;
  const size_t limit = out != NULL ? out_size : INFLATED_MAX_BYTES;
  size_t in_used = 0, total = 0;
  int err = 0;
  for (;;) {
    /* zlib counts in uInt: feed and drain in pieces it can describe. */
    if (stream.avail_in == 0 && in_used < size) {
      size_t chunk = size - in_used < UINT_MAX ? size - in_used : UINT_MAX;
      stream.next_in = data + in_used;
      stream.avail_in = (uInt)chunk;
      in_used += chunk;
    }
    unsigned char *window;
    size_t window_size;
    if (out != NULL) {
      window = out + total;
      window_size = out_size - total;
      if (window_size > UINT_MAX) window_size = UINT_MAX;
    } else {
      window = scratch;
      window_size = sizeof scratch;
    }
    /* One byte of room beyond the limit: enough to notice a stream that goes on past it. */
    unsigned char overflow_probe;
    if (window_size == 0) {
      window = &overflow_probe;
      window_size = 1;
    }
    stream.next_out = window;
    stream.avail_out = (uInt)window_size;
    const uInt avail_in_before = stream.avail_in;
    int rc = inflate(&stream, Z_NO_FLUSH);
    size_t got = window_size - stream.avail_out;
    if (got > limit - total) {
      err = -EINVAL; /* more than the cap (or than the counting pass saw) */
      break;
    }
    total += got;
    if (rc == Z_STREAM_END) {
      size_t unread = stream.avail_in + (size - in_used);
      if (unread == 0) break;
      /* Another gzip member follows (gzip(1) reads them as one stream); zero bytes are padding
       * (libarchive's writer pads to its block size); anything else is corruption. */
      const unsigned char *next = data + (size - unread);
      if (is_gzip(next, unread)) {
        if (inflateReset(&stream) != Z_OK) {
          err = -ENOMEM;
          break;
        }
        continue;
      }
      for (size_t i = 0; i < unread && err == 0; ++i)
        if (next[i] != 0) err = -EINVAL;
      break;
    }
    if (rc == Z_MEM_ERROR) {
      err = -ENOMEM;
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      err = -EINVAL; /* Z_DATA_ERROR, Z_STREAM_ERROR, Z_NEED_DICT: not a gzip we can read */
      break;
    }
    if (got == 0 && stream.avail_in == avail_in_before && (stream.avail_in > 0 || in_used == size)) {
      err = -EINVAL; /* no progress: the input ended inside the stream (truncated) */
      break;
    }
  }
  inflateEnd(&stream);
  if (err == 0) *produced = total;
  return err;
}

/* ---- tar ----------------------------------------------------------------------------------- */

/* Field offsets and sizes of a ustar header. */
enum {
  TAR_NAME = 0,
  TAR_NAME_LEN = 100,
  TAR_SIZE = 124,
  TAR_SIZE_LEN = 12,
  TAR_CHECKSUM = 148,
  TAR_CHECKSUM_LEN = 8,
  TAR_TYPEFLAG = 156,
  TAR_MAGIC = 257,
  TAR_PREFIX = 345,
  TAR_PREFIX_LEN = 155,
};

static int is_zero_block(const unsigned char *block) {
  for (size_t i = 0; i < TAR_BLOCK; ++i)
    if (block[i] != 0) return 0;
  return 1;
}

/* An octal number field: optional leading blanks, digits, then NUL or blanks to the end (an empty
 * field is 0, as libarchive reads it; the checksum catches garbage). GNU's
 * base-256 form (first byte 0x80) holds sizes of 8 GiB and more; negative (0xff) is refused. */
static int parse_number(const unsigned char *field, size_t len, uint64_t *value) {
  uint64_t result = 0;
  if (field[0] & 0x80) {
    if (field[0] != 0x80) return -EINVAL;
    for (size_t i = 1; i < len; ++i) {
      if (result > (UINT64_MAX >> 8)) return -EINVAL;
      result = (result << 8) | field[i];
    }
    *value = result;
    return 0;
  }
  size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (result > (UINT64_MAX >> 3)) return -EINVAL;
    result = (result << 3) | (uint64_t)(field[i] - '0');
  }
  for (; i < len; ++i)
    if (field[i] != ' ' && field[i] != '\0') return -EINVAL;
  *value = result;
  return 0;
}

/* The header's checksum: the sum of its bytes with the checksum field read as blanks. Historic
 * tars summed signed chars; either sum is accepted, as GNU tar and libarchive do. */
static int checksum_ok(const unsigned char *block) {
  uint64_t stored;
  if (parse_number(block + TAR_CHECKSUM, TAR_CHECKSUM_LEN, &stored) != 0) return 0;
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < TAR_BLOCK; ++i) {
    int in_field = i >= TAR_CHECKSUM && i < TAR_CHECKSUM + TAR_CHECKSUM_LEN;
    unsigned char byte = in_field ? (unsigned char)' ' : block[i];
    unsigned_sum += byte;
    signed_sum += (signed char)byte;
  }
  return (int64_t)stored == unsigned_sum || (int64_t)stored == signed_sum;
}

/* A name that a later header carries for the next member (pax `path=`, GNU 'L'). */
struct pending_name {
  char *text; /* owned, NUL-terminated, or NULL */
};

static int set_pending_name(struct pending_name *pending, const unsigned char *text, size_t len) {
  char *copy = malloc(len + 1);
  if (copy == NULL) return -ENOMEM;
  memcpy(copy, text, len);
  copy[len] = '\0';
  free(pending->text);
  pending->text = copy;
  return 0;
}

/* The pax records ("LEN key=value\n") of an extended header: `path` and `size` for the next member.
 * A record whose length does not add up is corruption. */
static int parse_pax(const unsigned char *data, size_t size, struct pending_name *path, int *has_size,
                     uint64_t *size_override) {
  size_t at = 0;
  while (at < size) {
    size_t record_len = 0, i = at;
    while (i < size && data[i] >= '0' && data[i] <= '9') {
      if (record_len > (SIZE_MAX - 9) / 10) return -EINVAL;
      record_len = record_len * 10 + (size_t)(data[i] - '0');
      ++i;
    }
    if (i == at || i >= size || data[i] != ' ') return -EINVAL;
    if (record_len > size - at || at + record_len <= i + 1) return -EINVAL;
    const unsigned char *record_end = data + at + record_len; /* one past the '\n' */
    if (record_end[-1] != '\n') return -EINVAL;
    const unsigned char *key = data + i + 1;
    const unsigned char *value_end = record_end - 1;
    const unsigned char *equals = memchr(key, '=', (size_t)(value_end - key));
    if (equals == NULL) return -EINVAL;
    size_t key_len = (size_t)(equals - key);
    const unsigned char *value = equals + 1;
    size_t value_len = (size_t)(value_end - value);
    if (key_len == 4 && memcmp(key, "path", 4) == 0) {
      if (memchr(value, '\0', value_len) != NULL) return -EINVAL;
      if (value_len > 0) {
        int err = set_pending_name(path, value, value_len);
        if (err != 0) return err;
      }
    } else if (key_len == 4 && memcmp(key, "size", 4) == 0) {
      uint64_t parsed = 0;
      if (value_len == 0) return -EINVAL;
      for (size_t k = 0; k < value_len; ++k) {
        if (value[k] < '0' || value[k] > '9' || parsed > (UINT64_MAX - 9) / 10) return -EINVAL;
        parsed = parsed * 10 + (uint64_t)(value[k] - '0');
      }
      *has_size = 1;
      *size_override = parsed;
    }
    at += record_len;
  }
  return 0;
}

static int add_file(struct btfgen_pack *pack, char *path, const unsigned char *data, size_t size) {
  if (pack->count == pack->capacity) {
    size_t capacity = pack->capacity ? pack->capacity * 2 : 16;
    if (capacity > SIZE_MAX / sizeof *pack->files) return -ENOMEM;
    struct btfgen_file *files = realloc(pack->files, capacity * sizeof *files);
    if (files == NULL) return -ENOMEM;
    pack->files = files;
    pack->capacity = capacity;
  }
  pack->files[pack->count].path = path;
  pack->files[pack->count].data = data;
  pack->files[pack->count].size = size;
  ++pack->count;
  return 0;
}

/* The member's path: a pending long name, else ustar's prefix "/" name (fields need no NUL). */
static char *member_path(const unsigned char *header, struct pending_name *pending) {
  if (pending->text != NULL) {
    char *path = pending->text;
    pending->text = NULL;
    return path;
  }
  size_t name_len = strnlen((const char *)header + TAR_NAME, TAR_NAME_LEN);
  size_t prefix_len = 0;
  if (memcmp(header + TAR_MAGIC, "ustar\0", 6) == 0)
    prefix_len = strnlen((const char *)header + TAR_PREFIX, TAR_PREFIX_LEN);
  char *path = malloc(prefix_len + 1 + name_len + 1);
  if (path == NULL) return NULL;
  size_t at = 0;
  if (prefix_len > 0) {
    memcpy(path, header + TAR_PREFIX, prefix_len);
    path[prefix_len] = '/';
    at = prefix_len + 1;
  }
  memcpy(path + at, header + TAR_NAME, name_len);
  path[at + name_len] = '\0';
  return path;
}

static int read_tar(struct btfgen_pack *pack, const unsigned char *image, size_t size) {
  struct pending_name pending = {NULL};
  int has_size_override = 0;
  uint64_t size_override = 0;
  size_t at = 0;
  int err = 0;
  for (;;) {
    if (size - at < TAR_BLOCK) {
      err = -EINVAL; /* ended before the end-of-archive blocks */
      break;
    }
    const unsigned char *header = image + at;
    if (is_zero_block(header)) {
      /* The end: a second zero block must follow; what comes after it is padding. */
      if (size - at - TAR_BLOCK < TAR_BLOCK || !is_zero_block(header + TAR_BLOCK)) err = -EINVAL;
      break;
    }
    if (!checksum_ok(header)) {
      err = -EINVAL;
      break;
    }
    uint64_t member_size;
    if (parse_number(header + TAR_SIZE, TAR_SIZE_LEN, &member_size) != 0) {
      err = -EINVAL;
      break;
    }
    const char type = (char)header[TAR_TYPEFLAG];
    int is_metadata = type == 'x' || type == 'g' || type == 'L' || type == 'K';
    if (!is_metadata && has_size_override) member_size = size_override;
    at += TAR_BLOCK;
    size_t available = size - at;
    if (member_size > available) {
      err = -EINVAL;
      break;
    }
    const unsigned char *data = image + at;
    size_t data_size = (size_t)member_size;
    size_t padding = (TAR_BLOCK - data_size % TAR_BLOCK) % TAR_BLOCK;
    if (padding > available - data_size) {
      err = -EINVAL;
      break;
    }
    at += data_size + padding;

    if (type == 'x') {
      err = parse_pax(data, data_size, &pending, &has_size_override, &size_override);
    } else if (type == 'L') {
      err = set_pending_name(&pending, data, strnlen((const char *)data, data_size));
    } else if (type == 'g' || type == 'K') {
      /* global pax defaults, GNU long link targets: nothing a regular member needs */
    } else {
      /* A real member: it consumes the pending name and size whatever its type. */
      char *path = member_path(header, &pending);
      has_size_override = 0;
      if (path == NULL) {
        err = -ENOMEM;
        break;
      }
      size_t path_len = strlen(path);
      int is_regular = (type == '0' || type == '\0' || type == '7') && !(path_len > 0 && path[path_len - 1] == '/');
      if (is_regular) err = add_file(pack, path, data, data_size);
      if (!is_regular || err != 0) free(path);
    }
    if (err != 0) break;
  }
  free(pending.text);
  return err;
}

/* ---- the pack ------------------------------------------------------------------------------ */

void btfgen_pack_close(struct btfgen_pack *pack) {
  if (pack == NULL) return;
  for (size_t i = 0; i < pack->count; ++i) {
    union {
      const char *as_file;
      char *as_allocated;
    } path = {pack->files[i].path}; /* allocated by member_path(), const only in btfgen_file */
    free(path.as_allocated);
  }
  free(pack->files);
  free(pack->inflated);
  free(pack);
}

int btfgen_pack_open(const void *data, size_t size, struct btfgen_pack **pack) {
  if (pack == NULL) return -EINVAL;
  *pack = NULL;
  if (data == NULL && size > 0) return -EINVAL;
  struct btfgen_pack *opened = calloc(1, sizeof *opened);
  if (opened == NULL) return -ENOMEM;

  const unsigned char *tar = data;
  size_t tar_size = size;
  int err = 0;
  if (is_gzip(data, size)) {
    size_t inflated_size = 0;
    err = inflate_gzip(data, size, NULL, 0, &inflated_size);
    if (err == 0) {
      opened->inflated = malloc(inflated_size > 0 ? inflated_size : 1);
      if (opened->inflated == NULL) err = -ENOMEM;
    }
    if (err == 0) {
      size_t produced = 0;
      err = inflate_gzip(data, size, opened->inflated, inflated_size, &produced);
      if (err == 0 && produced != inflated_size) err = -EINVAL;
    }
    tar = opened->inflated;
    tar_size = inflated_size;
  }
  if (err == 0) err = read_tar(opened, tar != NULL ? tar : (const unsigned char *)"", tar_size);
  if (err != 0) {
    btfgen_pack_close(opened);
    return err;
  }
  *pack = opened;
  return 0;
}

const struct btfgen_file *btfgen_pack_files(const struct btfgen_pack *pack, size_t *count) {
  if (pack == NULL) {
    if (count != NULL) *count = 0;
    return NULL;
  }
  if (count != NULL) *count = pack->count;
  return pack->files;
}
