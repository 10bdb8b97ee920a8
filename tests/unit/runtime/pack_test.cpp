// The runtime's tar/tar.gz reader (src/runtime/pack.c). Archives are written here with libarchive's
// write API in every format a pack may come in (pax, ustar, GNU; plain and gzip), so the reader is
// checked against an independent writer; headers libarchive would never write (lying sizes, bad
// checksums, base-256 numbers, pax `size=`) are made by hand. Every truncation at a block boundary
// and at random points, and corrupt gzip, must be -EINVAL and never a crash (the suite runs under
// ASan too).
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "btfgen/runtime.h"

namespace {

using Bytes = std::vector<unsigned char>;

enum class Format { Pax, Ustar, Gnu };
enum class Filter { None, Gzip };

struct Member {
  std::string name;
  unsigned type = AE_IFREG;  // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO
  std::string bytes;
  std::string hardlink;  // a hard link to this earlier member (regular type, no data)
};

// A tar (or tar.gz) of MEMBERS in FORMAT, with no padding after the end-of-archive blocks (or after
// the gzip stream) unless PAD_TO_BLOCK, so that every shorter prefix is a truncated archive.
Bytes make_tar(Format format, Filter filter, const std::vector<Member>& members, bool pad_to_block = false) {
  struct archive* a = archive_write_new();
  int r = format == Format::Pax     ? archive_write_set_format_pax_restricted(a)
          : format == Format::Ustar ? archive_write_set_format_ustar(a)
                                    : archive_write_set_format_gnutar(a);
  if (r == ARCHIVE_OK) r = filter == Filter::Gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_none(a);
  if (r == ARCHIVE_OK && !pad_to_block) r = archive_write_set_bytes_in_last_block(a, 1);
  size_t capacity = 1 << 20;
  for (const Member& m : members) capacity += 2 * m.bytes.size() + 4096;
  Bytes out(capacity);
  size_t used = 0;
  if (r == ARCHIVE_OK) r = archive_write_open_memory(a, out.data(), out.size(), &used);
  if (r != ARCHIVE_OK) throw std::runtime_error(std::string("libarchive writer: ") + archive_error_string(a));
  for (const Member& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 0, 0);
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e, "target.btf");
    if (!m.hardlink.empty()) archive_entry_set_hardlink(e, m.hardlink.c_str());
    const bool has_data = m.type == AE_IFREG && m.hardlink.empty();
    archive_entry_set_size(e, has_data ? static_cast<la_int64_t>(m.bytes.size()) : 0);
    if (archive_write_header(a, e) != ARCHIVE_OK ||
        (has_data && !m.bytes.empty() &&
         archive_write_data(a, m.bytes.data(), m.bytes.size()) != static_cast<la_ssize_t>(m.bytes.size()))) {
      std::string error = archive_error_string(a);
      archive_entry_free(e);
      archive_write_free(a);
      throw std::runtime_error("libarchive writer: " + error);
    }
    archive_entry_free(e);
  }
  if (archive_write_close(a) != ARCHIVE_OK) throw std::runtime_error("libarchive close failed");
  archive_write_free(a);
  out.resize(used);
  return out;
}

// DATA as one gzip member (zlib's deflate with the gzip wrapper).
Bytes gzip(const unsigned char* data, size_t size) {
  z_stream s{};
  if (deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  Bytes out(deflateBound(&s, size) + 64);
  s.next_in = const_cast<unsigned char*>(data);
  s.avail_in = static_cast<uInt>(size);
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

struct PackCloser {
  void operator()(btfgen_pack* p) const { btfgen_pack_close(p); }
};
using PackPtr = std::unique_ptr<btfgen_pack, PackCloser>;

struct Opened {
  int rc;
  PackPtr pack;
  std::vector<std::pair<std::string, std::string>> files;  // path, bytes
};

Opened open_pack(const unsigned char* data, size_t size) {
  btfgen_pack* raw = reinterpret_cast<btfgen_pack*>(0x1);  // must be overwritten
  Opened o;
  o.rc = btfgen_pack_open(data, size, &raw);
  if (o.rc != 0) {
    EXPECT_EQ(raw, nullptr);
    return o;
  }
  o.pack.reset(raw);
  size_t count = 0;
  const btfgen_file* files = btfgen_pack_files(raw, &count);
  for (size_t i = 0; i < count; ++i)
    o.files.emplace_back(files[i].path, std::string(reinterpret_cast<const char*>(files[i].data), files[i].size));
  return o;
}

Opened open_pack(const Bytes& b) { return open_pack(b.data(), b.size()); }

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

const std::string R = "5.4.0-42-generic.btf";

// A pack with every kind of member a tree may hold: regular files (one empty, one spanning many
// blocks), a directory, a symlink, a hard link, a FIFO.
std::vector<Member> mixed_members() {
  return {
      {"./", AE_IFDIR, "", ""},
      {"./ubuntu/", AE_IFDIR, "", ""},
      {"./ubuntu/20.04/x86_64/" + R, AE_IFREG, random_bytes(100 * 1024 + 7, 1), ""},
      {"./ubuntu/20.04/x86_64/link.btf", AE_IFLNK, "", ""},
      {"./ubuntu/20.04/x86_64/hard.btf", AE_IFREG, "", "./ubuntu/20.04/x86_64/" + R},
      {"./fifo", AE_IFIFO, "", ""},
      {"./centos/7/x86_64/empty.btf", AE_IFREG, "", ""},
      {"./centos/7/x86_64/" + R, AE_IFREG, "BTF bytes of centos 7", ""},
  };
}

std::vector<std::pair<std::string, std::string>> regular_of(const std::vector<Member>& members) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Member& m : members)
    if (m.type == AE_IFREG && m.hardlink.empty()) out.emplace_back(m.name, m.bytes);
  return out;
}

struct FormatCase {
  const char* name;
  Format format;
  Filter filter;
};

class PackFormats : public ::testing::TestWithParam<FormatCase> {};

TEST_P(PackFormats, ReadsRegularMembersInArchiveOrder) {
  const auto members = mixed_members();
  Bytes image = make_tar(GetParam().format, GetParam().filter, members);
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

TEST_P(PackFormats, PlainTarPointsIntoTheImageGzipIntoItsOwnMemory) {
  Bytes image = make_tar(GetParam().format, GetParam().filter, {{"a/b/c/d.btf", AE_IFREG, "0123456789", ""}});
  btfgen_pack* pack = nullptr;
  ASSERT_EQ(btfgen_pack_open(image.data(), image.size(), &pack), 0);
  size_t count = 0;
  const btfgen_file* files = btfgen_pack_files(pack, &count);
  ASSERT_EQ(count, 1u);
  const bool inside = files[0].data >= image.data() && files[0].data + files[0].size <= image.data() + image.size();
  EXPECT_EQ(inside, GetParam().filter == Filter::None);
  btfgen_pack_close(pack);
}

TEST_P(PackFormats, PaddedToTheRecordSize) {
  // libarchive's default: zeros up to 10240 bytes after the end blocks (or after the gzip stream).
  const auto members = mixed_members();
  Bytes image = make_tar(GetParam().format, GetParam().filter, members, /*pad_to_block=*/true);
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

TEST_P(PackFormats, EveryTruncationAtABlockBoundaryIsInvalid) {
  Bytes image = make_tar(GetParam().format, GetParam().filter, mixed_members());
  ASSERT_EQ(open_pack(image).rc, 0);
  for (size_t cut = 0; cut < image.size(); cut += 512) {
    Bytes prefix(image.begin(),
                 image.begin() + static_cast<std::ptrdiff_t>(cut));  // its own allocation: ASan sees overreads
    EXPECT_EQ(open_pack(prefix).rc, -EINVAL) << "cut at " << cut << " of " << image.size();
  }
}

TEST_P(PackFormats, EveryTruncationAtRandomPointsIsInvalid) {
  Bytes image = make_tar(GetParam().format, GetParam().filter, mixed_members());
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    size_t cut = rng() % image.size();
    Bytes prefix(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(open_pack(prefix).rc, -EINVAL) << "cut at " << cut << " of " << image.size();
  }
}

TEST_P(PackFormats, RandomByteFlipsNeverCrash) {
  Bytes image = make_tar(GetParam().format, GetParam().filter, mixed_members());
  std::mt19937 rng(7);
  for (int i = 0; i < 1500; ++i) {
    Bytes corrupt = image;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Mostly in the first blocks (headers), sometimes anywhere.
      size_t at = rng() % 2 ? rng() % std::min<size_t>(corrupt.size(), 2048) : rng() % corrupt.size();
      corrupt[at] ^= static_cast<unsigned char>(1 + rng() % 255);
    }
    Opened o = open_pack(corrupt);
    EXPECT_TRUE(o.rc == 0 || o.rc == -EINVAL) << o.rc;
  }
}

INSTANTIATE_TEST_SUITE_P(Pack, PackFormats,
                         ::testing::Values(FormatCase{"PaxPlain", Format::Pax, Filter::None},
                                           FormatCase{"PaxGzip", Format::Pax, Filter::Gzip},
                                           FormatCase{"UstarPlain", Format::Ustar, Filter::None},
                                           FormatCase{"UstarGzip", Format::Ustar, Filter::Gzip},
                                           FormatCase{"GnuPlain", Format::Gnu, Filter::None},
                                           FormatCase{"GnuGzip", Format::Gnu, Filter::Gzip}),
                         [](const ::testing::TestParamInfo<FormatCase>& info) { return std::string(info.param.name); });

bool contains(const Bytes& image, const std::string& text) {
  return std::search(image.begin(), image.end(), text.begin(), text.end()) != image.end();
}

TEST(Pack, PaxLongNamesUsePathRecords) {
  const std::string long_dir = "btfs/x86/" + std::string(120, 'd') + "/20.04/x86_64/";
  std::vector<Member> members = {{long_dir + R, AE_IFREG, "long", ""},
                                 {long_dir + std::string(200, 'n') + ".btf", AE_IFREG, "longer", ""},
                                 {"short.btf", AE_IFREG, "short", ""}};
  Bytes image = make_tar(Format::Pax, Filter::None, members);
  ASSERT_TRUE(contains(image, " path=")) << "the writer did not use pax path records";
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

TEST(Pack, GnuLongNamesUseLongLink) {
  const std::string long_dir = "btfs/arm64/" + std::string(150, 'd') + "/8/arm64/";
  std::vector<Member> members = {{long_dir + R, AE_IFREG, "long", ""},
                                 {std::string(300, 'x') + "/", AE_IFDIR, "", ""},
                                 {"after/the/dir/" + R, AE_IFREG, "after", ""}};
  Bytes image = make_tar(Format::Gnu, Filter::Gzip, members);
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
  Bytes plain = make_tar(Format::Gnu, Filter::None, members);
  ASSERT_TRUE(contains(plain, "././@LongLink")) << "the writer did not use GNU long names";
  EXPECT_EQ(open_pack(plain).files, regular_of(members));
}

TEST(Pack, UstarPrefixField) {
  // 180 characters with a '/' where ustar splits name (100) and prefix (155).
  const std::string path = std::string(90, 'p') + "/ubuntu/20.04/x86_64/" + std::string(60, 'k') + ".btf";
  std::vector<Member> members = {{path, AE_IFREG, "prefixed", ""}};
  Bytes image = make_tar(Format::Ustar, Filter::None, members);
  ASSERT_FALSE(contains(image, "path="));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

TEST(Pack, EmptyArchive) {
  Bytes image = make_tar(Format::Pax, Filter::None, {});
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_TRUE(o.files.empty());
  size_t count = 99;
  EXPECT_EQ(btfgen_pack_files(o.pack.get(), &count), nullptr);
  EXPECT_EQ(count, 0u);
  Bytes gz = make_tar(Format::Pax, Filter::Gzip, {});
  EXPECT_EQ(open_pack(gz).rc, 0);
}

TEST(Pack, EmptyOrNullImageIsInvalid) {
  btfgen_pack* pack = nullptr;
  EXPECT_EQ(btfgen_pack_open(nullptr, 0, &pack), -EINVAL);
  EXPECT_EQ(pack, nullptr);
  EXPECT_EQ(btfgen_pack_open(nullptr, 10, &pack), -EINVAL);
  const unsigned char byte = 0;
  EXPECT_EQ(btfgen_pack_open(&byte, 1, nullptr), -EINVAL);
  size_t count = 5;
  EXPECT_EQ(btfgen_pack_files(nullptr, &count), nullptr);
  EXPECT_EQ(count, 0u);
  btfgen_pack_close(nullptr);
}

// ---- gzip ----

TEST(Pack, GzipEveryPrefixIsInvalid) {
  std::vector<Member> members = {{"./ubuntu/", AE_IFDIR, "", ""},
                                 {"./ubuntu/20.04/x86_64/" + R, AE_IFREG, random_bytes(2000, 9), ""},
                                 {"./centos/7/x86_64/" + R, AE_IFREG, "centos", ""}};
  Bytes image = make_tar(Format::Pax, Filter::Gzip, members);
  for (size_t cut = 0; cut < image.size(); ++cut) {
    Bytes prefix(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(cut));
    ASSERT_EQ(open_pack(prefix).rc, -EINVAL) << "cut at " << cut << " of " << image.size();
  }
}

TEST(Pack, CorruptGzipIsInvalid) {
  Bytes image = make_tar(Format::Pax, Filter::Gzip, mixed_members());
  ASSERT_GT(image.size(), 64u);
  for (size_t at : {image.size() / 2, image.size() / 3, image.size() - 8 /* CRC-32 */, image.size() - 2 /* ISIZE */}) {
    Bytes corrupt = image;
    corrupt[at] ^= 0x5a;
    EXPECT_EQ(open_pack(corrupt).rc, -EINVAL) << "byte " << at;
  }
  Bytes bad_method = image;
  bad_method[2] = 7;  // compression method other than deflate
  EXPECT_EQ(open_pack(bad_method).rc, -EINVAL);
  Bytes only_magic = {0x1f, 0x8b};
  EXPECT_EQ(open_pack(only_magic).rc, -EINVAL);
}

TEST(Pack, GzipEveryByteFlippedNeverCrashes) {
  Bytes image = make_tar(Format::Gnu, Filter::Gzip, {{"a/b/c/" + R, AE_IFREG, random_bytes(3000, 3), ""}});
  for (size_t at = 0; at < image.size(); ++at) {
    Bytes corrupt = image;
    corrupt[at] ^= 0xff;
    int rc = open_pack(corrupt).rc;
    EXPECT_TRUE(rc == 0 || rc == -EINVAL) << "byte " << at << ": " << rc;
    if (at >= 10) {
      EXPECT_EQ(rc, -EINVAL) << "byte " << at;  // past the fixed header: CRC or structure
    }
  }
}

TEST(Pack, GzipTrailingGarbageIsInvalidTrailingZerosArePadding) {
  const auto members = mixed_members();
  Bytes image = make_tar(Format::Pax, Filter::Gzip, members);
  Bytes zeros = image;
  zeros.resize(zeros.size() + 1000, 0);
  Opened o = open_pack(zeros);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
  Bytes garbage = image;
  garbage.push_back('x');
  EXPECT_EQ(open_pack(garbage).rc, -EINVAL);
}

TEST(Pack, ConcatenatedGzipMembersAreOneStream) {
  const auto members = mixed_members();
  Bytes tar = make_tar(Format::Pax, Filter::None, members);
  const size_t split = tar.size() / 3 + 17;
  Bytes image = gzip(tar.data(), split);
  Bytes second = gzip(tar.data() + split, tar.size() - split);
  image.insert(image.end(), second.begin(), second.end());
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

TEST(Pack, GzipOfNothingIsAnEmptyImage) {
  Bytes image = gzip(nullptr, 0);
  EXPECT_EQ(open_pack(image).rc, -EINVAL);  // no end-of-archive blocks
  Bytes end_blocks(1024, 0);
  Bytes gz = gzip(end_blocks.data(), end_blocks.size());
  Opened o = open_pack(gz);
  EXPECT_EQ(o.rc, 0);
  EXPECT_TRUE(o.files.empty());
}

TEST(Pack, GzipBeyondOneGibIsInvalid) {
  // 1 GiB + 512 zero bytes compress to about 1 MiB: the reader must stop at its cap. It counts the
  // output before keeping any, so this costs time, not 1 GiB of memory.
  z_stream s{};
  ASSERT_EQ(deflateInit2(&s, 1, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes zeros(1 << 20, 0), out, chunk(1 << 16);
  const size_t total = (size_t{1} << 30) + 512;
  size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (s.avail_in == 0 && fed < total) {
      size_t n = std::min(zeros.size(), total - fed);
      s.next_in = zeros.data();
      s.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    s.next_out = chunk.data();
    s.avail_out = static_cast<uInt>(chunk.size());
    rc = deflate(&s, fed == total ? Z_FINISH : Z_NO_FLUSH);
    ASSERT_TRUE(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(chunk.size() - s.avail_out));
  }
  deflateEnd(&s);
  EXPECT_EQ(open_pack(out).rc, -EINVAL);
}

// ---- hand-made headers ----

// One header block: NAME, SIZE (octal) and TYPE, POSIX magic unless MAGIC says otherwise (nullptr:
// none, a V7 header). seal() then writes its checksum.
Bytes header(const std::string& name, uint64_t size, char type,
             const char* magic =
                 "ustar\0"
                 "00") {
  Bytes h(512, 0);
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(reinterpret_cast<char*>(&h[100]), 8, "%07o", 0644);
  std::snprintf(reinterpret_cast<char*>(&h[108]), 8, "%07o", 0);
  std::snprintf(reinterpret_cast<char*>(&h[116]), 8, "%07o", 0);
  std::snprintf(reinterpret_cast<char*>(&h[124]), 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(reinterpret_cast<char*>(&h[136]), 12, "%011o", 0);
  h[156] = static_cast<unsigned char>(type);
  if (magic) std::memcpy(&h[257], magic, 8);
  return h;
}

void seal(Bytes& h, bool bad_checksum = false) {
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  if (bad_checksum) sum += 1;
  std::snprintf(reinterpret_cast<char*>(&h[148]), 8, "%06o", sum);  // six digits, NUL, then the blank
  h[155] = ' ';
}

Bytes member(const std::string& name, const std::string& data, char type = '0',
             const char* magic =
                 "ustar\0"
                 "00") {
  Bytes h = header(name, data.size(), type, magic);
  seal(h);
  h.insert(h.end(), data.begin(), data.end());
  h.resize((h.size() + 511) / 512 * 512, 0);
  return h;
}

Bytes with_end(Bytes b) {
  b.resize(b.size() + 1024, 0);
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string pax_record(const std::string& key, const std::string& value) {
  std::string body = " " + key + "=" + value + "\n";
  size_t len = body.size() + 1;
  while (std::to_string(len).size() + body.size() != len) ++len;
  return std::to_string(len) + body;
}

TEST(Pack, HandMadeMembersRead) {
  Bytes image = with_end(cat({member("a/b/c/one.btf", "one"), member("a/b/c/two.btf", "")}));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 2u);
  EXPECT_EQ(o.files[0].first, "a/b/c/one.btf");
  EXPECT_EQ(o.files[0].second, "one");
  EXPECT_EQ(o.files[1].second, "");
}

TEST(Pack, BadChecksumIsInvalid) {
  Bytes h = header("x.btf", 3, '0');
  seal(h, /*bad_checksum=*/true);
  h.resize(1024, 0);
  std::memcpy(&h[512], "abc", 3);
  EXPECT_EQ(open_pack(with_end(h)).rc, -EINVAL);
}

TEST(Pack, SizeBeyondTheImageIsInvalid) {
  for (uint64_t size : {uint64_t{513}, uint64_t{1} << 20, (uint64_t{1} << 33) - 1}) {
    Bytes h = header("x.btf", size, '0');
    seal(h);
    EXPECT_EQ(open_pack(with_end(h)).rc, -EINVAL) << size;  // 1024 bytes follow: less than claimed
  }
}

TEST(Pack, NonOctalSizeIsInvalid) {
  Bytes h = header("x.btf", 0, '0');
  std::memcpy(&h[124], "0000000009x", 11);
  seal(h);
  EXPECT_EQ(open_pack(with_end(h)).rc, -EINVAL);
}

TEST(Pack, Base256Size) {
  Bytes h = header("big.btf", 0, '0');
  std::memset(&h[124], 0, 12);
  h[124] = 0x80;
  h[135] = 5;  // 5 bytes, in GNU's binary form
  seal(h);
  Bytes data(512, 0);
  std::memcpy(data.data(), "hello", 5);
  Opened o = open_pack(with_end(cat({h, data})));
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 1u);
  EXPECT_EQ(o.files[0].second, "hello");

  Bytes negative = h;
  negative[124] = 0xff;
  seal(negative);
  EXPECT_EQ(open_pack(with_end(cat({negative, data}))).rc, -EINVAL);
  Bytes huge = h;
  std::memset(&huge[125], 0xff, 11);
  seal(huge);
  EXPECT_EQ(open_pack(with_end(cat({huge, data}))).rc, -EINVAL);
}

TEST(Pack, PaxSizeRecordOverridesTheHeader) {
  std::string records = pax_record("size", "5") + pax_record("path", "ubuntu/20.04/x86_64/" + R);
  Bytes pax = member("PaxHeaders/x", records, 'x');
  Bytes h = header("short-name", 0, '0');  // the ustar field says 0, the pax record 5
  seal(h);
  Bytes data(512, 0);
  std::memcpy(data.data(), "abcde", 5);
  Opened o = open_pack(with_end(cat({pax, h, data, member("next.btf", "n")})));
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 2u);
  EXPECT_EQ(o.files[0].first, "ubuntu/20.04/x86_64/" + R);
  EXPECT_EQ(o.files[0].second, "abcde");
  EXPECT_EQ(o.files[1].first, "next.btf");  // the pax records applied to one member only
}

TEST(Pack, MalformedPaxRecordsAreInvalid) {
  for (const std::string& records :
       {std::string("99 path=x\n"), std::string("5 path=x\n"), std::string("x path=x\n"), std::string("11 pathxxx\n"),
        std::string("9 path=x!"), std::string("12 size=1x2\n"), std::string("11 size=-1\n"),
        pax_record("size", "99999999999999999999"), std::string("10 path=\x00\n", 10), std::string("3 \n")}) {
    Bytes image = with_end(cat({member("PaxHeaders/x", records, 'x'), member("f.btf", "f")}));
    EXPECT_EQ(open_pack(image).rc, -EINVAL) << records;
  }
}

TEST(Pack, PaxNameConsumedByANonRegularMember) {
  Bytes image = with_end(cat({member("PaxHeaders/x", pax_record("path", "long/dir/name/"), 'x'),
                              member("dir/", "", '5'), member("f.btf", "f")}));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 1u);
  EXPECT_EQ(o.files[0].first, "f.btf");
}

TEST(Pack, GlobalPaxHeaderAndLongLinkTargetsAreSkipped) {
  Bytes image = with_end(
      cat({member("pax_global_header", pax_record("path", "nope"), 'g'),
           member("././@LongLink", std::string(200, 't') + '\0', 'K'), member("lnk", "", '1'), member("f.btf", "f")}));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 1u);
  EXPECT_EQ(o.files[0].first, "f.btf");
}

TEST(Pack, GnuLongNameByHand) {
  const std::string name = "btfs/x86/" + std::string(200, 'q') + "/ubuntu/20.04/x86_64/" + R;
  Bytes image = with_end(cat(
      {member("././@LongLink", name + '\0', 'L', "ustar  \0"), member(name.substr(0, 100), "long", '0', "ustar  \0")}));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 1u);
  EXPECT_EQ(o.files[0].first, name);
  EXPECT_EQ(o.files[0].second, "long");
}

TEST(Pack, GnuMagicIgnoresThePrefixField) {
  Bytes h = header("name.btf", 1, '0', "ustar  \0");
  std::memcpy(&h[345], "atime-bytes", 11);  // old GNU tar keeps times there
  seal(h);
  Bytes data(512, 0);
  data[0] = 'x';
  Opened o = open_pack(with_end(cat({h, data})));
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 1u);
  EXPECT_EQ(o.files[0].first, "name.btf");
}

TEST(Pack, V7HeaderAndOldStyleDirectories) {
  Bytes image = with_end(cat({member("olddir/", "", '\0', nullptr), member("olddir/f.btf", "v7", '\0', nullptr),
                              member("contiguous.btf", "c", '7')}));
  Opened o = open_pack(image);
  ASSERT_EQ(o.rc, 0);
  ASSERT_EQ(o.files.size(), 2u);
  EXPECT_EQ(o.files[0].first, "olddir/f.btf");
  EXPECT_EQ(o.files[0].second, "v7");
  EXPECT_EQ(o.files[1].first, "contiguous.btf");
}

TEST(Pack, EndOfArchiveNeedsTwoZeroBlocks) {
  Bytes one = member("f.btf", "f");
  Bytes lone_zero = one;
  lone_zero.resize(lone_zero.size() + 512, 0);
  EXPECT_EQ(open_pack(lone_zero).rc, -EINVAL);
  Bytes zero_then_data = cat({lone_zero, member("g.btf", "g"), Bytes(1024, 0)});
  EXPECT_EQ(open_pack(zero_then_data).rc, -EINVAL);
  Bytes after_end = cat({with_end(one), Bytes(100, 'j')});  // what follows the end is not read
  Opened o = open_pack(after_end);
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files.size(), 1u);
}

TEST(Pack, ManyMembers) {
  std::vector<Member> members;
  for (int i = 0; i < 500; ++i)
    members.push_back({"d/" + std::to_string(i) + "/x86_64/" + R, AE_IFREG, std::to_string(i), ""});
  Opened o = open_pack(make_tar(Format::Pax, Filter::Gzip, members));
  ASSERT_EQ(o.rc, 0);
  EXPECT_EQ(o.files, regular_of(members));
}

}  // namespace
