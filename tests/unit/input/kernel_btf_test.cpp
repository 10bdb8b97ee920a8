// Kernel BTF input (input/kernel_btf.cpp, input/btf_image.cpp, input/format.cpp) at library level:
// raw BTF, an ELF's .BTF section and tarballs in every compression give the same types; the format
// comes from the bytes, never the name; and every way a hostile or broken input can fail does so
// with bpftool's code and a message naming it: no member, lying headers, members and streams above
// the size cap (an xz bomb hidden in skipped members), SHT_NOBITS, short files, garbage, a FIFO,
// Ctrl-C. Tarballs are built here with libarchive's write API; the lying ones by hand.
#include "btfgen/input/kernel_btf.h"

#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "input/format.h"
#include "test_support.h"

namespace btfgen {
namespace {

using Bytes = std::vector<uint8_t>;
using test::TempDir;

const std::string kBaseBtf = std::string(BTFGEN_TEST_DATA_DIR) + "/targets/base.btf";
const std::string kBaseElf = std::string(BTFGEN_TEST_DATA_DIR) + "/targets/base.o";

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The BTF's bytes as libbpf holds them: equal to base.btf when the right bytes were found.
Bytes raw_of(const BtfPtr& btf) {
  uint32_t size = 0;
  const auto* p = static_cast<const uint8_t*>(btf__raw_data(btf.get(), &size));
  return p != nullptr ? Bytes(p, p + size) : Bytes{};
}

enum class Filter { None, Gzip, Xz, Zstd, Bzip2 };

struct Member {
  std::string name;
  Bytes bytes;
  unsigned type = AE_IFREG;
};

// A pax tarball of MEMBERS through FILTER, built in memory with libarchive's write API.
Bytes make_tar(const std::vector<Member>& members, Filter filter) {
  struct archive* a = archive_write_new();
  int r = ARCHIVE_OK;
  switch (filter) {
    case Filter::None:
      r = archive_write_add_filter_none(a);
      break;
    case Filter::Gzip:
      r = archive_write_add_filter_gzip(a);
      break;
    case Filter::Xz:
      r = archive_write_add_filter_xz(a);
      break;
    case Filter::Zstd:
      r = archive_write_add_filter_zstd(a);
      break;
    case Filter::Bzip2:
      r = archive_write_add_filter_bzip2(a);
      break;
  }
  Bytes out;
  auto sink = [](struct archive*, void* data, const void* buf, size_t n) -> la_ssize_t {
    auto* o = static_cast<Bytes*>(data);
    o->insert(o->end(), static_cast<const uint8_t*>(buf), static_cast<const uint8_t*>(buf) + n);
    return static_cast<la_ssize_t>(n);
  };
  // No zero padding after the compressed stream (as `tar | zstd` writes it): zstd refuses it.
  if (r != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open(a, &out, nullptr, sink, nullptr) != ARCHIVE_OK)
    throw std::runtime_error(std::string("libarchive writer: ") + archive_error_string(a));
  for (const auto& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, 0644);
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e, "target.btf");
    archive_entry_set_size(e, m.type == AE_IFREG ? static_cast<la_int64_t>(m.bytes.size()) : 0);
    if (archive_write_header(a, e) != ARCHIVE_OK ||
        (m.type == AE_IFREG &&
         archive_write_data(a, m.bytes.data(), m.bytes.size()) != static_cast<la_ssize_t>(m.bytes.size())))
      throw std::runtime_error(std::string("libarchive writer: ") + archive_error_string(a));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// A ustar header by hand, for headers the write API would not produce (lies about sizes).
Bytes ustar_header(const std::string& name, uint64_t size, char type) {
  Bytes h(512);
  auto octal = [&](size_t at, size_t len, uint64_t v) {
    for (size_t i = len - 1; i-- > 0; v >>= 3) h[at + i] = static_cast<uint8_t>('0' + (v & 7));
  };
  std::memcpy(h.data(), name.data(), name.size());
  octal(100, 8, 0644), octal(108, 8, 0), octal(116, 8, 0), octal(124, 12, size), octal(136, 12, 0);
  h[156] = static_cast<uint8_t>(type);
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (uint8_t b : h) sum += b;
  octal(148, 7, sum);
  return h;
}

void append_padded(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
  out.resize((out.size() + 511) / 512 * 512);
}

// Returns ::testing::AssertionSuccess when F throws btfgen::Error with CODE and a message that
// starts with ORIGIN (and holds FRAGMENT).
template <typename F>
::testing::AssertionResult fails_with(F&& f, int code, const std::string& origin, const std::string& fragment = {}) {
  try {
    f();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (e.code() != code)
      return ::testing::AssertionFailure() << "code " << e.code() << ", want " << code << ": " << what;
    if (!what.starts_with(origin + ": ") && !what.starts_with(origin + " (member "))
      return ::testing::AssertionFailure() << "message does not name " << origin << ": " << what;
    if (what.find(fragment) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << fragment << "\": " << what;
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not a btfgen::Error: " << e.what();
  }
  return ::testing::AssertionFailure() << "no error";
}

class KernelBtf : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = test::read_file_bytes(kBaseBtf);
    ASSERT_GT(base_.size(), 24u);
    want_types_ = btf__type_cnt(load_kernel_btf(kBaseBtf).get());
    ASSERT_GT(want_types_, 10u);
  }
  void expect_base(const BtfPtr& btf) const {
    ASSERT_NE(btf, nullptr);
    EXPECT_EQ(btf__type_cnt(btf.get()), want_types_);
    EXPECT_EQ(raw_of(btf), base_);
  }
  std::string put(const std::string& name, const Bytes& bytes) {
    write_file(tmp_.file(name), bytes);
    return tmp_.file(name);
  }

  Bytes base_;
  uint32_t want_types_ = 0;
  TempDir tmp_;
};

TEST_F(KernelBtf, RawAndElfGiveTheSameTypes) {
  expect_base(load_kernel_btf(kBaseElf));
  expect_base(parse_kernel_input(base_, "mem.btf"));
  expect_base(parse_kernel_input(test::read_file_bytes(kBaseElf), "mem.o"));
}

TEST_F(KernelBtf, TarballsInEveryCompressionGiveTheSameTypes) {
  const std::vector<std::pair<Filter, Bytes>> filters = {
      {Filter::None, {}},
      {Filter::Gzip, {0x1f, 0x8b}},
      {Filter::Xz, {0xfd, '7', 'z', 'X', 'Z', 0}},
      {Filter::Zstd, {0x28, 0xb5, 0x2f, 0xfd}},
      {Filter::Bzip2, {'B', 'Z', 'h'}},
  };
  for (const auto& [filter, magic] : filters) {
    SCOPED_TRACE(static_cast<int>(filter));
    const Bytes tar = make_tar({{"5.4.0-1.el8.x86_64.btf", base_}}, filter);
    ASSERT_TRUE(std::equal(magic.begin(), magic.end(), tar.begin()));  // really compressed that way
    ASSERT_EQ(sniff_format(tar), InputFormat::Archive);
    expect_base(parse_kernel_input(tar, "mem.tar"));
    expect_base(load_kernel_btf(put("k.btf.tar", tar)));
  }
}

TEST_F(KernelBtf, FormatComesFromContentNotName) {
  expect_base(load_kernel_btf(put("raw.btf.tar.xz", base_)));
  expect_base(load_kernel_btf(put("tarball.btf", make_tar({{"k.btf", base_}}, Filter::Xz))));
  expect_base(load_kernel_btf(put("vmlinux.tar.gz", test::read_file_bytes(kBaseElf))));
}

TEST_F(KernelBtf, FirstRegularBtfMemberIsTheKernel) {
  const Bytes tar = make_tar({{"README", bytes_of("not btf")},
                              {"link.btf", {}, AE_IFLNK},
                              {"dir.btf", {}, AE_IFDIR},
                              {"sub/5.4.0.btf", base_},
                              {"later.btf", bytes_of("garbage, never read")}},
                             Filter::Gzip);
  expect_base(parse_kernel_input(tar, "mem.tar.gz"));
  expect_base(load_kernel_btf(put("k.tar.gz", tar)));
  // The first .btf member is the kernel even when it is broken: the error names it.
  const Bytes bad_first = make_tar({{"bad.btf", bytes_of("garbage, not btf")}, {"good.btf", base_}}, Filter::None);
  EXPECT_TRUE(
      fails_with([&] { parse_kernel_input(bad_first, "mem.tar"); }, kElfFormatError, "mem.tar (member bad.btf)"));
}

TEST_F(KernelBtf, TarballWithoutBtfMemberIsENOENT) {
  const Bytes tar = make_tar({{"README", bytes_of("x")}, {"vmlinux", base_}, {"k.btf", {}, AE_IFLNK}}, Filter::Xz);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(tar, "mem.tar.xz"); }, ENOENT, "mem.tar.xz", "no *.btf member"));
  const std::string path = put("none.tar.xz", tar);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path); }, ENOENT, path, "no *.btf member"));
  // An empty tarball, compressed (uncompressed it is only zeros, which no format claims).
  const Bytes empty = make_tar({}, Filter::Gzip);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(empty, "empty.tar.gz"); }, ENOENT, "empty.tar.gz"));
  EXPECT_TRUE(
      fails_with([&] { parse_kernel_input(make_tar({}, Filter::None), "zeros.tar"); }, kElfFormatError, "zeros.tar"));
}

TEST_F(KernelBtf, MemberClaimAboveCapIsRefusedBeforeReading) {
  // A header that claims 4 GiB and no data at all: reading it would fail with EIO, so EFBIG shows
  // the claim was refused first (and no 4 GiB buffer was reserved).
  Bytes tar = ustar_header("k.btf", uint64_t{4} << 30, '0');
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(tar, "claim.tar"); }, EFBIG, "claim.tar", "claims 4294967296"));
  // Just above a small cap, in a well-formed tarball.
  const Bytes honest = make_tar({{"k.btf", base_}}, Filter::Zstd);
  const InputLimits tight{.max_input_size = base_.size() - 1};
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(honest, "k.tar.zst", tight); }, EFBIG, "k.tar.zst",
                         "member k.btf claims " + std::to_string(base_.size())));
  const std::string path = put("k.tar.zst", honest);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path, tight); }, EFBIG, path, "claims"));
  // Room for the member and the whole stream: read.
  expect_base(parse_kernel_input(honest, "k.tar.zst", {.max_input_size = 16 * 1024}));
}

TEST_F(KernelBtf, MemberLargerThanItsClaimIsStoppedAtTheCap) {
  // A pax "SCHILY.realsize" of 100 makes libarchive report 100 bytes, while 20000 arrive.
  const std::string body = "23 SCHILY.realsize=100\n";  // a pax record counts its own length
  ASSERT_EQ(body.size(), 23u);
  Bytes tar;
  append_padded(tar, ustar_header("PaxHeaders/k.btf", body.size(), 'x'));
  append_padded(tar, bytes_of(body));
  append_padded(tar, ustar_header("k.btf", 20000, '0'));
  append_padded(tar, Bytes(20000, 'A'));
  tar.resize(tar.size() + 1024);
  const InputLimits cap{.max_input_size = 8192};
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(tar, "lie.tar", cap); }, EFBIG, "lie.tar", "member k.btf exceeds"));
  const std::string path = put("lie.tar", tar);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path, cap); }, EFBIG, path, "member k.btf exceeds"));
}

TEST_F(KernelBtf, DecompressedStreamCapCountsSkippedMembers) {
  // 1 MiB of zeros in a member that is skipped: a few hundred bytes of xz, far above the cap once inflated.
  const InputLimits cap{.max_input_size = 64 * 1024};
  const Bytes bomb = make_tar({{"padding.bin", Bytes(1 << 20, 0)}, {"k.btf", base_}}, Filter::Xz);
  ASSERT_LT(bomb.size(), cap.max_input_size);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(bomb, "bomb.tar.xz", cap); }, EFBIG, "bomb.tar.xz",
                         "decompressed stream exceeds"));
  const std::string path = put("bomb.tar.xz", bomb);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path, cap); }, EFBIG, path, "decompressed stream exceeds"));
  // The same kernel without the padding is well within that cap.
  expect_base(parse_kernel_input(make_tar({{"k.btf", base_}}, Filter::Xz), "k.tar.xz", cap));
}

TEST_F(KernelBtf, RawAndElfAboveCapAreEFBIG) {
  const InputLimits below{.max_input_size = base_.size() - 1};
  const InputLimits exact{.max_input_size = base_.size()};
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(kBaseBtf, below); }, EFBIG, kBaseBtf, "raw BTF of"));
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(base_, "mem.btf", below); }, EFBIG, "mem.btf", "raw BTF of"));
  expect_base(load_kernel_btf(kBaseBtf, exact));
  expect_base(parse_kernel_input(base_, "mem.btf", exact));
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(kBaseElf, below); }, EFBIG, kBaseElf, "section .BTF claims"));
  expect_base(load_kernel_btf(kBaseElf, exact));
}

TEST_F(KernelBtf, NobitsBtfSectionIsEINVAL) {
  Bytes elf = test::read_file_bytes(kBaseElf);
  Elf64_Ehdr eh;
  ASSERT_GE(elf.size(), sizeof(eh));
  std::memcpy(&eh, elf.data(), sizeof(eh));
  ASSERT_EQ(eh.e_ident[EI_CLASS], ELFCLASS64);
  ASSERT_EQ(eh.e_ident[EI_DATA], ELFDATA2LSB);  // patched with the host's (little-endian) layout
  ASSERT_LE(eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), elf.size());
  auto shdr = [&](size_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, &elf[eh.e_shoff + i * eh.e_shentsize], sizeof(sh));
    return sh;
  };
  const Elf64_Shdr names = shdr(eh.e_shstrndx);
  bool patched = false;
  for (size_t i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh = shdr(i);
    if (std::strcmp(reinterpret_cast<const char*>(&elf[names.sh_offset + sh.sh_name]), ".BTF") != 0) continue;
    sh.sh_type = SHT_NOBITS;
    std::memcpy(&elf[eh.e_shoff + i * eh.e_shentsize], &sh, sizeof(sh));
    patched = true;
  }
  ASSERT_TRUE(patched);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(elf, "nobits.o"); }, EINVAL, "nobits.o", "SHT_NOBITS"));
  const std::string path = put("nobits.o", elf);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path); }, EINVAL, path, "SHT_NOBITS"));
}

TEST_F(KernelBtf, ShortGarbageMissingAndDirectoryInputs) {
  EXPECT_TRUE(fails_with([&] { parse_kernel_input({}, "empty"); }, EIO, "empty"));
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(Bytes{0x9f}, "one"); }, EIO, "one"));
  const std::string empty = put("empty.btf", {});
  const std::string one = put("one.btf", {0x9f});
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(empty); }, EIO, empty));
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(one); }, EIO, one));
  const Bytes garbage = bytes_of("this is not a kernel, just some text");
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(garbage, "garbage"); }, kElfFormatError, "garbage"));
  const std::string path = put("garbage.btf", garbage);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path); }, kElfFormatError, path));
  const std::string missing = tmp_.file("missing.btf");
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(missing); }, ENOENT, missing));
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(tmp_.path()); }, EIO, tmp_.path()));  // a directory reads nothing
  // A tarball cut in the middle of its member.
  Bytes cut = make_tar({{"k.btf", base_}}, Filter::None);
  cut.resize(512 + base_.size() / 2);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(cut, "cut.tar"); }, EIO, "cut.tar", "corrupt tarball"));
}

TEST_F(KernelBtf, FifoIsEINVALWithoutBlocking) {
  const std::string fifo = tmp_.file("kernel.btf");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto result =
      std::async(std::launch::async, [&] { return fails_with([&] { load_kernel_btf(fifo); }, EINVAL, fifo, "FIFO"); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    const int unblock = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // let the blocked reader go
    if (unblock >= 0) close(unblock);
    FAIL() << "load_kernel_btf blocked on a FIFO";
  }
  EXPECT_TRUE(result.get());
}

TEST_F(KernelBtf, CancelBeforeReadingATarballIsECANCELED) {
  std::atomic<bool> cancel{true};
  const InputLimits limits{.cancel = &cancel};
  const Bytes tar = make_tar({{"k.btf", base_}}, Filter::Xz);
  EXPECT_TRUE(fails_with([&] { parse_kernel_input(tar, "k.tar.xz", limits); }, ECANCELED, "k.tar.xz"));
  const std::string path = put("k.tar.xz", tar);
  EXPECT_TRUE(fails_with([&] { load_kernel_btf(path, limits); }, ECANCELED, path));
  cancel = false;
  expect_base(load_kernel_btf(path, limits));
}

TEST(Sniff, FormatFromTheFirstBytes) {
  auto sniff = [](Bytes b) { return sniff_format(b); };
  EXPECT_EQ(sniff({0x9f, 0xeb}), InputFormat::RawBtf);        // 0xeb9f little-endian
  EXPECT_EQ(sniff({0xeb, 0x9f, 1, 0}), InputFormat::RawBtf);  // big-endian
  EXPECT_EQ(sniff({0x7f, 'E', 'L', 'F', 2, 1}), InputFormat::Elf);
  EXPECT_EQ(sniff({0xfd, '7', 'z', 'X', 'Z', 0}), InputFormat::Archive);
  EXPECT_EQ(sniff({0x1f, 0x8b, 8}), InputFormat::Archive);
  EXPECT_EQ(sniff({0x28, 0xb5, 0x2f, 0xfd}), InputFormat::Archive);
  EXPECT_EQ(sniff({'B', 'Z', 'h', '9'}), InputFormat::Archive);
  Bytes ustar(512, 0);
  std::memcpy(&ustar[257], "ustar", 5);
  EXPECT_EQ(sniff(ustar), InputFormat::Archive);
  EXPECT_EQ(sniff(Bytes(ustar.begin(), ustar.begin() + 262)), InputFormat::Archive);
  EXPECT_EQ(sniff(Bytes(ustar.begin(), ustar.begin() + 261)), InputFormat::Unknown);  // "usta"
  Bytes shifted(512, 0);
  std::memcpy(&shifted[256], "ustar", 5);
  EXPECT_EQ(sniff(shifted), InputFormat::Unknown);
  ustar[0] = 0x9f, ustar[1] = 0xeb;
  EXPECT_EQ(sniff(ustar), InputFormat::RawBtf);  // the magic at 0 wins
  // Unknown: too short for any magic, or none of them.
  EXPECT_EQ(sniff({}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0x9f}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0x7f, 'E', 'L'}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0xfd, '7', 'z', 'X', 'Z'}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0x1f}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0x28, 0xb5, 0x2f}), InputFormat::Unknown);
  EXPECT_EQ(sniff({'B', 'Z'}), InputFormat::Unknown);
  EXPECT_EQ(sniff({0x9e, 0xeb, 'E', 'L', 'F'}), InputFormat::Unknown);
  EXPECT_EQ(sniff(bytes_of("PK\x03\x04 zip is not read")), InputFormat::Unknown);
  EXPECT_EQ(sniff(test::read_file_bytes(kBaseBtf)), InputFormat::RawBtf);
  EXPECT_EQ(sniff(test::read_file_bytes(kBaseElf)), InputFormat::Elf);
}

}  // namespace
}  // namespace btfgen
