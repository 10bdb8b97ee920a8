// Packs of a tree (src/pack/pack.cpp): what goes in (only regular *.btf files, sorted), how each
// member is written (owner 0:0, mode 0644, mtime 0, the prefix), that the bytes depend on nothing
// but the members (no times in gzip headers, no block padding of compressed streams), and the
// C table's layout (each distinct file once, a sorted index).
#include "btfgen/pack/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using Bytes = std::vector<uint8_t>;

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

struct Entry {
  std::string name;
  std::string bytes;
  int64_t uid, gid, mtime;
  mode_t mode;
  bool operator==(const Entry&) const = default;
};

// The members of a tarball's bytes, as libarchive reads them.
std::vector<Entry> entries_of(const Bytes& tarball) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  EXPECT_EQ(archive_read_open_memory(a.get(), tarball.data(), tarball.size()), ARCHIVE_OK);
  std::vector<Entry> out;
  struct archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    std::string bytes(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a.get(), bytes.data(), bytes.size());
    out.push_back({archive_entry_pathname(e), bytes, archive_entry_uid(e), archive_entry_gid(e), archive_entry_mtime(e),
                   archive_entry_perm(e)});
  }
  return out;
}

// A tree with two kernels, a state file and a temporary file beside them, a non-.btf file, a link.
std::string make_tree(const TempDir& t) {
  const std::string tree = t.file("btfs");
  write(tree + "/ubuntu/20.04/x86_64/5.4.0-42-generic.btf", "kernel A");
  write(tree + "/centos/8/x86_64/4.18.0-80.el8.x86_64.btf", "kernel B");
  write(tree + "/centos/8/x86_64/.btfgen-tmp-Ab12Cd", "partial");
  write(tree + "/.btfgen-state-x86_64.tsv", "# btfgen build state 2\n");
  write(tree + "/README.txt", "not a kernel");
  fs::create_symlink(tree + "/ubuntu/20.04/x86_64/5.4.0-42-generic.btf", tree + "/ubuntu/20.04/x86_64/link.btf");
  return tree;
}

TEST(PackTree, TakesOnlyRegularBtfFilesSorted) {
  TempDir t;
  const auto members = read_tree(make_tree(t));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].path, "centos/8/x86_64/4.18.0-80.el8.x86_64.btf");
  EXPECT_EQ(members[1].path, "ubuntu/20.04/x86_64/5.4.0-42-generic.btf");
  EXPECT_EQ(std::string(members[1].bytes.begin(), members[1].bytes.end()), "kernel A");
}

TEST(PackTree, EmptyOrMissingTreeIsAnError) {
  TempDir t;
  fs::create_directories(t.file("empty/x86_64"));
  try {
    read_tree(t.file("empty"));
    FAIL() << "an empty tree was packed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("nothing to pack"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_tree(t.file("missing")), Error);
}

TEST(PackTarball, MembersAreOwnedByRootWithMtimeZeroAndTheirBytes) {
  TempDir t;
  const auto members = read_tree(make_tree(t));
  for (const PackFormat f : {PackFormat::Tar, PackFormat::TarGz, PackFormat::TarXz, PackFormat::TarZst}) {
    const auto entries = entries_of(make_tarball(members, f, {}));
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0], (Entry{"centos/8/x86_64/4.18.0-80.el8.x86_64.btf", "kernel B", 0, 0, 0, 0644}));
    EXPECT_EQ(entries[1], (Entry{"ubuntu/20.04/x86_64/5.4.0-42-generic.btf", "kernel A", 0, 0, 0, 0644}));
  }
  const auto prefixed = entries_of(make_tarball(members, PackFormat::TarGz, {.prefix = "./"}));
  EXPECT_EQ(prefixed[0].name, "./centos/8/x86_64/4.18.0-80.el8.x86_64.btf");
}

TEST(PackTarball, BytesDependOnTheMembersOnly) {
  TempDir t;
  const auto members = read_tree(make_tree(t));
  for (const PackFormat f : {PackFormat::Tar, PackFormat::TarGz, PackFormat::TarXz, PackFormat::TarZst}) {
    const Bytes first = make_tarball(members, f, {});
    sleep(1);  // a timestamp anywhere would now differ
    EXPECT_EQ(make_tarball(members, f, {}), first);
  }
  const Bytes gz = make_tarball(members, PackFormat::TarGz, {});
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(gz[0], 0x1f);
  EXPECT_EQ(gz[3] & 0x08, 0) << "gzip header names a file";
  EXPECT_EQ(gz[4] | gz[5] | gz[6] | gz[7], 0) << "gzip header holds a time";
  // A compressed stream is not padded: its last byte is the stream's own.
  const Bytes zst = make_tarball(members, PackFormat::TarZst, {});
  EXPECT_NE(zst.back(), 0);
}

TEST(PackFormatFor, SuffixesPickTheFormat) {
  EXPECT_EQ(pack_format_for("a.tar"), PackFormat::Tar);
  EXPECT_EQ(pack_format_for("a.tar.gz"), PackFormat::TarGz);
  EXPECT_EQ(pack_format_for("a.tgz"), PackFormat::TarGz);
  EXPECT_EQ(pack_format_for("a.tar.xz"), PackFormat::TarXz);
  EXPECT_EQ(pack_format_for("a.tar.zst"), PackFormat::TarZst);
  EXPECT_EQ(pack_format_for("dir/btfs.c"), PackFormat::CSource);
  EXPECT_EQ(pack_format_for("a.zip"), std::nullopt);
  EXPECT_EQ(pack_format_for("a.tar.bz2"), std::nullopt);
}

TEST(PackCTable, StoresEachDistinctFileOnceWithASortedIndex) {
  const std::vector<PackMember> members = {
      {"a/1/x86_64/k1.btf", {1, 2, 3}}, {"a/1/x86_64/k2.btf", {1, 2, 3}}, {"b/2/x86_64/k\"q\\?.btf", {0xff}}};
  const CTable t = make_c_table(members, {.symbol = "app_btfs"}, "btfs.h");
  EXPECT_NE(t.source.find("#include \"btfs.h\""), std::string::npos);
  EXPECT_NE(t.source.find("static const unsigned char app_btfs_blob_0[3] = {\n  0x01, 0x02, 0x03,\n};"),
            std::string::npos)
      << t.source;
  EXPECT_NE(t.source.find("static const unsigned char app_btfs_blob_1[1] = {\n  0xff,\n};"), std::string::npos);
  EXPECT_EQ(t.source.find("app_btfs_blob_2"), std::string::npos) << "a duplicate was stored twice";
  EXPECT_NE(
      t.source.find(
          "{\"a/1/x86_64/k1.btf\", 0},\n  {\"a/1/x86_64/k2.btf\", 0},\n  {\"b/2/x86_64/k\\\"q\\\\\\077.btf\", 1},"),
      std::string::npos)
      << t.source;
  EXPECT_NE(t.source.find("const struct btfgen_table app_btfs = {app_btfs_entries, 3, app_btfs_blobs, "
                          "app_btfs_blob_sizes, 2};"),
            std::string::npos);
  EXPECT_NE(t.header.find("extern const struct btfgen_table app_btfs;"), std::string::npos);
  EXPECT_NE(t.header.find("#include <btfgen/runtime.h>"), std::string::npos);
  EXPECT_THROW(make_c_table(members, {.symbol = "1bad"}, "x.h"), Error);
}

TEST(PackWrite, UnknownSuffixListsTheKnownOnesAndAnUnchangedPackIsNotRewritten) {
  TempDir t;
  const auto members = read_tree(make_tree(t));
  try {
    write_pack(t.file("p.zip"), members, {});
    FAIL() << "a .zip was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(kPackSuffixes), std::string::npos) << e.what();
  }
  write_pack(t.file("p.tar.xz"), members, {});
  struct stat before{};
  ASSERT_EQ(stat(t.file("p.tar.xz").c_str(), &before), 0);
  sleep(1);
  write_pack(t.file("p.tar.xz"), members, {});
  struct stat after{};
  ASSERT_EQ(stat(t.file("p.tar.xz").c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_ino, before.st_ino);
  write_pack(t.file("p.c"), members, {});
  EXPECT_TRUE(fs::is_regular_file(t.file("p.h")));
}

TEST(PackRead, ReadsWhatWasWrittenAndRefusesATruncatedPack) {
  TempDir t;
  const auto members = read_tree(make_tree(t));
  write_pack(t.file("p.tar.gz"), members, {.prefix = "./"});
  const auto back = read_pack(t.file("p.tar.gz"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].path, "./ubuntu/20.04/x86_64/5.4.0-42-generic.btf");
  EXPECT_EQ(back[1].bytes, members[1].bytes);
  const auto bytes = test::read_file_bytes(t.file("p.tar.gz"));
  std::ofstream(t.file("cut.tar.gz"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 20);
  try {
    read_pack(t.file("cut.tar.gz"));
    FAIL() << "a truncated pack was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EINVAL) << e.what();
    EXPECT_NE(std::string(e.what()).find(t.file("cut.tar.gz")), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace btfgen
