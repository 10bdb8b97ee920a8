// `btfgen build` under hostile input, each test written as the attack (issue 6).
//
// The promise under test: btfgen never deletes or overwrites anything it did not write, never writes
// outside its output, never crashes or runs out of memory on a bad file (one bad kernel fails that
// kernel, with a clear message, and nothing else), and always listens to SIGINT/SIGTERM. Every test
// states the attack, then asserts the exit status, the files left, and the memory bound where one
// applies. Kernels are the test programs' own target BTF (tests/bpf), packed at test time, so no
// test here depends on the shared corpus or the host kernel.
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using btfgen::test::CommandResult;
using btfgen::test::read_file_bytes;
using btfgen::test::run_command;
using btfgen::test::TempDir;
using Bytes = std::vector<uint8_t>;

const std::string kData = BTFGEN_TEST_DATA_DIR;
const std::string kKernel = kData + "/targets/base.btf";   // a raw BTF "kernel"
const std::string kElfKernel = kData + "/targets/base.o";  // the same in an ELF .BTF section
const std::string kObject = kData + "/fields.bpf.o";       // relocates against it
constexpr uid_t kNobody = 65534;

// ---- helpers -------------------------------------------------------------------------------------

void write_bytes(const std::string& path, const Bytes& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_text(const std::string& path, const std::string& text) {
  write_bytes(path, Bytes(text.begin(), text.end()));
}

std::string read_text(const std::string& path) {
  const Bytes b = read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

// PATH: an xz-compressed tar holding MEMBER with BYTES, written with libarchive (any member name).
void make_tarball(const std::string& path, const std::string& member, const Bytes& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  struct archive* a = archive_write_new();
  archive_write_add_filter_xz(a);
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, member.c_str());
  archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_write_header(a, e);
  archive_write_data(a, bytes.data(), bytes.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
}

// A kernel tarball named ARCHIVE/REL (REL ends in .btf.tar.xz) holding the test kernel.
void add_kernel(const std::string& archive, const std::string& rel) {
  make_tarball(archive + "/" + rel, "k.btf", read_file_bytes(kKernel));
}

std::vector<std::string> files_under(const std::string& root) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) files.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

CommandResult build(std::vector<std::string> args, const std::string& as_user_prefix = "") {
  std::vector<std::string> argv;
  if (!as_user_prefix.empty()) argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  argv.push_back(BTFGEN_BINARY);
  argv.push_back("build");
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// The summary's counts: "N kernels found, N written, N unchanged, N failed, N removed".
std::string summary(const CommandResult& r) {
  const auto pos = r.err.rfind("btfgen build: ");
  if (pos == std::string::npos) return {};
  const std::string line = r.err.substr(pos + 14, r.err.find('\n', pos) - pos - 14);
  return line.substr(0, line.find(';'));
}

// The state lives beside the output tree.
std::string state_path(const std::string& out) { return out + ".btfgen-state-x86_64.tsv"; }

// Fields of the state line for RELATIVE (as written, escaped).
std::vector<std::string> state_line(const std::string& out, const std::string& relative) {
  std::istringstream in(read_text(state_path(out)));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, '\t')) fields.push_back(f);
    if (!fields.empty() && fields[0] == relative) return fields;
  }
  return {};
}

// ---- 1. only ever remove what btfgen wrote --------------------------------------------------------

TEST(BuildHostile, ForgedStateFileCannotDeleteAnythingOutsideTheOutput) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  write_text(t.file("canary"), "keep me");
  write_text(t.file("outside/x86_64/k.btf"), "keep me too");
  fs::create_directories(out);
  fs::create_directory_symlink(t.file("outside"), out + "/evil");  // a link planted inside OUT
  const std::string fp(64, 'f');
  const std::string rest = "\t" + fp + "\t1\t1\tok\t9\t9\tabc\n";
  write_text(state_path(out), "# btfgen build state 2\n" + t.file("canary") + rest + "../canary" + rest +
                                  "d/x86_64/../../../canary" + rest + "./x86_64/../../canary" + rest +
                                  "evil/x86_64/k.btf" + rest + "x86_64/.hidden.btf" + rest + "a/arm64/k.btf" + rest);
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(t.file("canary")), "keep me");
  EXPECT_EQ(read_text(t.file("outside/x86_64/k.btf")), "keep me too");
  EXPECT_TRUE(fs::is_symlink(out + "/evil"));
  EXPECT_NE(r.err.find("cannot be an output of this build"), std::string::npos) << r.err;
  EXPECT_EQ(summary(r), "1 kernels found, 1 written, 0 unchanged, 0 failed, 0 removed") << r.err;
  // The valid-looking line through the planted link was left alone, then dropped.
  EXPECT_NE(r.err.find("left alone"), std::string::npos) << r.err;
  EXPECT_EQ(state_line(out, "evil/x86_64/k.btf").size(), 0u);
}

TEST(BuildHostile, UnreadableDirectoryFailsTheRunAndRemovesNothing) {
  BTFGEN_REQUIRE_ROOT();  // as root every directory is readable: the attack runs as nobody
  TempDir t;
  fs::permissions(t.path(), fs::perms::all);
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "a/1/x86_64/k1.btf.tar.xz");
  add_kernel(archive, "b/1/x86_64/k2.btf.tar.xz");
  add_kernel(archive, "c/1/x86_64/k3.btf.tar.xz");
  run_command({"chmod", "-R", "a+rwX", archive});
  const std::vector<std::string> args = {"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out};
  const auto first = build(args, "nobody");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = files_under(out);
  ASSERT_EQ(before.size(), 3u);  // the 3 outputs (the state is beside the tree)

  for (const std::string dir : {"b", "a"}) {  // in the middle of the walk, then first
    fs::permissions(archive + "/" + dir, fs::perms::none);
    const auto r = build(args, "nobody");
    fs::permissions(archive + "/" + dir, fs::perms::all);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(archive + "/" + dir + ": cannot read directory"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("submodule"), std::string::npos) << r.err;
    EXPECT_EQ(files_under(out), before) << dir;
  }
}

// ---- 2. outputs: never outside the tree -----------------------------------------------------------

TEST(BuildHostile, SymlinkedOutputSubdirectoryIsNotFollowed) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  add_kernel(archive, "e/1/x86_64/k.btf.tar.xz");
  fs::create_directories(t.file("outside"));
  fs::create_directories(out);
  fs::create_directory_symlink(t.file("outside"), out + "/d");
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(files_under(t.file("outside")).empty());
  EXPECT_NE(r.err.find("failed  d/1/x86_64/k.btf: " + out + "/d: not a directory"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/e/1/x86_64/k.btf"));
}

TEST(BuildHostile, LongKernelNameKeepsTheTemporaryNameShort) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  const std::string name(243, 'k');  // + ".btf.tar.xz" = 254 bytes; the old temporary name overflowed
  add_kernel(archive, "d/1/x86_64/" + name + ".btf.tar.xz");
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/" + name + ".btf"));
}

// ---- 3. inputs are never outputs ------------------------------------------------------------------

TEST(BuildHostile, OutputOnTheArchiveIsRefused) {
  TempDir t;
  const std::string archive = t.file("archive");
  write_bytes(archive + "/d/1/x86_64/k.btf", read_file_bytes(kKernel));  // a raw-BTF kernel
  const Bytes kernel = read_file_bytes(archive + "/d/1/x86_64/k.btf");
  fs::create_directory_symlink(archive, t.file("alias"));
  for (const std::string& out : {archive, t.path(), t.file("alias"), archive + "/d/.."}) {
    const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
    EXPECT_EQ(r.exit_code, 2) << out << ": " << r.err;
    EXPECT_NE(r.err.find("the archive"), std::string::npos) << r.err;
    EXPECT_EQ(read_file_bytes(archive + "/d/1/x86_64/k.btf"), kernel) << out;
  }
  // An output over part of the archive that holds tarball kernels is refused too.
  add_kernel(archive, "e/1/x86_64/k.btf.tar.xz");
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", archive + "/e"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("holds kernels of the archive"), std::string::npos) << r.err;
  EXPECT_EQ(files_under(archive + "/e"), (std::vector<std::string>{"1/x86_64/k.btf.tar.xz"}));
}

TEST(BuildHostile, JsonPathOnAnInputIsRefused) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  fs::copy_file(kObject, t.file("obj.o"));
  fs::create_symlink(archive + "/d/1/x86_64/k.btf.tar.xz", t.file("link.json"));
  const Bytes tarball = read_file_bytes(archive + "/d/1/x86_64/k.btf.tar.xz");
  const Bytes object = read_file_bytes(t.file("obj.o"));
  for (const std::string& json : {archive + "/d/1/x86_64/k.btf.tar.xz", t.file("obj.o"), t.file("link.json")}) {
    const auto r =
        build({"--archive", archive, "--arch", "x86_64", "--obj", t.file("obj.o"), "--output", out, "--json", json});
    EXPECT_EQ(r.exit_code, 2) << json << ": " << r.err;
    EXPECT_NE(r.err.find("--json would overwrite"), std::string::npos) << r.err;
  }
  EXPECT_EQ(read_file_bytes(archive + "/d/1/x86_64/k.btf.tar.xz"), tarball);
  EXPECT_EQ(read_file_bytes(t.file("obj.o")), object);
  EXPECT_FALSE(fs::exists(out));  // refused before any work
}

// ---- 4. bounded, typed reading --------------------------------------------------------------------

// A copy of the test kernel's ELF whose .BTF section header says SHT_NOBITS: no bytes in the file.
Bytes nobits_elf() {
  Bytes elf = read_file_bytes(kElfKernel);
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof(eh));
  Elf64_Shdr strtab;
  std::memcpy(&strtab, elf.data() + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(strtab));
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh;
    const size_t at = eh.e_shoff + i * sizeof(Elf64_Shdr);
    std::memcpy(&sh, elf.data() + at, sizeof(sh));
    if (std::strcmp(reinterpret_cast<const char*>(elf.data() + strtab.sh_offset + sh.sh_name), ".BTF") == 0) {
      sh.sh_type = SHT_NOBITS;
      std::memcpy(elf.data() + at, &sh, sizeof(sh));
    }
  }
  return elf;
}

TEST(BuildHostile, NobitsBtfSectionFailsThatKernelOnly) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/good.btf.tar.xz");
  make_tarball(archive + "/d/1/x86_64/nobits.btf.tar.xz", "nobits.btf", nobits_elf());
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out, "-j", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("failed  d/1/x86_64/nobits.btf: " + archive + "/d/1/x86_64/nobits.btf.tar.xz"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("SHT_NOBITS"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/good.btf"));
  EXPECT_FALSE(fs::exists(out + "/d/1/x86_64/nobits.btf"));
  EXPECT_EQ(state_line(out, "d/1/x86_64/good.btf").size(), 8u);  // the state was saved

  // `min` on the plain ELF file: a clean EINVAL (bpftool's libbpf would copy from a null pointer).
  write_bytes(t.file("nobits.o"), nobits_elf());
  const auto m = run_command({BTFGEN_BINARY, "min", t.file("nobits.o"), t.file("o.btf"), kObject});
  EXPECT_EQ(m.exit_code, 234) << m.err;
  EXPECT_NE(m.err.find("SHT_NOBITS"), std::string::npos) << m.err;
  EXPECT_FALSE(fs::exists(t.file("o.btf")));
}

// Raw ustar bytes: one member NAME whose header claims CLAIMED bytes (base-256 when it does not fit
// in octal), followed by DATA and no end marker.
Bytes tar_member(const std::string& name, uint64_t claimed, const Bytes& data) {
  Bytes h(512, 0);
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 99));
  std::memcpy(h.data() + 100, "0000644", 7);
  std::memcpy(h.data() + 108, "0000000", 7);
  std::memcpy(h.data() + 116, "0000000", 7);
  if (claimed < (uint64_t{1} << 33)) {
    std::snprintf(reinterpret_cast<char*>(h.data() + 124), 12, "%011llo", static_cast<unsigned long long>(claimed));
  } else {
    h[124] = 0x80;  // GNU base-256
    for (int i = 0; i < 8; i++) h[135 - i] = static_cast<uint8_t>(claimed >> (8 * i));
  }
  std::memcpy(h.data() + 136, "00000000000", 11);
  h[156] = '0';
  std::memcpy(h.data() + 257, "ustar", 6);
  std::memcpy(h.data() + 263, "00", 2);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (uint8_t c : h) sum += c;
  std::snprintf(reinterpret_cast<char*>(h.data() + 148), 8, "%06o", sum);
  h[155] = ' ';
  h.insert(h.end(), data.begin(), data.end());
  h.resize((h.size() + 511) / 512 * 512, 0);
  return h;
}

// FILE.xz of PARTS, each its own xz stream (concatenated streams decode as one): a 1 GiB bomb of
// zeros costs one 16 MiB compression, repeated.
void write_xz_streams(const std::string& path, const std::vector<std::pair<Bytes, int>>& parts) {
  TempDir scratch;
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  for (const auto& [bytes, times] : parts) {
    write_bytes(scratch.file("p"), bytes);
    const auto r = run_command({"xz", "-0", "-f", "-k", scratch.file("p")});
    if (r.exit_code != 0) throw std::runtime_error("xz: " + r.err);
    const Bytes xz = read_file_bytes(scratch.file("p.xz"));
    for (int i = 0; i < times; i++)
      out.write(reinterpret_cast<const char*>(xz.data()), static_cast<std::streamsize>(xz.size()));
  }
}

TEST(BuildHostile, LyingHeaderAndXzBombAreRefusedWithBoundedMemory) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/good.btf.tar.xz");
  const std::string dir = archive + "/d/1/x86_64/";
  // 1 MB of data behind a header claiming 1 TiB.
  write_xz_streams(dir + "liar.btf.tar.xz", {{tar_member("k.btf", uint64_t{1} << 40, Bytes(1 << 20, 0x9f)), 1}});
  // 1 GiB of zeros in a member that is skipped, then the BTF: 1.1 MB compressed.
  const Bytes zeros(16 << 20, 0);
  Bytes head = tar_member("padding", uint64_t{1} << 30, {});
  head.insert(head.end(), zeros.begin(), zeros.end());
  Bytes tail = tar_member("k.btf", read_file_bytes(kKernel).size(), read_file_bytes(kKernel));
  tail.resize(tail.size() + 1024, 0);
  write_xz_streams(dir + "bomb.btf.tar.xz", {{head, 1}, {zeros, 63}, {tail, 1}});
  // The same bomb as the BTF member itself: its header is honest, and too big.
  Bytes member_head = tar_member("k.btf", uint64_t{1} << 30, {});
  member_head.insert(member_head.end(), zeros.begin(), zeros.end());
  write_xz_streams(dir + "bomb2.btf.tar.xz", {{member_head, 1}, {zeros, 63}, {Bytes(1024, 0), 1}});
  ASSERT_LT(fs::file_size(dir + "bomb.btf.tar.xz"), 2u << 20);

  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out, "-j", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(summary(r), "4 kernels found, 1 written, 0 unchanged, 3 failed, 0 removed") << r.err;
  EXPECT_NE(r.err.find("failed  d/1/x86_64/liar.btf: " + dir +
                       "liar.btf.tar.xz: member k.btf claims 1099511627776 bytes, above the limit of 268435456 bytes "
                       "(--max-input-size)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("failed  d/1/x86_64/bomb.btf: " + dir + "bomb.btf.tar.xz: decompressed stream exceeds the limit"),
      std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("failed  d/1/x86_64/bomb2.btf: " + dir + "bomb2.btf.tar.xz: member k.btf claims 1073741824 bytes"),
      std::string::npos)
      << r.err;
  EXPECT_LT(r.max_rss_kb, 400 * 1024) << "peak RSS " << r.max_rss_kb << " KiB";
  EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/good.btf"));

  // A cap lower than the kernel fails it; a cap above what btf__new can take is refused up front.
  const auto low = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", t.file("o2"),
                          "--include", "*good*", "--max-input-size", "1K"});
  EXPECT_EQ(low.exit_code, 1) << low.err;
  EXPECT_NE(low.err.find("above the limit of 1024 bytes"), std::string::npos) << low.err;
  for (const std::string size : {"4G", "0", "12Q", "1T"}) {
    const auto bad = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", t.file("o3"),
                            "--max-input-size", size});
    EXPECT_EQ(bad.exit_code, 2) << size << ": " << bad.err;
    EXPECT_FALSE(fs::exists(t.file("o3")));
  }
}

// ---- 5. walk: symbolic links, special files -------------------------------------------------------

TEST(BuildHostile, SymlinkLoopsAreWalkedOnce) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  add_kernel(t.file("elsewhere"), "x86_64/far.btf.tar.xz");
  fs::create_directory_symlink("..", archive + "/d/1/x86_64/up");  // one loop
  fs::create_directory_symlink(".", archive + "/d/self");          // two loops in one directory
  fs::create_directory_symlink("..", archive + "/d/parent");
  fs::create_directory_symlink(archive + "/d", archive + "/alias");   // a second name for a real tree
  fs::create_directory_symlink(t.file("elsewhere"), archive + "/e");  // a tree only reachable by a link
  fs::create_symlink("nowhere", archive + "/d/1/x86_64/dangling.btf.tar.xz");
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r), "2 kernels found, 2 written, 0 unchanged, 0 failed, 0 removed") << r.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/k.btf"));  // its real path, not alias/...
  EXPECT_TRUE(fs::is_regular_file(out + "/e/x86_64/far.btf"));
  EXPECT_NE(r.err.find("d/1/x86_64/dangling.btf.tar.xz: skipped, a dangling or looping symbolic link"),
            std::string::npos)
      << r.err;
}

TEST(BuildHostile, FifosAndDevicesAreNeverOpened) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  ASSERT_EQ(mkfifo((archive + "/d/1/x86_64/fifo.btf.tar.xz").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo(t.file("obj.fifo").c_str(), 0644), 0);
  // A FIFO as a kernel: skipped with a note, the build goes on.
  const auto r = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: d/1/x86_64/fifo.btf.tar.xz: skipped, a FIFO, not a file"), std::string::npos) << r.err;
  // A FIFO as --obj: refused at once, not waited on.
  const auto obj = build({"--archive", archive, "--arch", "x86_64", "--obj", t.file("obj.fifo"), "--output", out});
  EXPECT_EQ(obj.exit_code, 2) << obj.err;
  EXPECT_NE(obj.err.find("a FIFO, not a file"), std::string::npos) << obj.err;
  // A FIFO (or a directory) where the state file goes: refused, not opened for a writer to come.
  fs::remove(state_path(out));
  ASSERT_EQ(mkfifo(state_path(out).c_str(), 0644), 0);
  const auto state = build({"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out});
  EXPECT_EQ(state.exit_code, 2) << state.err;
  EXPECT_NE(state.err.find("state file is not a regular file"), std::string::npos) << state.err;
}

// ---- 6. signals -----------------------------------------------------------------------------------

TEST(BuildHostile, SigtermInsideALongDecompressionStopsWithinASecond) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  // 3.75 GiB of zeros in a skipped member (about ten seconds of xz), under a cap that allows it.
  const Bytes zeros(16 << 20, 0);
  Bytes head = tar_member("padding", uint64_t{240} << 24, {});
  head.insert(head.end(), zeros.begin(), zeros.end());
  write_xz_streams(archive + "/d/1/x86_64/slow.btf.tar.xz", {{head, 1}, {zeros, 239}, {Bytes(1024, 0), 1}});
  const std::string err = t.file("err");
  const pid_t pid = btfgen::test::spawn({BTFGEN_BINARY, "build", "--archive", archive, "--arch", "x86_64", "--obj",
                                         kObject, "--output", out, "--max-input-size", "4000M"},
                                        "", err);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // well inside the decompression
  const auto signalled = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  ASSERT_TRUE(WIFEXITED(status)) << read_text(err);
  EXPECT_EQ(WEXITSTATUS(status), 130) << read_text(err);
  // A bound on behaviour, not a benchmark: the full decompression takes several seconds more.
  EXPECT_LT(seconds, 1.5) << read_text(err);
  EXPECT_FALSE(fs::exists(out + "/d/1/x86_64/slow.btf"));
}

// ---- 7. concurrency -------------------------------------------------------------------------------

TEST(BuildHostile, ASecondBuildOnTheSameOutputWaitsOrFails) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  for (int i = 0; i < 6; i++) add_kernel(archive, "d/1/x86_64/k" + std::to_string(i) + ".btf.tar.xz");
  fs::create_directories(out);
  const std::vector<std::string> args = {"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out};
  {
    // Someone else holds the output directory.
    const int fd = open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // not inherited by btfgen
    ASSERT_EQ(flock(fd, LOCK_EX), 0);
    const auto busy = build(args);
    EXPECT_EQ(busy.exit_code, 2) << busy.err;
    EXPECT_NE(busy.err.find("another btfgen build is writing to this output directory"), std::string::npos) << busy.err;
    EXPECT_FALSE(fs::exists(state_path(out)));
    std::thread release([fd] {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      close(fd);
    });
    auto waiting = args;
    waiting.push_back("--wait-lock");
    const auto waited = build(waiting);
    release.join();
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
  }
  // Two builds with different filters at once: both finish and neither loses the other's state.
  fs::remove_all(out);
  auto half = [&](const std::string& glob) {
    auto a = args;
    a.insert(a.end(), {"--wait-lock", "--include", glob});
    return a;
  };
  CommandResult r1, r2;
  std::thread other([&] { r1 = build(half("*k[024]*")); });
  r2 = build(half("*k[135]*"));
  other.join();
  EXPECT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
  const auto again = build(args);
  EXPECT_EQ(summary(again), "6 kernels found, 0 written, 6 unchanged, 0 failed, 0 removed") << again.err;
}

// ---- 8. names -------------------------------------------------------------------------------------

TEST(BuildHostile, HostileKernelNamesRoundTripAndNeverReachTheTerminalRaw) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out"), json = t.file("m.json");
  const std::vector<std::string> names = {"tab\there",
                                          "line\nfeed",
                                          "carriage\rreturn",
                                          "esc\x1b[31mred",
                                          "latin1-\xff\xfe",
                                          "back\\slash",
                                          "c1-\xc2\x9b"
                                          "2J"};
  for (const auto& n : names) add_kernel(archive, "d/1/x86_64/" + n + ".btf.tar.xz");
  const std::vector<std::string> args = {"--archive", archive,    "--arch", "x86_64", "--obj",
                                         kObject,     "--output", out,      "--json", json};
  const auto first = build(args);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  for (const auto& n : names) EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/" + n + ".btf")) << n;

  // The state round-trips every name: the second run takes them all from it.
  const auto second = build(args);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(summary(second), "7 kernels found, 0 written, 7 unchanged, 0 failed, 0 removed") << second.err;

  // The manifest is valid JSON; a name that is not UTF-8 is also given exactly, in base64.
  const auto doc = nlohmann::json::parse(read_text(json));
  ASSERT_EQ(doc["kernels"].size(), names.size());
  bool saw_base64 = false;
  for (const auto& k : doc["kernels"]) {
    EXPECT_EQ(k["status"], "unchanged");
    if (k.contains("path_base64")) {
      EXPECT_EQ(k["path_base64"], "ZC8xL3g4Nl82NC9sYXRpbjEt//4uYnRm");  // d/1/x86_64/latin1-\xff\xfe.btf
      saw_base64 = true;
    }
  }
  EXPECT_TRUE(saw_base64);

  // A cached failure forged with terminal escapes is printed escaped.
  auto line = state_line(out, "d/1/x86_64/tab\\there.btf");
  ASSERT_EQ(line.size(), 8u);
  std::string state = read_text(state_path(out));
  const std::string ok = line[0] + "\t" + line[1] + "\t" + line[2] + "\t" + line[3] + "\t" + line[4];
  const size_t at = state.find(ok);
  ASSERT_NE(at, std::string::npos);
  state.replace(at, state.find('\n', at) - at,
                line[0] + "\t" + line[1] + "\t" + line[2] + "\t" + line[3] + "\tfailed\t\x1b]0;owned\x07\x1b[2J");
  write_text(state_path(out), state);
  const auto forged = build(args);
  EXPECT_EQ(forged.exit_code, 1) << forged.err;
  EXPECT_NE(forged.err.find("\\x1b]0;owned\\x07\\x1b[2J"), std::string::npos) << forged.err;
  for (const auto* r : {&first, &second, &forged}) {
    EXPECT_EQ(r->err.find('\x1b'), std::string::npos);
    EXPECT_EQ(r->err.find('\r'), std::string::npos);
    EXPECT_EQ(r->err.find("\xc2\x9b"), std::string::npos);
  }

  // Every one leaves the archive: every output the state says btfgen wrote goes (the state named
  // them right); the one whose line was forged into a failure is no longer ours and stays.
  fs::remove_all(archive + "/d");
  add_kernel(archive, "e/1/x86_64/k.btf.tar.xz");
  const auto gone = build(args);
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_EQ(summary(gone), "1 kernels found, 1 written, 0 unchanged, 0 failed, 6 removed") << gone.err;
  EXPECT_EQ(files_under(out + "/d"), (std::vector<std::string>{"1/x86_64/tab\there.btf"}));
}

// ---- 1 (cont.): what cannot be removed or written fails one kernel, not every later run ----------

TEST(BuildHostile, OutputReplacedByADirectoryIsLeftAloneAndForgotten) {
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("out");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  add_kernel(archive, "d/1/x86_64/j.btf.tar.xz");
  const std::vector<std::string> args = {"--archive", archive, "--arch", "x86_64", "--obj", kObject, "--output", out};
  ASSERT_EQ(build(args).exit_code, 0);
  // The kernel leaves the archive while a directory took its output's place.
  fs::remove(archive + "/d/1/x86_64/k.btf.tar.xz");
  fs::remove(out + "/d/1/x86_64/k.btf");
  write_text(out + "/d/1/x86_64/k.btf/mine", "user data");
  const auto r = build(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("left alone: not a regular file"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(out + "/d/1/x86_64/k.btf/mine"), "user data");
  const auto later = build(args);
  EXPECT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(later.err.find("left alone"), std::string::npos) << later.err;

  // A directory in the way of a kernel that is still there: that kernel fails, and is retried.
  fs::remove(out + "/d/1/x86_64/j.btf");
  fs::create_directories(out + "/d/1/x86_64/j.btf");
  const auto blocked = build(args);
  EXPECT_EQ(blocked.exit_code, 1) << blocked.err;
  EXPECT_NE(blocked.err.find("failed  d/1/x86_64/j.btf"), std::string::npos) << blocked.err;
  fs::remove(out + "/d/1/x86_64/j.btf");
  const auto retried = build(args);
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/d/1/x86_64/j.btf"));
}

TEST(BuildHostile, ManifestIsWrittenWhenStateOrRemovalFails) {
  BTFGEN_REQUIRE_ROOT();  // permissions only bind a non-root user: the run is made as nobody
  TempDir t;
  fs::permissions(t.path(), fs::perms::all);
  const std::string archive = t.file("archive"), out = t.file("out"), json = t.file("json/m.json");
  const std::string state = t.file("state/state.tsv");
  add_kernel(archive, "d/1/x86_64/k.btf.tar.xz");
  add_kernel(archive, "e/1/x86_64/j.btf.tar.xz");
  fs::create_directories(t.file("json"));
  fs::create_directories(t.file("state"));
  run_command({"chmod", "-R", "a+rwX", t.path()});
  const std::vector<std::string> args = {"--archive", archive, "--arch", "x86_64", "--obj",   kObject,
                                         "--output",  out,     "--json", json,     "--state", state};
  ASSERT_EQ(build(args, "nobody").exit_code, 0);
  // j leaves the archive but its directory is read-only: it cannot be removed; k's input is touched,
  // so the state must change, and the state's directory is read-only: it cannot be saved.
  fs::remove(archive + "/e/1/x86_64/j.btf.tar.xz");
  fs::last_write_time(archive + "/d/1/x86_64/k.btf.tar.xz", fs::file_time_type::clock::now());
  fs::permissions(out + "/e/1/x86_64",
                  fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(t.file("state"),
                  fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::remove(json);
  const auto r = build(args, "nobody");
  fs::permissions(t.file("state"), fs::perms::all);
  fs::permissions(out + "/e/1/x86_64", fs::perms::all);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the state was not saved"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("failed  e/1/x86_64/j.btf: " + out + "/e/1/x86_64/j.btf: cannot remove stale output"),
            std::string::npos)
      << r.err;
  ASSERT_TRUE(fs::exists(json));
  const auto doc = nlohmann::json::parse(read_text(json));
  EXPECT_EQ(doc["summary"]["failed"], 1);
  EXPECT_TRUE(fs::is_regular_file(out + "/e/1/x86_64/j.btf"));
}

// ---- 9. drop-in: the first failure in command-line order wins, as in bpftool ---------------------

TEST(MinHostile, FirstFailingObjectInOrderDecidesTheStatus) {
  BTFGEN_REQUIRE_TOOL(bpftool, "bpftool");
  TempDir t;
  write_text(t.file("garbage.o"), "this is not an ELF file, nor raw BTF, but long enough\n");
  const std::string flavors = kData + "/targets/flavors.btf", ambiguous = kData + "/ambig_offset.bpf.o";
  const std::vector<std::vector<std::string>> cases = {
      {flavors, ambiguous, t.file("garbage.o")},            // a relocation error before a parse error
      {flavors, t.file("garbage.o"), ambiguous},            // the other way round
      {flavors, t.file("garbage.o"), t.file("missing.o")},  // two bad objects
      {flavors, t.file("missing.o"), t.file("garbage.o")},
  };
  for (const auto& c : cases) {
    std::vector<std::string> mine = {BTFGEN_BINARY, "min", c[0], t.file("a.btf"), c[1], c[2]};
    std::vector<std::string> theirs = {bpftool, "gen", "min_core_btf", c[0], t.file("b.btf"), c[1], c[2]};
    const auto a = run_command(mine), b = run_command(theirs);
    EXPECT_EQ(a.exit_code, b.exit_code) << c[1] << " " << c[2] << "\n" << a.err << "\n" << b.err;
    EXPECT_NE(a.exit_code, 0);
    const std::string& first_bad = c[1] == ambiguous ? ambiguous : c[1];
    EXPECT_NE(a.err.find(first_bad), std::string::npos) << a.err;
  }
}

TEST(MinHostile, FormatIsReadFromContentNotName) {
  BTFGEN_REQUIRE_TOOL(bpftool, "bpftool");
  TempDir t;
  fs::copy_file(kKernel, t.file("raw.tar.xz"));                            // raw BTF named like a tarball
  make_tarball(t.file("tarball.btf"), "k.btf", read_file_bytes(kKernel));  // a tarball named like raw BTF
  ASSERT_EQ(run_command({bpftool, "gen", "min_core_btf", kKernel, t.file("ref.btf"), kObject}).exit_code, 0);
  for (const std::string in : {"raw.tar.xz", "tarball.btf"}) {
    const auto r = run_command({BTFGEN_BINARY, "min", t.file(in), t.file(in + ".out"), kObject});
    EXPECT_EQ(r.exit_code, 0) << in << ": " << r.err;
    EXPECT_EQ(read_file_bytes(t.file(in + ".out")), read_file_bytes(t.file("ref.btf"))) << in;
  }
}

}  // namespace
