// Where a report goes (`btfgen report`, `btfgen build --report-json/--report-html`): JSON, HTML or
// the terminal table, and the --fail-on gate.
#pragma once

#include <string>
#include <vector>

#include "btfgen/report/report.h"

namespace btfgen::cli {

struct ReportOutputs {
  std::string json;                  // a file, or empty
  std::string html;                  // a file, or empty
  std::vector<std::string> fail_on;  // "poisoned", "missing", "failed"
};

// What is wrong with OUTPUTS before any work: an unknown --fail-on level, a report path that cannot
// be written (a directory, a missing or read-only parent). Empty when all is well.
std::string check_report_outputs(const ReportOutputs& outputs);

// Writes the JSON and HTML files (atomically); with neither and PRINT_TEXT, prints the table on
// stdout. Returns 2 when a file could not be written, else 1 when a --fail-on level is met, else 0.
int emit_report(const Report& report, const ReportOutputs& outputs, bool print_text);

}  // namespace btfgen::cli
