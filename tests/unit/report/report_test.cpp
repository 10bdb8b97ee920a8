// The report stage without the CLI: what the catalog says of each record, how a kernel's decisions
// become counts and outcomes, the summary, --fail-on's test, and the JSON document's shape.
#include "btfgen/report/report.h"

#include <nlohmann/json.hpp>

#include "btfgen/relo/relo_kind.h"
#include "test_support.h"

namespace btfgen {
namespace {

using nlohmann::json;

const std::string kData = BTFGEN_TEST_DATA_DIR;

TEST(RelocationCatalog, NamesProgramsTypesAccessesAndFields) {
  const ObjectSet objects = ObjectSet::load({kData + "/narrow_three.bpf.o", kData + "/fields.bpf.o"});
  const RelocationCatalog catalog(objects);
  ASSERT_EQ(catalog.relocations().size(), 2u);
  const auto& three = catalog.relocations()[0];
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(catalog.programs()[three[1].program].name, "read_c");
  EXPECT_EQ(three[1].section, "tp/p2");
  EXPECT_EQ(three[1].index, 0u);
  EXPECT_EQ(three[1].kind, uint32_t{kFieldByteOffset});
  EXPECT_EQ(three[1].type, "foo");
  EXPECT_EQ(three[1].access, "0:2");
  EXPECT_EQ(three[1].field, "foo.c");
  // fields.bpf.o: arrays, anonymous members, the root index (fields.bpf.c's order).
  std::vector<std::string> fields;
  for (const ReportRelocation& r : catalog.relocations()[1]) fields.push_back(r.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "task.arr[2].y"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "task.anon_b"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "inner[3].x"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "task.missing_field"), fields.end());
  EXPECT_EQ(catalog.relocation_count(), 3u + catalog.relocations()[1].size());
  EXPECT_EQ(catalog.programs().size(), 4u);  // read_a, read_c, read_b, and fields.bpf.o's one
}

// A catalog of one object with three one-record programs, and kernels made by hand.
class ReportModel : public ::testing::Test {
 protected:
  ReportModel() : objects_(ObjectSet::load({kData + "/narrow_three.bpf.o"})), catalog_(objects_) {}
  KernelReport kernel(const std::string& path, std::vector<ReloResult> results, bool all = false) const {
    MinimizedKernel m;
    m.decisions.emplace_back();
    for (ReloResult r : results) m.decisions[0].push_back({.result = r, .value = 7, .target_type = "foo___v1"});
    return kernel_report(catalog_, path, m, all);
  }
  ObjectSet objects_;
  RelocationCatalog catalog_;
};

TEST_F(ReportModel, CountsOutcomesAndTheNonResolvedRelocations) {
  using R = ReloResult;
  const KernelReport k = kernel("a/1/x86_64/k.btf", {R::Resolved, R::Missing, R::Poisoned});
  ASSERT_EQ(k.programs.size(), 3u);
  EXPECT_EQ(k.outcome(0), ProgramOutcome::Clean);     // read_a
  EXPECT_EQ(k.outcome(1), ProgramOutcome::Missing);   // read_c
  EXPECT_EQ(k.outcome(2), ProgramOutcome::Poisoned);  // read_b
  EXPECT_EQ(k.outcome(3), ProgramOutcome::Failed);    // no such program
  ASSERT_EQ(k.relocations.size(), 2u);
  EXPECT_EQ(k.relocations[0].record, 1u);
  EXPECT_EQ(kernel("x", {R::Resolved, R::Missing, R::Poisoned}, true).relocations.size(), 3u);
  EXPECT_EQ(failed_kernel_report("x", "bad").outcome(0), ProgramOutcome::Failed);
}

TEST_F(ReportModel, SummaryIsExclusiveAndFailOnLooksAtEveryRelocation) {
  using R = ReloResult;
  Report report{.arch = "x86_64", .objects = {"narrow_three.bpf.o"}, .catalog = &catalog_};
  report.kernels.push_back(kernel("b/k2.btf", {R::Resolved, R::Resolved, R::Resolved}));
  report.kernels.push_back(kernel("a/k1.btf", {R::Missing, R::Resolved, R::Resolved}));
  EXPECT_TRUE(report.any(ProgramOutcome::Missing));
  EXPECT_FALSE(report.any(ProgramOutcome::Poisoned));
  EXPECT_FALSE(report.any(ProgramOutcome::Failed));
  report.kernels.push_back(failed_kernel_report("c/k3.btf", "c/k3.btf: bad"));
  EXPECT_TRUE(report.any(ProgramOutcome::Failed));
  report.sort_kernels();
  EXPECT_EQ(report.kernels[0].path, "a/k1.btf");
  const std::vector<ProgramSummary> s = report.summary();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].clean, 1u);
  EXPECT_EQ(s[0].missing, 1u);
  EXPECT_EQ(s[0].failed, 1u);
  EXPECT_EQ(s[1].clean, 2u);
  EXPECT_EQ(s[1].clean + s[1].missing + s[1].poisoned + s[1].failed, 3u);
}

TEST_F(ReportModel, JsonIsVersionedValidAndEscapesBadNames) {
  using R = ReloResult;
  Report report{.arch = "x86_64", .objects = {"obj\xff\".bpf.o"}, .catalog = &catalog_};
  KernelReport k = kernel("a/1/x86_64/k\xfe.btf", {R::Resolved, R::Missing, R::Poisoned});
  k.hazards.push_back({.object = 0,
                       .record = 1,
                       .full = {.result = R::Resolved, .value = 8, .target_type = "foo___v2"},
                       .minimized = {.result = R::Poisoned}});
  report.kernels.push_back(std::move(k));
  const json doc = json::parse(report_json(report));  // throws on invalid JSON
  EXPECT_EQ(doc["format"], "btfgen-report");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["relocation_count"], 3);
  const json& kernel = doc["kernels"][0];
  EXPECT_EQ(kernel["path"], "a/1/x86_64/k\xef\xbf\xbd.btf");  // U+FFFD for the bad byte
  EXPECT_EQ(kernel["status"], "ok");
  EXPECT_TRUE(kernel["hazard"].get<bool>());
  EXPECT_EQ(kernel["hazards"][0]["field"], "foo.c");
  EXPECT_EQ(kernel["hazards"][0]["full"]["value"], 8);
  EXPECT_EQ(kernel["hazards"][0]["minimized"]["result"], "poisoned");
  ASSERT_EQ(kernel["relocations"].size(), 2u);
  EXPECT_EQ(kernel["relocations"][0]["result"], "missing");
  EXPECT_EQ(kernel["relocations"][0]["value"], 7);
  EXPECT_TRUE(kernel["relocations"][0]["target_type"].is_null());
  EXPECT_TRUE(kernel["relocations"][1]["value"].is_null());
  EXPECT_EQ(kernel["programs"][2]["poisoned"], 1);
  EXPECT_EQ(doc["summary"][1]["missing"], 1);
}

}  // namespace
}  // namespace btfgen
