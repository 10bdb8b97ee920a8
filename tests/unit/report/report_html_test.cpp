// The report page (src/report/report_html.cpp): it is self-contained (nothing loaded from
// anywhere), the report's JSON is embedded so that no string in it can end the script element or
// open an HTML comment, and still parses back to the same value, and the title is escaped. What the
// page draws is checked in a browser by tests/scripts/report_html_test.sh.
#include "btfgen/report/report_html.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace btfgen {
namespace {

constexpr std::string_view kScriptOpen = R"(<script type="application/json" id="report">)";

// The text between the report's script tags (the first "</script>" after the opening tag: what
// an HTML parser would take as the script's end).
std::string embedded_json(const std::string& page) {
  const size_t open = page.find(kScriptOpen);
  if (open == std::string::npos) return "<no report script>";
  const size_t start = open + kScriptOpen.size();
  const size_t end = page.find("</script>", start);
  if (end == std::string::npos) return "<unterminated>";
  return page.substr(start, end - start);
}

size_t count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

const std::string kHostileJson = R"({"format":"btfgen-report","version":1,"arch":"x86_64","objects":["a/x.bpf.o"],)"
                                 R"("kernels":[{"path":"centos/7/x86_64/3.10.0.btf","status":"failed",)"
                                 R"("error":"</script><script>alert(1)</script> <!-- \u003c/SCRIPT> </ScRiPt >",)"
                                 "\"note\":\"line\xE2\x80\xA8separator paragraph\xE2\x80\xA9separator\","
                                 R"("programs":[]}],"summary":[]})";

TEST(ReportHtml, IsOneSelfContainedDocument) {
  const std::string page = render_report_html(kHostileJson, "t");
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("//cdn"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);  // no external script, image or frame
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);  // no fonts or images from CSS
  EXPECT_EQ(page.find("fetch("), std::string::npos);
  EXPECT_EQ(page.find("XMLHttpRequest"), std::string::npos);
  // The page's own parts: the data, the heatmap, the summary, the detail view, the filters.
  EXPECT_EQ(count(page, kScriptOpen), 1U);
  for (const char* id : {"id=\"heatmap\"", "id=\"summary\"", "id=\"detail\"", "id=\"distro-filter\"",
                         "id=\"program-filter\"", "id=\"legend\""}) {
    EXPECT_EQ(count(page, id), 1U) << id;
  }
  // Exactly two script elements (the data and the code), each closed once; and in the hostile
  // report's page, still only two closings (the data's "<script" stays inside the data).
  const std::string plain = render_report_html(R"({"format":"btfgen-report","version":1})", "t");
  EXPECT_EQ(count(plain, "<script"), 2U);
  EXPECT_EQ(count(plain, "</script>"), 2U);
  EXPECT_EQ(count(page, "</script>"), 2U);
  EXPECT_TRUE(page.ends_with("</html>\n"));
}

TEST(ReportHtml, EmbedsTheJsonSoItCannotEndTheScript) {
  const std::string page = render_report_html(kHostileJson, "t");
  const std::string embedded = embedded_json(page);
  // What the HTML parser sees as the script's content is all of the JSON: no "</" (which could
  // start "</script" in any case), no "<!--", no raw line or paragraph separator.
  EXPECT_EQ(embedded.find("</"), std::string::npos);
  EXPECT_EQ(embedded.find("<!--"), std::string::npos);
  EXPECT_EQ(embedded.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(embedded.find("\xE2\x80\xA9"), std::string::npos);
  EXPECT_NE(embedded.find(R"(<\/script><script>alert(1)<\/script>)"), std::string::npos);
  EXPECT_NE(embedded.find(R"(<\/ScRiPt >)"), std::string::npos);
  EXPECT_NE(embedded.find(R"(\u003c!-- )"), std::string::npos);
  EXPECT_NE(embedded.find(R"(line\u2028separator paragraph\u2029separator)"), std::string::npos);
  // And JSON.parse (here nlohmann) reads back exactly the report's value.
  const auto original = nlohmann::json::parse(kHostileJson);
  const auto parsed = nlohmann::json::parse(embedded);
  EXPECT_EQ(parsed, original);
  EXPECT_EQ(parsed["kernels"][0]["error"], "</script><script>alert(1)</script> <!-- </SCRIPT> </ScRiPt >");
}

TEST(ReportHtml, KeepsEverythingElseOfTheJsonVerbatim) {
  const std::string json = R"({"a":"x < y > z & {{TITLE}} {{REPORT_JSON}}","b":[1,2.5e3,null,true],"c":"é€😀"})";
  const std::string page = render_report_html(json, "t");
  EXPECT_EQ(embedded_json(page), json);  // markers inside the data are data, not filled again
}

TEST(ReportHtml, EscapesTheTitle) {
  const std::string page = render_report_html("{}", R"(<b>x</b> & "q" 'a' {{REPORT_JSON}})");
  const std::string escaped = "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39; {{REPORT_JSON}}";
  EXPECT_EQ(count(page, "<title>" + escaped + "</title>"), 1U);
  EXPECT_EQ(count(page, "<h1 id=\"title\">" + escaped + "</h1>"), 1U);
  EXPECT_EQ(page.find("<b>x"), std::string::npos);
  EXPECT_EQ(embedded_json(page), "{}");
}

TEST(ReportHtml, EscapeFunctions) {
  EXPECT_EQ(html_escape("a<b>&\"'c"), "a&lt;b&gt;&amp;&quot;&#39;c");
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(escape_json_for_script(R"(["</","<!--","<","a/b"])"), R"(["<\/","\u003c!--","<","a/b"])");
  EXPECT_EQ(escape_json_for_script("\"\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xA7\""), "\"\\u2028\\u2029\xE2\x80\xA7\"");
  EXPECT_EQ(escape_json_for_script("\"<\""), "\"<\"");  // a lone '<' at the end is kept
}

}  // namespace
}  // namespace btfgen
