// Stage "report": which programs relocate cleanly on which kernels (docs/report.md).
//
// report/report.h         the catalogue of records, per-kernel reports, the summary, JSON and text
// report/report_runner.h  `btfgen report` over an archive: every kernel decided once, in a pool
// report/report_html.h    the report as one self-contained HTML page (a heatmap)
#pragma once

#include "btfgen/report/report.h"
#include "btfgen/report/report_html.h"
#include "btfgen/report/report_runner.h"
