// Error paths of `btfgen min`, black-box through the CLI and through the core library.
//
// Every corrupt input is generated at test time, in a temporary directory, from real inputs of the
// shared corpus: a libbpf-tools object (execsnoop.bpf.o) whose ELF section headers, .BTF or
// .BTF.ext bytes are patched, and a btfhub kernel tarball that is truncated, corrupted or rebuilt.
// For each case the CLI must
//   - exit non-zero, with bpftool's exit status (spec §2.1, §12: the negative errno in 8 bits),
//   - print exactly one line on stderr, naming the offending file,
//   - leave nothing in the output directory (no OUTPUT, no temporary file),
// and bpftool 7.1.0 must fail on the same input with the same status (parity). The library entry
// points (BpfObject::load, load_kernel_btf, read_core_relos, minimize) must throw btfgen::Error
// with the same errno-style code.
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/input/bpf_object.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "input/btf_ext_reader.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using btfgen::test::CommandResult;
using btfgen::test::find_tool;
using btfgen::test::read_file_bytes;
using btfgen::test::run_command;
using btfgen::test::TempDir;
using Bytes = std::vector<uint8_t>;

constexpr const char* kBaseObjectName = "execsnoop.bpf.o";
constexpr const char* kPreferredKernel = "debian/12/x86_64/6.1.0-47-cloud-amd64.btf.tar.xz";
constexpr int kElfFormatError = btfgen::kElfFormatError;

int status_for(int code) { return btfgen::test::bpftool_status(code); }

// ------------------------------------------------------------------------------------------------
// Byte and ELF helpers (ELF64, host byte order: the corpus objects are little-endian BPF).
// ------------------------------------------------------------------------------------------------

template <typename T>
T get(const Bytes& b, size_t off) {
  T v{};
  if (off + sizeof(T) > b.size()) throw std::runtime_error("get: offset out of range");
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

template <typename T>
void put(Bytes& b, size_t off, T v) {
  if (off + sizeof(T) > b.size()) throw std::runtime_error("put: offset out of range");
  std::memcpy(b.data() + off, &v, sizeof(T));
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_text(const std::string& path, std::string_view text) { write_bytes(path, Bytes(text.begin(), text.end())); }

// Bytes that are neither ELF nor BTF (no 0x7f 'E' 'L' 'F', no 0xEB9F magic).
Bytes garbage_bytes(size_t n) {
  const std::string_view prefix = "this is not an ELF file, nor raw BTF\n";
  Bytes b(prefix.begin(), prefix.end());
  uint32_t x = 0x12345678;
  while (b.size() < n) {
    x = x * 1103515245U + 12345U;
    b.push_back(static_cast<uint8_t>(x >> 16));
  }
  b.resize(n);
  return b;
}

struct ElfSection {
  size_t header_offset = 0;  // file offset of its Elf64_Shdr
  uint64_t offset = 0;       // sh_offset
  uint64_t size = 0;         // sh_size
  uint32_t name_offset = 0;  // file offset of its name in the section-header string table
};

std::optional<ElfSection> find_section(const Bytes& elf, std::string_view name) {
  auto ehdr = get<Elf64_Ehdr>(elf, 0);
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 || ehdr.e_ident[EI_CLASS] != ELFCLASS64)
    throw std::runtime_error("not an ELF64 file");
  auto strtab = get<Elf64_Shdr>(elf, ehdr.e_shoff + size_t{ehdr.e_shstrndx} * ehdr.e_shentsize);
  for (size_t i = 0; i < ehdr.e_shnum; ++i) {
    size_t hdr_off = ehdr.e_shoff + i * ehdr.e_shentsize;
    auto shdr = get<Elf64_Shdr>(elf, hdr_off);
    size_t name_off = strtab.sh_offset + shdr.sh_name;
    if (name_off >= elf.size()) continue;
    const char* p = reinterpret_cast<const char*>(elf.data() + name_off);
    if (std::string_view(p, strnlen(p, elf.size() - name_off)) == name)
      return ElfSection{hdr_off, shdr.sh_offset, shdr.sh_size, static_cast<uint32_t>(name_off)};
  }
  return std::nullopt;
}

ElfSection require_section(const Bytes& elf, std::string_view name) {
  auto s = find_section(elf, name);
  if (!s) throw std::runtime_error("section " + std::string(name) + " not found");
  return *s;
}

void set_section_size(Bytes& elf, const ElfSection& s, uint64_t size) {
  put<uint64_t>(elf, s.header_offset + offsetof(Elf64_Shdr, sh_size), size);
}

// Renames section NAME by overwriting its last character in the string table. (LLVM merges
// ".BTF" into ".rel.BTF", so the relocation section is renamed with it; nothing reads it.)
void rename_section(Bytes& elf, std::string_view name) {
  auto s = require_section(elf, name);
  elf[s.name_offset + name.size() - 1] = 'X';
}

// Layout of the object's .BTF.ext (spec §3), as file offsets.
struct ExtLayout {
  ElfSection section;
  uint32_t hdr_len = 0;
  size_t func_info = 0;  // file offset of the func_info subsection (its rec_size word)
  size_t line_info = 0;
  size_t core_relo = 0;
  uint32_t core_relo_len = 0;
  // File offset of the first CO-RE record whose kind is not TYPE_ID_LOCAL (6), and of the first
  // field-based one (kinds 0-5), in file order.
  size_t first_searching_record = 0;
  size_t first_field_record = 0;
};

ExtLayout ext_layout(const Bytes& elf) {
  ExtLayout l;
  l.section = require_section(elf, ".BTF.ext");
  size_t ext = l.section.offset;
  l.hdr_len = get<uint32_t>(elf, ext + 4);
  l.func_info = ext + l.hdr_len + get<uint32_t>(elf, ext + 8);
  l.line_info = ext + l.hdr_len + get<uint32_t>(elf, ext + 16);
  l.core_relo = ext + l.hdr_len + get<uint32_t>(elf, ext + 24);
  l.core_relo_len = get<uint32_t>(elf, ext + 28);
  uint32_t rec_size = get<uint32_t>(elf, l.core_relo);
  size_t p = l.core_relo + 4;
  size_t end = l.core_relo + l.core_relo_len;
  while (p + 8 <= end && (l.first_searching_record == 0 || l.first_field_record == 0)) {
    uint32_t num_info = get<uint32_t>(elf, p + 4);
    p += 8;
    for (uint32_t i = 0; i < num_info; ++i, p += rec_size) {
      uint32_t kind = get<uint32_t>(elf, p + 12);
      if (kind != 6 && l.first_searching_record == 0) l.first_searching_record = p;
      if (kind <= 5 && l.first_field_record == 0) l.first_field_record = p;
    }
  }
  if (l.first_searching_record == 0 || l.first_field_record == 0)
    throw std::runtime_error("base object lacks the CO-RE records the tests patch");
  return l;
}

// Offset (in the object's .BTF string section) of the first string that starts with a letter:
// a type or member name, which is not a valid access string.
uint32_t name_string_offset(const Bytes& elf) {
  auto btf = require_section(elf, ".BTF");
  uint32_t hdr_len = get<uint32_t>(elf, btf.offset + 4);
  uint32_t str_off = get<uint32_t>(elf, btf.offset + 16);
  uint32_t str_len = get<uint32_t>(elf, btf.offset + 20);
  size_t strings = btf.offset + hdr_len + str_off;
  for (uint32_t i = 1; i < str_len; ++i) {
    char c = static_cast<char>(elf[strings + i]);
    if (elf[strings + i - 1] == 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return i;
  }
  throw std::runtime_error("no name string in .BTF");
}

// ------------------------------------------------------------------------------------------------
// Shared inputs: the base object and a kernel (tarball plus its extracted raw .btf).
// ------------------------------------------------------------------------------------------------

struct Inputs {
  std::string unavailable;  // why the inputs could not be prepared; empty when ready
  std::string bpftool;      // empty when not installed
  std::string base_object;  // the corpus object
  std::string kernel_tarball;
  std::string kernel_btf;  // raw BTF extracted from kernel_tarball
  std::unique_ptr<TempDir> dir;
};

const Inputs& inputs() {
  static Inputs in = [] {
    Inputs r;
    r.bpftool = find_tool("bpftool");
    std::string corpus = std::string(BTFGEN_SHARED_DIR) + "/corpus";
    r.base_object = corpus + "/objects/libbpf-tools/" + kBaseObjectName;
    if (!fs::exists(r.base_object)) {
      r.unavailable = "corpus object " + r.base_object + " not found";
      return r;
    }
    std::string btfhub = corpus + "/btfhub";
    if (fs::exists(btfhub + "/" + kPreferredKernel)) {
      r.kernel_tarball = btfhub + "/" + kPreferredKernel;
    } else if (fs::is_directory(btfhub)) {
      std::vector<std::string> all;
      for (const auto& e : fs::recursive_directory_iterator(btfhub)) {
        std::string p = e.path().string();
        if (e.is_regular_file() && p.ends_with(".btf.tar.xz")) all.push_back(p);
      }
      std::sort(all.begin(), all.end());
      if (!all.empty()) r.kernel_tarball = all.front();
    }
    if (r.kernel_tarball.empty()) {
      r.unavailable = "no kernel tarball under " + btfhub;
      return r;
    }
    if (find_tool("tar").empty() || find_tool("xz").empty()) {
      r.unavailable = "tar and xz are needed to extract " + r.kernel_tarball;
      return r;
    }
    r.dir = std::make_unique<TempDir>();
    auto res = run_command({"tar", "-xJf", r.kernel_tarball, "-C", r.dir->path()});
    for (const auto& e : fs::directory_iterator(r.dir->path()))
      if (e.path().extension() == ".btf") r.kernel_btf = e.path().string();
    if (res.exit_code != 0 || r.kernel_btf.empty())
      r.unavailable = "cannot extract " + r.kernel_tarball + ": " + res.err;
    return r;
  }();
  return in;
}

// ------------------------------------------------------------------------------------------------
// The failure contract.
// ------------------------------------------------------------------------------------------------

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

CommandResult run_btfgen(const std::string& input, const std::string& output, const std::vector<std::string>& objects) {
  std::vector<std::string> argv = {BTFGEN_BINARY, "min", input, output};
  argv.insert(argv.end(), objects.begin(), objects.end());
  return run_command(argv);
}

CommandResult run_bpftool(const std::string& bpftool, const std::string& input, const std::string& output,
                          const std::vector<std::string>& objects) {
  std::vector<std::string> argv = {bpftool, "gen", "min_core_btf", input, output};
  argv.insert(argv.end(), objects.begin(), objects.end());
  return run_command(argv);
}

// Runs `btfgen min INPUT <fresh dir>/out.btf OBJECTS...` and checks the failure contract: non-zero
// exit (EXPECTED_STATUS when given), one stderr line naming CULPRIT, an empty output directory.
// Returns the result for further checks.
CommandResult expect_btfgen_fails(const TempDir& tmp, const std::string& input, const std::vector<std::string>& objects,
                                  const std::string& culprit, std::optional<int> expected_status) {
  std::string out_dir = tmp.file("btfgen-out");
  fs::create_directories(out_dir);
  CommandResult r = run_btfgen(input, out_dir + "/out.btf", objects);
  std::string context = "btfgen min " + input + " OUT " + join(objects) + "\nstderr: " + r.err;
  EXPECT_NE(r.exit_code, 0) << context;
  if (expected_status) {
    EXPECT_EQ(r.exit_code, *expected_status) << context;
  }
  std::string err = r.err;
  if (!err.empty() && err.back() == '\n') err.pop_back();
  EXPECT_FALSE(err.empty()) << "no error message\n" << context;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one stderr line\n" << context;
  EXPECT_NE(err.find(culprit), std::string::npos) << "stderr does not name " << culprit << "\n" << context;
  EXPECT_EQ(join(list_dir(out_dir)), "") << "output directory not empty after a failure\n" << context;
  return r;
}

// Parity: bpftool fails on the same input with EXPECTED_STATUS (when given) and, when
// BTFGEN_STATUS is given, with btfgen's status.
void expect_bpftool_fails(const TempDir& tmp, const std::string& input, const std::vector<std::string>& objects,
                          std::optional<int> expected_status, std::optional<int> btfgen_status) {
  const std::string& bpftool = inputs().bpftool;
  std::string out_dir = tmp.file("bpftool-out");
  fs::create_directories(out_dir);
  CommandResult r = run_bpftool(bpftool, input, out_dir + "/out.btf", objects);
  std::string context = "bpftool gen min_core_btf " + input + " OUT " + join(objects) + "\nstderr: " + r.err;
  EXPECT_NE(r.exit_code, 0) << context;
  if (expected_status) {
    EXPECT_EQ(r.exit_code, *expected_status) << context;
  }
  if (btfgen_status) {
    EXPECT_EQ(*btfgen_status, r.exit_code) << "btfgen and bpftool exit statuses differ\n" << context;
  }
  EXPECT_EQ(join(list_dir(out_dir)), "") << context;
}

// Both tools fail on OBJECTS against the test kernel with the status for CODE; btfgen names CULPRIT.
void expect_object_failure(const TempDir& tmp, const std::vector<std::string>& objects, const std::string& culprit,
                           int code) {
  const auto& in = inputs();
  auto r = expect_btfgen_fails(tmp, in.kernel_btf, objects, culprit, status_for(code));
  expect_bpftool_fails(tmp, in.kernel_btf, objects, status_for(code), r.exit_code);
}

// Both tools fail on INPUT (bpftool is given BPFTOOL_INPUT, by default the same file).
void expect_input_failure(const TempDir& tmp, const std::string& input, std::optional<int> code,
                          std::optional<std::string> bpftool_input = std::nullopt) {
  const auto& in = inputs();
  std::optional<int> status;
  if (code) status = status_for(*code);
  auto r = expect_btfgen_fails(tmp, input, {in.base_object}, input, status);
  expect_bpftool_fails(tmp, bpftool_input.value_or(input), {in.base_object}, status,
                       code ? std::optional<int>(r.exit_code) : std::nullopt);
}

template <typename F>
void expect_error_code(F&& f, int code, const std::string& names, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": no btfgen::Error thrown";
  } catch (const btfgen::Error& e) {
    EXPECT_EQ(e.code(), code) << what << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(names), std::string::npos)
        << what << ": message does not name " << names << ": " << e.what();
  }
}

class ErrorPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& in = inputs();
    BTFGEN_REQUIRE(in.unavailable.empty(), in.unavailable);
    BTFGEN_REQUIRE(!in.bpftool.empty(), "bpftool, the oracle of every parity check here, not found");
    base_ = read_file_bytes(in.base_object);
  }

  std::string write_object(const std::string& name, const Bytes& bytes) const {
    std::string path = tmp_.file(name);
    write_bytes(path, bytes);
    return path;
  }

  TempDir tmp_;
  Bytes base_;
};

// ------------------------------------------------------------------------------------------------
// Baseline: the unpatched inputs work, so every failure below comes from the patch.
// ------------------------------------------------------------------------------------------------

TEST_F(ErrorPaths, BaselineSucceedsWithBothTools) {
  const auto& in = inputs();
  std::string obj = write_object("base.bpf.o", base_);
  std::string out = tmp_.file("btfgen.btf");
  auto r = run_btfgen(in.kernel_tarball, out, {obj});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ASSERT_TRUE(fs::exists(out));
  EXPECT_GT(fs::file_size(out), 24U);
  EXPECT_EQ(join(list_dir(tmp_.path())), "base.bpf.o btfgen.btf");
  std::string ref = tmp_.file("bpftool.btf");
  auto b = run_bpftool(in.bpftool, in.kernel_btf, ref, {obj});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_file_bytes(ref), read_file_bytes(out));
  // The library reads the same records the tests below patch.
  auto object = btfgen::BpfObject::load(obj);
  EXPECT_GT(object.relo_count(), 0U);
}

// ------------------------------------------------------------------------------------------------
// Objects that cannot be read or are not BPF objects.
// ------------------------------------------------------------------------------------------------

TEST_F(ErrorPaths, ObjectMissing) {
  std::string obj = tmp_.file("missing.bpf.o");
  expect_object_failure(tmp_, {obj}, obj, ENOENT);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, ENOENT, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, ObjectEmpty) {
  std::string obj = write_object("empty.bpf.o", {});
  expect_object_failure(tmp_, {obj}, obj, EIO);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, EIO, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, ObjectOneByte) {
  std::string obj = write_object("one-byte.bpf.o", {0x7f});
  expect_object_failure(tmp_, {obj}, obj, EIO);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, EIO, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, ObjectGarbage) {
  std::string obj = write_object("garbage.bpf.o", garbage_bytes(4096));
  expect_object_failure(tmp_, {obj}, obj, kElfFormatError);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, kElfFormatError, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, ObjectTruncatedElf) {
  // The ELF header survives but the section headers are cut off.
  Bytes cut(base_.begin(), base_.begin() + 256);
  std::string obj = write_object("truncated.bpf.o", cut);
  expect_object_failure(tmp_, {obj}, obj, kElfFormatError);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, kElfFormatError, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, ElfWithoutBtf) {
  // A host ELF executable (btfgen itself) has no .BTF section.
  std::string exe = write_object("host-elf", read_file_bytes(BTFGEN_BINARY));
  expect_object_failure(tmp_, {exe}, exe, ENOENT);
  expect_error_code([&] { btfgen::BpfObject::load(exe); }, ENOENT, exe, "BpfObject::load");
}

TEST_F(ErrorPaths, BpfObjectWithBtfSectionRenamed) {
  Bytes b = base_;
  rename_section(b, ".BTF");
  ASSERT_FALSE(find_section(b, ".BTF"));
  std::string obj = write_object("no-btf.bpf.o", b);
  expect_object_failure(tmp_, {obj}, obj, ENOENT);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, ENOENT, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, BpfObjectWithoutBtfExt) {
  Bytes b = base_;
  rename_section(b, ".BTF.ext");
  ASSERT_FALSE(find_section(b, ".BTF.ext"));
  std::string obj = write_object("no-btf-ext.bpf.o", b);
  expect_object_failure(tmp_, {obj}, obj, EINVAL);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, EINVAL, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, BpfObjectWithBtfExtRemovedByObjcopy) {
  std::string objcopy = find_tool("llvm-objcopy-19");
  if (objcopy.empty()) objcopy = find_tool("llvm-objcopy");
  BTFGEN_REQUIRE(!objcopy.empty(), "llvm-objcopy(-19) not found");
  std::string base = write_object("base.bpf.o", base_);
  std::string obj = tmp_.file("stripped.bpf.o");
  auto r = run_command({objcopy, "--remove-section", ".BTF.ext", base, obj});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(find_section(read_file_bytes(obj), ".BTF.ext"));
  ASSERT_TRUE(find_section(read_file_bytes(obj), ".BTF"));
  expect_object_failure(tmp_, {obj}, obj, EINVAL);
  expect_error_code([&] { btfgen::BpfObject::load(obj); }, EINVAL, obj, "BpfObject::load");
}

TEST_F(ErrorPaths, RawBtfGivenAsObject) {
  // Parses as BTF, but a raw BTF file has no .BTF.ext (spec §2.4).
  const auto& in = inputs();
  expect_object_failure(tmp_, {in.kernel_btf}, in.kernel_btf, EINVAL);
  expect_error_code([&] { btfgen::BpfObject::load(in.kernel_btf); }, EINVAL, in.kernel_btf, "BpfObject::load");
}

TEST_F(ErrorPaths, OneBadObjectAmongGoodOnesFailsTheRun) {
  std::string good = write_object("good.bpf.o", base_);
  std::string bad = write_object("garbage.bpf.o", garbage_bytes(512));
  expect_object_failure(tmp_, {good, bad, good}, bad, kElfFormatError);
  expect_error_code([&] { btfgen::ObjectSet::load({good, bad}); }, kElfFormatError, bad, "ObjectSet::load");
}

TEST_F(ErrorPaths, ExistingOutputIsLeftUntouchedOnFailure) {
  const auto& in = inputs();
  std::string bad = write_object("garbage.bpf.o", garbage_bytes(512));
  std::string out_dir = tmp_.file("out");
  fs::create_directories(out_dir);
  std::string out = out_dir + "/out.btf";
  write_text(out, "previous content");
  auto r = run_btfgen(in.kernel_btf, out, {bad});
  EXPECT_EQ(r.exit_code, status_for(kElfFormatError)) << r.err;
  EXPECT_EQ(join(list_dir(out_dir)), "out.btf");
  auto after = read_file_bytes(out);
  EXPECT_EQ(std::string(after.begin(), after.end()), "previous content");
}

// ------------------------------------------------------------------------------------------------
// Patched .BTF and .BTF.ext (spec §2.3 step 3, §3.3). Each case patches a copy of the base object.
// ------------------------------------------------------------------------------------------------

struct PatchCase {
  const char* name;
  std::function<void(Bytes&)> patch;
  int code;      // errno-style code both tools fail with
  bool at_load;  // BpfObject::load rejects it (else the relocation loop does)
};

void set_ext_u32(Bytes& b, size_t field, uint32_t v) {
  put<uint32_t>(b, require_section(b, ".BTF.ext").offset + field, v);
}
uint32_t ext_u32(const Bytes& b, size_t field) {
  return get<uint32_t>(b, require_section(b, ".BTF.ext").offset + field);
}
// .BTF.ext header fields (spec §3.1).
constexpr size_t kHdrLen = 4, kFuncInfoOff = 8, kLineInfoOff = 16, kCoreReloOff = 24, kCoreReloLen = 28;

std::vector<PatchCase> patch_cases() {
  return {
      // .BTF (spec §2.3 step 3).
      {"BtfBadMagic", [](Bytes& b) { put<uint16_t>(b, require_section(b, ".BTF").offset, 0x1234); }, EINVAL, true},
      {"BtfStringsPastEnd", [](Bytes& b) { put<uint32_t>(b, require_section(b, ".BTF").offset + 20, 0x00ffffff); },
       EINVAL, true},
      {"BtfSectionTruncated",
       [](Bytes& b) {
         auto s = require_section(b, ".BTF");
         set_section_size(b, s, s.size / 2);
       },
       EINVAL, true},
      // .BTF.ext header (spec §3.3 steps 1-5).
      {"ExtShorterThan8", [](Bytes& b) { set_section_size(b, require_section(b, ".BTF.ext"), 7); }, EINVAL, true},
      {"ExtShorterThanHeader", [](Bytes& b) { set_section_size(b, require_section(b, ".BTF.ext"), 20); }, EINVAL, true},
      {"ExtHeaderOnly", [](Bytes& b) { set_section_size(b, require_section(b, ".BTF.ext"), ext_u32(b, kHdrLen)); },
       EINVAL, true},
      {"ExtTruncated",
       [](Bytes& b) {
         auto s = require_section(b, ".BTF.ext");
         set_section_size(b, s, s.size - 4);
       },
       EINVAL, true},
      {"ExtBadMagic", [](Bytes& b) { put<uint16_t>(b, require_section(b, ".BTF.ext").offset, 0x1234); }, EINVAL, true},
      {"ExtByteSwappedMagic", [](Bytes& b) { put<uint16_t>(b, require_section(b, ".BTF.ext").offset, 0x9feb); },
       EOPNOTSUPP, true},
      {"ExtVersion2", [](Bytes& b) { b[require_section(b, ".BTF.ext").offset + 2] = 2; }, EOPNOTSUPP, true},
      {"ExtFlags1", [](Bytes& b) { b[require_section(b, ".BTF.ext").offset + 3] = 1; }, EOPNOTSUPP, true},
      {"ExtHdrLen16", [](Bytes& b) { set_ext_u32(b, kHdrLen, 16); }, EINVAL, true},
      {"ExtHdrLenPastEnd", [](Bytes& b) { set_ext_u32(b, kHdrLen, 0x10000000); }, EINVAL, true},
      // core_relo subsection (spec §3.3 step 6).
      {"CoreReloOffMisaligned", [](Bytes& b) { set_ext_u32(b, kCoreReloOff, ext_u32(b, kCoreReloOff) + 2); }, EINVAL,
       true},
      {"CoreReloPastEnd", [](Bytes& b) { set_ext_u32(b, kCoreReloLen, ext_u32(b, kCoreReloLen) + 4); }, EINVAL, true},
      {"CoreReloOffPastEnd", [](Bytes& b) { set_ext_u32(b, kCoreReloOff, 0x7ffffff0); }, EINVAL, true},
      {"CoreReloLenBelow4", [](Bytes& b) { set_ext_u32(b, kCoreReloLen, 2); }, EINVAL, true},
      {"CoreReloOnlyRecSize", [](Bytes& b) { set_ext_u32(b, kCoreReloLen, 4); }, EINVAL, true},
      {"CoreReloLenShortBy4", [](Bytes& b) { set_ext_u32(b, kCoreReloLen, ext_u32(b, kCoreReloLen) - 4); }, EINVAL,
       true},
      {"CoreReloRecSize12", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).core_relo, 12); }, EINVAL, true},
      {"CoreReloRecSize18", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).core_relo, 18); }, EINVAL, true},
      {"CoreReloRecSizeHuge", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).core_relo, 0x40000000); }, EINVAL, true},
      {"CoreReloNumInfo0", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).core_relo + 8, 0); }, EINVAL, true},
      {"CoreReloNumInfoHuge", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).core_relo + 8, 0x40000000); }, EINVAL,
       true},
      // func_info and line_info defects reject the object although btfgen never uses them.
      {"FuncInfoRecSize4", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).func_info, 4); }, EINVAL, true},
      {"LineInfoOffMisaligned", [](Bytes& b) { set_ext_u32(b, kLineInfoOff, ext_u32(b, kLineInfoOff) + 1); }, EINVAL,
       true},
      {"FuncInfoOffPastEnd", [](Bytes& b) { set_ext_u32(b, kFuncInfoOff, 0x00fffff0); }, EINVAL, true},
      // Records are not validated at load; the relocation loop rejects them (spec §5, §7, §12).
      {"RelocationTypeIdOutOfRange",
       [](Bytes& b) { put<uint32_t>(b, ext_layout(b).first_searching_record + 4, 0x7ffffff0); }, EINVAL, false},
      {"RelocationAccessStringNotNumeric",
       [](Bytes& b) { put<uint32_t>(b, ext_layout(b).first_field_record + 8, name_string_offset(b)); }, EINVAL, false},
      {"RelocationAccessStringOffsetOutOfRange",
       [](Bytes& b) { put<uint32_t>(b, ext_layout(b).first_field_record + 8, 0x7ffffff0); }, EINVAL, false},
      {"RelocationAccessStringEmpty", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).first_field_record + 8, 0); },
       EINVAL, false},
      {"RelocationUnknownKind", [](Bytes& b) { put<uint32_t>(b, ext_layout(b).first_field_record + 12, 99); }, EINVAL,
       false},
  };
}

void PrintTo(const PatchCase& c, std::ostream* os) { *os << c.name; }

class PatchedObject : public ErrorPaths, public ::testing::WithParamInterface<PatchCase> {};

TEST_P(PatchedObject, BothToolsFailWithTheSameStatus) {
  const PatchCase& c = GetParam();
  Bytes b = base_;
  c.patch(b);
  ASSERT_NE(b, base_) << "the patch changed nothing";
  std::string obj = write_object(std::string(c.name) + ".bpf.o", b);

  expect_object_failure(tmp_, {obj}, obj, c.code);

  if (c.at_load) {
    expect_error_code([&] { btfgen::BpfObject::load(obj); }, c.code, obj, "BpfObject::load");
  } else {
    auto kernel = btfgen::load_kernel_btf(inputs().kernel_btf);
    auto objects = btfgen::ObjectSet::load({obj});
    expect_error_code([&] { btfgen::minimize(kernel.get(), objects); }, c.code, obj, "minimize");
  }
}

INSTANTIATE_TEST_SUITE_P(Corruptions, PatchedObject, ::testing::ValuesIn(patch_cases()),
                         [](const ::testing::TestParamInfo<PatchCase>& info) { return std::string(info.param.name); });

// ------------------------------------------------------------------------------------------------
// read_core_relos on raw .BTF.ext bytes: every read is bounds-checked.
// ------------------------------------------------------------------------------------------------

Bytes ext_bytes(const Bytes& elf) {
  auto s = require_section(elf, ".BTF.ext");
  return Bytes(elf.begin() + static_cast<ptrdiff_t>(s.offset), elf.begin() + static_cast<ptrdiff_t>(s.offset + s.size));
}

TEST_F(ErrorPaths, ReadCoreRelosAcceptsTheIntactSection) {
  std::string obj = write_object("base.bpf.o", base_);
  auto object = btfgen::BpfObject::load(obj);
  Bytes ext = ext_bytes(base_);
  auto sections = btfgen::read_core_relos(ext.data(), ext.size(), object.btf(), obj);
  size_t count = 0;
  for (const auto& s : sections) count += s.relos.size();
  EXPECT_EQ(count, object.relo_count());
  EXPECT_GT(count, 0U);
}

TEST_F(ErrorPaths, ReadCoreRelosRejectsEveryTruncation) {
  // LLVM places core_relo last, so any prefix cuts into the header or a subsection.
  std::string obj = write_object("base.bpf.o", base_);
  auto object = btfgen::BpfObject::load(obj);
  Bytes ext = ext_bytes(base_);
  auto layout = ext_layout(base_);
  ASSERT_EQ(layout.core_relo + layout.core_relo_len, layout.section.offset + layout.section.size);
  for (size_t len = 0; len < ext.size(); len += (len < 64 ? 1 : 7)) {
    Bytes prefix(ext.begin(), ext.begin() + static_cast<ptrdiff_t>(len));
    expect_error_code([&] { btfgen::read_core_relos(prefix.data(), prefix.size(), object.btf(), "cut.o"); }, EINVAL,
                      "cut.o", "read_core_relos of a " + std::to_string(len) + "-byte prefix");
    if (HasFailure()) break;
  }
}

TEST_F(ErrorPaths, ReadCoreRelosRejectsOutOfBoundsCounts) {
  std::string obj = write_object("base.bpf.o", base_);
  auto object = btfgen::BpfObject::load(obj);
  auto layout = ext_layout(base_);
  size_t core_in_ext = layout.core_relo - layout.section.offset;
  struct Case {
    const char* what;
    size_t offset;  // within the .BTF.ext bytes
    uint32_t value;
  } cases[] = {
      {"core_relo_off past the end", kCoreReloOff, 0x7ffffff0},
      {"core_relo_len past the end", kCoreReloLen, layout.core_relo_len + 4},
      {"core_relo_len short by 4", kCoreReloLen, layout.core_relo_len - 4},
      {"hdr_len past the end", kHdrLen, 0x10000000},
      {"rec_size huge", core_in_ext, 0x40000000},
      {"num_info huge", core_in_ext + 8, 0x40000000},
      {"num_info 0", core_in_ext + 8, 0},
  };
  for (const auto& c : cases) {
    Bytes ext = ext_bytes(base_);
    put<uint32_t>(ext, c.offset, c.value);
    expect_error_code([&] { btfgen::read_core_relos(ext.data(), ext.size(), object.btf(), "patched.o"); }, EINVAL,
                      "patched.o", std::string("read_core_relos with ") + c.what);
  }
}

// ------------------------------------------------------------------------------------------------
// INPUT (kernel BTF): files and tarballs.
// ------------------------------------------------------------------------------------------------

TEST_F(ErrorPaths, InputMissing) {
  std::string input = tmp_.file("missing.btf");
  expect_input_failure(tmp_, input, ENOENT);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, ENOENT, input, "load_kernel_btf");
}

TEST_F(ErrorPaths, InputEmpty) {
  std::string input = write_object("empty.btf", {});
  expect_input_failure(tmp_, input, EIO);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, EIO, input, "load_kernel_btf");
}

TEST_F(ErrorPaths, InputGarbage) {
  std::string input = write_object("garbage.btf", garbage_bytes(8192));
  expect_input_failure(tmp_, input, kElfFormatError);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, kElfFormatError, input, "load_kernel_btf");
}

TEST_F(ErrorPaths, InputRawBtfTruncated) {
  Bytes kernel = read_file_bytes(inputs().kernel_btf);
  kernel.resize(kernel.size() / 2);
  std::string input = write_object("truncated.btf", kernel);
  expect_input_failure(tmp_, input, EINVAL);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, EINVAL, input, "load_kernel_btf");
}

TEST_F(ErrorPaths, InputRawBtfWithBadTypeSection) {
  // A type record kind 31 (unknown) right at the start of the type section.
  Bytes kernel = read_file_bytes(inputs().kernel_btf);
  uint32_t hdr_len = get<uint32_t>(kernel, 4);
  uint32_t type_off = get<uint32_t>(kernel, 8);
  put<uint32_t>(kernel, hdr_len + type_off + 4, 31U << 24);
  std::string input = write_object("bad-kind.btf", kernel);
  expect_input_failure(tmp_, input, EINVAL);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, EINVAL, input, "load_kernel_btf");
}

TEST_F(ErrorPaths, InputTarballGarbage) {
  // Not xz at all. bpftool, which does not read tarballs, sees a non-ELF file.
  std::string input = write_object("garbage.btf.tar.xz", garbage_bytes(8192));
  expect_input_failure(tmp_, input, std::nullopt);
  try {
    btfgen::load_kernel_btf(input);
    ADD_FAILURE() << "load_kernel_btf accepted a garbage tarball";
  } catch (const btfgen::Error& e) {
    EXPECT_NE(std::string(e.what()).find(input), std::string::npos) << e.what();
  }
}

TEST_F(ErrorPaths, InputTarballTruncated) {
  Bytes tarball = read_file_bytes(inputs().kernel_tarball);
  tarball.resize(tarball.size() / 2);
  std::string input = write_object("truncated.btf.tar.xz", tarball);
  expect_input_failure(tmp_, input, std::nullopt);
  EXPECT_THROW(btfgen::load_kernel_btf(input), btfgen::Error);
}

TEST_F(ErrorPaths, InputTarballCorrupted) {
  // Bytes flipped in the middle of the xz stream: its checks must catch it.
  Bytes tarball = read_file_bytes(inputs().kernel_tarball);
  for (size_t i = tarball.size() / 2; i < tarball.size() / 2 + 64; ++i) tarball[i] ^= 0x5a;
  std::string input = write_object("corrupted.btf.tar.xz", tarball);
  expect_input_failure(tmp_, input, std::nullopt);
  EXPECT_THROW(btfgen::load_kernel_btf(input), btfgen::Error);
}

class TarballInputs : public ErrorPaths {
 protected:
  // A .tar.xz holding MEMBERS (name, content), built with tar and xz.
  std::string make_tarball(const std::string& name, const std::vector<std::pair<std::string, Bytes>>& members) {
    std::string src = tmp_.file(name + ".src");
    fs::create_directories(src);
    std::vector<std::string> argv = {"tar", "-cJf", tmp_.file(name), "-C", src};
    for (const auto& [member, content] : members) {
      write_bytes(src + "/" + member, content);
      argv.push_back(member);
    }
    auto r = run_command(argv);
    if (r.exit_code != 0) throw std::runtime_error("tar failed: " + r.err);
    return tmp_.file(name);
  }
};

TEST_F(TarballInputs, WithoutBtfMember) {
  std::string input = make_tarball("no-member.btf.tar.xz", {{"README", Bytes{'h', 'i', '\n'}}});
  expect_input_failure(tmp_, input, std::nullopt);
  try {
    btfgen::load_kernel_btf(input);
    ADD_FAILURE() << "load_kernel_btf accepted a tarball without a .btf member";
  } catch (const btfgen::Error& e) {
    EXPECT_NE(std::string(e.what()).find(input), std::string::npos) << e.what();
  }
}

TEST_F(TarballInputs, EmptyArchive) {
  std::string src = tmp_.file("empty.src");
  fs::create_directories(src);
  auto r = run_command({"tar", "-cJf", tmp_.file("empty.btf.tar.xz"), "-C", src, "--files-from", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string input = tmp_.file("empty.btf.tar.xz");
  expect_input_failure(tmp_, input, std::nullopt);
  EXPECT_THROW(btfgen::load_kernel_btf(input), btfgen::Error);
}

TEST_F(TarballInputs, GarbageBtfMemberFailsLikeBpftoolOnTheMember) {
  Bytes member = garbage_bytes(4096);
  std::string input = make_tarball("garbage-member.btf.tar.xz", {{"k.btf", member}});
  // bpftool is given the member itself, as a btfhub user would after extracting.
  std::string extracted = write_object("k.btf", member);
  expect_input_failure(tmp_, input, kElfFormatError, extracted);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, kElfFormatError, input, "load_kernel_btf");
}

TEST_F(TarballInputs, EmptyBtfMemberFailsLikeBpftoolOnTheMember) {
  std::string input = make_tarball("empty-member.btf.tar.xz", {{"k.btf", Bytes{}}});
  std::string extracted = write_object("k.btf", {});
  expect_input_failure(tmp_, input, EIO, extracted);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, EIO, input, "load_kernel_btf");
}

TEST_F(TarballInputs, TruncatedBtfMemberFailsLikeBpftoolOnTheMember) {
  Bytes member = read_file_bytes(inputs().kernel_btf);
  member.resize(member.size() / 3);
  std::string input = make_tarball("cut-member.btf.tar.xz", {{"k.btf", member}});
  std::string extracted = write_object("k.btf", member);
  expect_input_failure(tmp_, input, EINVAL, extracted);
  expect_error_code([&] { btfgen::load_kernel_btf(input); }, EINVAL, input, "load_kernel_btf");
}

// ------------------------------------------------------------------------------------------------
// OUTPUT.
// ------------------------------------------------------------------------------------------------

TEST_F(ErrorPaths, OutputInMissingDirectory) {
  const auto& in = inputs();
  std::string output = tmp_.file("no-such-dir/out.btf");
  auto r = run_btfgen(in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(r.exit_code, status_for(ENOENT)) << r.err;
  std::string err = r.err;
  if (!err.empty() && err.back() == '\n') err.pop_back();
  EXPECT_EQ(err.find('\n'), std::string::npos) << r.err;
  EXPECT_NE(err.find(output), std::string::npos) << "stderr does not name " << output << ": " << r.err;
  EXPECT_FALSE(fs::exists(tmp_.file("no-such-dir")));
  auto b = run_bpftool(in.bpftool, in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(b.exit_code, status_for(ENOENT)) << b.err;
  EXPECT_EQ(b.exit_code, r.exit_code);
}

TEST_F(ErrorPaths, OutputIsADirectory) {
  const auto& in = inputs();
  std::string parent = tmp_.file("parent");
  std::string output = parent + "/out.btf";
  fs::create_directories(output);
  auto r = run_btfgen(in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(r.exit_code, status_for(EISDIR)) << r.err;
  std::string err = r.err;
  if (!err.empty() && err.back() == '\n') err.pop_back();
  EXPECT_EQ(err.find('\n'), std::string::npos) << r.err;
  EXPECT_NE(err.find(output), std::string::npos) << "stderr does not name " << output << ": " << r.err;
  EXPECT_TRUE(fs::is_directory(output));
  EXPECT_EQ(join(list_dir(output)), "");
  EXPECT_EQ(join(list_dir(parent)), "out.btf") << "temporary file left behind";
  auto b = run_bpftool(in.bpftool, in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(b.exit_code, status_for(EISDIR)) << b.err;
  EXPECT_EQ(b.exit_code, r.exit_code);
}

// Runs as root too (CI does): a regular file where the output's directory should be.
TEST_F(ErrorPaths, OutputParentIsAFile) {
  const auto& in = inputs();
  std::string parent = tmp_.file("not-a-dir");
  {
    std::ofstream(parent) << "x";
  }
  std::string output = parent + "/out.btf";
  auto r = run_btfgen(in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(r.exit_code, status_for(ENOTDIR)) << r.err;
  EXPECT_NE(r.err.find(output), std::string::npos) << r.err;
  EXPECT_EQ(read_file_bytes(parent).size(), 1u);
  auto b = run_bpftool(in.bpftool, in.kernel_btf, output, {in.base_object});
  EXPECT_EQ(b.exit_code, r.exit_code) << b.err;
}

// ------------------------------------------------------------------------------------------------
// Command line.
// ------------------------------------------------------------------------------------------------

TEST_F(ErrorPaths, TooFewArguments) {
  const auto& in = inputs();
  std::string out_dir = tmp_.file("out");
  fs::create_directories(out_dir);
  auto r = run_command({BTFGEN_BINARY, "min", in.kernel_btf, out_dir + "/out.btf"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
  EXPECT_EQ(join(list_dir(out_dir)), "");
  auto b = run_command({in.bpftool, "gen", "min_core_btf", in.kernel_btf, out_dir + "/out.btf"});
  EXPECT_EQ(b.exit_code, 255) << b.err;
  EXPECT_EQ(r.exit_code, b.exit_code) << r.err;
}

}  // namespace
