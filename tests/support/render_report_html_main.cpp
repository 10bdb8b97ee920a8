// Test helper: render_report_html over a JSON file, for the browser test (tests/scripts).
//   render_report_html JSON_PATH TITLE OUT_PATH
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "btfgen/report/report_html.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: render_report_html JSON_PATH TITLE OUT_PATH\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "render_report_html: cannot read " << argv[1] << "\n";
    return 1;
  }
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
  out << btfgen::render_report_html(json, argv[2]);
  out.close();
  if (!out) {
    std::cerr << "render_report_html: cannot write " << argv[3] << "\n";
    return 1;
  }
  return 0;
}
