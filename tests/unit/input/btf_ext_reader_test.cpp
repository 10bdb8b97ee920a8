// The bounds-checked .BTF.ext walker, on bytes built in the test.
#include "input/btf_ext_reader.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "btfgen/common/btf_handle.h"
#include "btfgen/common/error.h"
#include "btfgen/input/bpf_object.h"

namespace btfgen {
namespace {

class ExtBuilder {
 public:
  explicit ExtBuilder(uint32_t hdr_len = 32) : hdr_len_(hdr_len) {}
  ExtBuilder& rec_size(uint32_t n) {
    rec_size_ = n;
    return *this;
  }
  ExtBuilder& section(uint32_t name_off, std::vector<std::array<uint32_t, 4>> relos) {
    sections_.push_back({name_off, std::move(relos)});
    return *this;
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint32_t> sub;
    sub.push_back(rec_size_);
    for (const auto& [name, relos] : sections_) {
      sub.push_back(name);
      sub.push_back(static_cast<uint32_t>(relos.size()));
      for (const auto& r : relos) {
        sub.insert(sub.end(), r.begin(), r.end());
        for (uint32_t pad = 16; pad < rec_size_; pad += 4) sub.push_back(0xdeadbeef);
      }
    }
    std::vector<uint8_t> out(hdr_len_, 0);
    const uint16_t magic = 0xEB9F;
    std::memcpy(out.data(), &magic, 2);
    out[2] = 1;
    std::memcpy(out.data() + 4, &hdr_len_, 4);
    if (hdr_len_ >= 32) {
      const uint32_t off = 0, len = static_cast<uint32_t>(sub.size() * 4);
      std::memcpy(out.data() + 24, &off, 4);
      std::memcpy(out.data() + 28, &len, 4);
      const auto* p = reinterpret_cast<const uint8_t*>(sub.data());
      out.insert(out.end(), p, p + sub.size() * 4);
    }
    return out;
  }

 private:
  uint32_t hdr_len_;
  uint32_t rec_size_ = 16;
  std::vector<std::pair<uint32_t, std::vector<std::array<uint32_t, 4>>>> sections_;
};

// A BTF whose string section holds a program section name, for the sec_name_off lookups.
BtfPtr btf_with_section_name(uint32_t& name_off) {
  BtfPtr b(btf__new_empty());
  name_off = static_cast<uint32_t>(btf__add_str(b.get(), "kprobe/do_exit"));
  return b;
}

TEST(BtfExtReader, ReadsSectionsAndRecordsInFileOrder) {
  uint32_t name = 0;
  BtfPtr b = btf_with_section_name(name);
  const auto bytes = ExtBuilder().section(name, {{8, 3, 40, 0}, {16, 3, 44, 2}}).section(9999, {{0, 5, 48, 7}}).bytes();
  const auto secs = read_core_relos(bytes.data(), bytes.size(), b.get(), "x.o");
  ASSERT_EQ(secs.size(), 2u);
  EXPECT_EQ(secs[0].name, "kprobe/do_exit");
  ASSERT_EQ(secs[0].relos.size(), 2u);
  EXPECT_EQ(secs[0].relos[1].insn_off, 16u);
  EXPECT_EQ(secs[0].relos[1].type_id, 3u);
  EXPECT_EQ(secs[0].relos[1].access_str_off, 44u);
  EXPECT_EQ(secs[0].relos[1].kind, 2u);
  EXPECT_EQ(secs[1].name, "(null)");  // invalid name offset, printed as bpftool does
  EXPECT_EQ(secs[1].relos[0].kind, 7u);
}

TEST(BtfExtReader, StridesByLargerRecordSize) {
  uint32_t name = 0;
  BtfPtr b = btf_with_section_name(name);
  const auto bytes = ExtBuilder().rec_size(20).section(name, {{1, 2, 3, 4}, {5, 6, 7, 8}}).bytes();
  const auto secs = read_core_relos(bytes.data(), bytes.size(), b.get(), "x.o");
  ASSERT_EQ(secs.size(), 1u);
  ASSERT_EQ(secs[0].relos.size(), 2u);
  EXPECT_EQ(secs[0].relos[1].insn_off, 5u);
  EXPECT_EQ(secs[0].relos[1].kind, 8u);
}

TEST(BtfExtReader, HeaderWithoutCoreReloFieldsMeansNoRelocations) {
  uint32_t name = 0;
  BtfPtr b = btf_with_section_name(name);
  const auto bytes = ExtBuilder(24).bytes();
  EXPECT_TRUE(read_core_relos(bytes.data(), bytes.size(), b.get(), "x.o").empty());
}

int error_code_of(const std::vector<uint8_t>& bytes, std::string* message = nullptr) {
  uint32_t name = 0;
  BtfPtr b = btf_with_section_name(name);
  try {
    read_core_relos(bytes.data(), bytes.size(), b.get(), "bad.o");
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return 0;
}

TEST(BtfExtReader, RejectsTruncatedAndInconsistentSubsections) {
  uint32_t name = 0;
  BtfPtr b = btf_with_section_name(name);
  const auto good = ExtBuilder().section(name, {{8, 3, 40, 0}}).bytes();

  std::string msg;
  auto truncated = good;
  truncated.resize(truncated.size() - 4);
  EXPECT_EQ(error_code_of(truncated, &msg), EINVAL);
  EXPECT_NE(msg.find("bad.o: section .BTF.ext, offset"), std::string::npos) << msg;

  auto bad_magic = good;
  bad_magic[0] = 0;
  EXPECT_EQ(error_code_of(bad_magic), EINVAL);

  auto small_records = ExtBuilder().rec_size(12).section(name, {{8, 3, 40, 0}}).bytes();
  EXPECT_EQ(error_code_of(small_records, &msg), EINVAL);
  EXPECT_NE(msg.find("record size 12"), std::string::npos) << msg;

  auto empty_section = ExtBuilder().section(name, {}).bytes();
  EXPECT_EQ(error_code_of(empty_section, &msg), EINVAL);
  EXPECT_NE(msg.find("no records"), std::string::npos) << msg;

  auto overlong = good;
  const uint32_t huge = 0x10000;
  std::memcpy(overlong.data() + 28, &huge, 4);
  EXPECT_EQ(error_code_of(overlong), EINVAL);

  EXPECT_EQ(error_code_of({0x9f, 0xeb, 1}), EINVAL);
}

}  // namespace
}  // namespace btfgen
