// The report page (include/btfgen/report/report_html.h): the template below with the title and
// the report's JSON put in. Everything the page shows is computed in the browser from that JSON, so
// this side only has to make both safe to embed.
#include "btfgen/report/report_html.h"

#include <array>
#include <string>
#include <string_view>

namespace btfgen {
namespace {

// The page: kReportHtmlTemplate, with {{TITLE}} and {{REPORT_JSON}} markers.
#include "report/report_html_template.inc"

constexpr std::string_view kTitleMarker = "{{TITLE}}";
constexpr std::string_view kJsonMarker = "{{REPORT_JSON}}";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_json_for_script(std::string_view report_json) {
  // In valid JSON, '<' and U+2028/U+2029 can only be inside strings, where "\/", "\u003c" and
  // "\u2028" are escapes that JSON.parse reads back as the same characters.
  static constexpr std::string_view kLineSeparator = "\xE2\x80\xA8";
  static constexpr std::string_view kParagraphSeparator = "\xE2\x80\xA9";
  std::string out;
  out.reserve(report_json.size() + report_json.size() / 16);
  for (size_t i = 0; i < report_json.size(); ++i) {
    std::string_view rest = report_json.substr(i);
    if (rest.starts_with("</")) {
      out += "<\\/";
      ++i;
    } else if (rest.starts_with("<!--")) {
      out += "\\u003c!--";
      i += 3;
    } else if (rest.starts_with(kLineSeparator)) {
      out += "\\u2028";
      i += kLineSeparator.size() - 1;
    } else if (rest.starts_with(kParagraphSeparator)) {
      out += "\\u2029";
      i += kParagraphSeparator.size() - 1;
    } else {
      out += report_json[i];
    }
  }
  return out;
}

std::string render_report_html(std::string_view report_json, std::string_view title) {
  const std::string_view page = kReportHtmlTemplate;
  const std::array<std::pair<std::string_view, std::string>, 2> fills = {{
      {kTitleMarker, html_escape(title)},
      {kJsonMarker, escape_json_for_script(report_json)},
  }};
  std::string out;
  out.reserve(page.size() + fills[0].second.size() * 2 + fills[1].second.size());
  size_t at = 0;
  while (at < page.size()) {
    size_t next = page.find("{{", at);
    if (next == std::string_view::npos) break;
    bool filled = false;
    for (const auto& [marker, text] : fills) {
      if (page.substr(next).starts_with(marker)) {
        out += page.substr(at, next - at);
        out += text;
        at = next + marker.size();
        filled = true;
        break;
      }
    }
    if (!filled) {  // "{{" that is no marker (JavaScript can have it): copied as it is
      out += page.substr(at, next + 2 - at);
      at = next + 2;
    }
  }
  out += page.substr(at);
  return out;
}

}  // namespace btfgen
