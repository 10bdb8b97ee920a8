#include "report_output.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <span>

#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "btfgen/common/text.h"
#include "btfgen/report/report_html.h"

namespace btfgen::cli {

namespace {

std::optional<ProgramOutcome> level(const std::string& name) {
  if (name == "poisoned") return ProgramOutcome::Poisoned;
  if (name == "missing") return ProgramOutcome::Missing;
  if (name == "failed") return ProgramOutcome::Failed;
  return std::nullopt;
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string check_report_outputs(const ReportOutputs& outputs) {
  for (const std::string& f : outputs.fail_on) {
    if (!level(f)) return fmt::format("--fail-on '{}': expected poisoned, missing or failed", printable(f));
  }
  try {
    if (!outputs.json.empty()) check_output_file(outputs.json);
    if (!outputs.html.empty()) check_output_file(outputs.html);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

int emit_report(const Report& report, const ReportOutputs& outputs, bool print_text) {
  int status = 0;
  try {
    if (!outputs.json.empty() || !outputs.html.empty()) {
      const std::string json = report_json(report);
      if (!outputs.json.empty()) write_output_file(outputs.json, bytes_of(json));
      if (!outputs.html.empty()) {
        const std::string title = fmt::format("btfgen report: {} kernels ({}), {} objects", report.kernels.size(),
                                              report.arch, report.objects.size());
        write_output_file(outputs.html, bytes_of(render_report_html(json, title)));
      }
    } else if (print_text) {
      const std::string text = report_text(report);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
  } catch (const Error& e) {
    spdlog::error("btfgen: {}", printable(e.what()));
    status = 2;
  }
  for (const std::string& f : outputs.fail_on) {
    const auto o = level(f);
    if (o && report.any(*o)) {
      spdlog::info("btfgen: --fail-on {}: some kernel has it", f);
      if (status == 0) status = 1;
    }
  }
  return status;
}

}  // namespace btfgen::cli
