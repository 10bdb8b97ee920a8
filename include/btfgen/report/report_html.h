// The report of a build as one self-contained HTML page (report_html.cpp): `btfgen report --html`.
//
//   report JSON (format "btfgen-report", version 1) ──render_report_html──▶ one HTML document
//
// The page carries the JSON verbatim in <script type="application/json" id="report"> and renders it
// in the browser with inline CSS and JavaScript: a heatmap of programs × kernels grouped by
// distro/version, a summary table per program, filters, and a detail view of a cell. It loads
// nothing from anywhere (no fonts, scripts or images), so it can be mailed or archived as one file.
#pragma once

#include <string>
#include <string_view>

namespace btfgen {

// The page for REPORT_JSON (valid UTF-8, not parsed or validated here: the page copes with absent
// or null fields) under TITLE (any text; HTML-escaped). The JSON is embedded with "</" written as
// "<\/", "<!--" as "<\!--" and U+2028/U+2029 as \u2028/\u2029, which JSON.parse reads back as the
// same value and which can neither close the script element nor confuse the HTML parser.
std::string render_report_html(std::string_view report_json, std::string_view title);

// TEXT with &, <, >, " and ' replaced by character references: safe in HTML text and attributes.
std::string html_escape(std::string_view text);

// REPORT_JSON made safe to place inside a <script> element, as described above. Only valid for
// text that is JSON: the replacements are inside strings, or are not JSON tokens anyway.
std::string escape_json_for_script(std::string_view report_json);

}  // namespace btfgen
