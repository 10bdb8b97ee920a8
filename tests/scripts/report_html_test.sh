#!/usr/bin/env bash
# The report page (src/report/report_html.cpp) in a real browser: headless Chromium loads pages
# rendered from generated reports (tests/scripts/make_sample_report.py) and the test reads back the
# DOM it built and screenshots of it.
#   bash tests/scripts/report_html_test.sh path/to/render_report_html
# Checks: the heatmap has one cell per program x kernel with the outcome counts the generator
# decided (failed kernels, programs absent from a kernel, hazards); no script error, no request; the
# hostile strings of the edge report stay text; URL-hash filters and the detail view; 3,500 x 100
# cells render; a screenshot shows every outcome colour. A page that fails to parse its report is
# caught (so the error check can fail).
# REPORT_HTML_KEEP=DIR keeps the sample's page and screenshots there (docs/report-heatmap.png and
# docs/report-detail.png are made so).
# Exit 0: pass; 1: fail; 77: skipped (chromium or python3 missing), but 1 when CI=true.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
render=${1:?usage: report_html_test.sh path/to/render_report_html [btfgen BPF_TEST_DATA_DIR]}
btfgen=${2:-}
bpf_data=${3:-}

skip() {
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: $* (not skipped under CI=true)" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chromium ]] || skip "chromium not found (apt-get install chromium)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
[[ -x $render ]] || fail "no renderer at $render"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/report_html_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# No sandbox (root in CI), no GPU, a profile of its own, and no name resolves: the page must need
# nothing from outside.
browser=(timeout 180 "$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage
  --no-first-run --hide-scrollbars --user-data-dir="$tmp/profile" --host-resolver-rules="MAP * ~NOTFOUND"
  --enable-logging=stderr --v=0)

passed=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, fails the test with DESCRIPTION if it fails
  local what=$1
  shift
  "$@" || fail "$what"
  passed=$((passed + 1))
}

# dump NAME URL: the DOM after the scripts ran, in $tmp/NAME.dom; the browser's log in $tmp/NAME.log.
dump() {
  "${browser[@]}" --virtual-time-budget=5000 --dump-dom "$2" >"$tmp/$1.dom" 2>"$tmp/$1.log" ||
    fail "chromium --dump-dom $2 exited $?: $(tail -n 5 "$tmp/$1.log")"
  [[ -s $tmp/$1.dom ]] || fail "chromium dumped nothing for $2"
}
# shot NAME URL: a 1400x900 screenshot in $tmp/NAME.png.
shot() {
  (cd "$tmp" && "${browser[@]}" --screenshot="$tmp/$1.png" --window-size=1400,900 "$2" >"$tmp/$1.shot.log" 2>&1) ||
    fail "chromium --screenshot $2 exited $?: $(tail -n 5 "$tmp/$1.shot.log")"
}
# attr NAME ELEMENT_ID ATTRIBUTE: the attribute's value on the element with that id (or on <body>).
attr() {
  python3 - "$tmp/$1.dom" "$2" "$3" <<'EOF'
import re, sys
dom, element, name = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
tag = re.search(r"<body\b[^>]*>" if element == "body" else r'<[a-z]+ id="%s"[^>]*>' % re.escape(element), dom)
value = re.search(r'\s%s="([^"]*)"' % re.escape(name), tag.group(0)) if tag else None
print(value.group(1) if value else "<absent>")
EOF
}
expect_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/$1.expect.json" "$2"; }
eq() { [[ $1 == "$2" ]] || { echo "  expected '$2', got '$1'" >&2; return 1; }; }
# clean_run NAME: the page rendered, recorded no script error, fetched nothing, logged no uncaught error.
clean_run() {
  check "$1: page did not finish rendering (data-rendered)" eq "$(attr "$1" body data-rendered)" 1
  check "$1: script errors: $(attr "$1" body data-errors)" eq "$(attr "$1" body data-errors)" "<absent>"
  check "$1: the page made requests" eq "$(attr "$1" body data-requests)" 0
  check "$1: uncaught error in the browser log: $(grep -m1 -i 'uncaught' "$tmp/$1.log" || true)" \
    bash -c '! grep -qi "uncaught" "$1"' _ "$tmp/$1.log"
}
# counts NAME EXPECT: the heatmap's size and outcome counts against the generator's.
counts() {
  local field
  for field in rows cols cells clean missing poisoned failed; do
    check "$1: heatmap data-$field" eq "$(attr "$1" heatmap "data-$field")" "$(expect_of "$2" "$field")"
  done
  check "$1: hazard kernels" eq "$(attr "$1" heatmap data-hazard-kernels)" "$(expect_of "$2" hazard_kernels)"
}

title='Report <b>edge</b> & "co"'
for kind in edge sample large; do
  python3 "$here/make_sample_report.py" --kind "$kind" --out "$tmp/$kind.json" --expect "$tmp/$kind.expect.json"
  "$render" "$tmp/$kind.json" "$title" "$tmp/$kind.html"
done

# The edge report: every cell, hostile strings, odd fields.
dump edge "file://$tmp/edge.html"
clean_run edge
counts edge edge
check "edge: a script in the report's data ran" eq "$(attr edge body data-pwned)" "<absent>"
check "edge: title not escaped" grep -qF '<h1 id="title">Report &lt;b&gt;edge&lt;/b&gt; &amp; "co"</h1>' "$tmp/edge.dom"
check "edge: summary rows" eq "$(grep -o '<tr data-row="' "$tmp/edge.dom" | wc -l)" "$(expect_of edge rows)"
check "edge: distro checkboxes (centos fedora ubuntu (other))" \
  eq "$(grep -o '<input type="checkbox" value="[^"]*"' "$tmp/edge.dom" | wc -l)" 4
check "edge: the program only the summary knows" grep -qF 'ghost &lt;/script&gt; prog' "$tmp/edge.dom"

# A detail view opened by the URL hash: the kernel, the program, its relocations that did not resolve,
# the hostile field name shown as text.
read -r row col path label listed not_resolved < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["detail"]
print(d["row"], d["col"], d["path"], d["label"], d["listed"], d["not_resolved"])' "$tmp/edge.expect.json")
dump edge-detail "file://$tmp/edge.html#cell=$row,$col"
clean_run edge-detail
detail=$(python3 -c '
import re, sys
m = re.search(r"<div id=\"detail\"[^>]*>.*?<div id=\"detail-body\">(.*?)</div></div>", open(sys.argv[1]).read(), re.S)
print(m.group(1) if m else "")' "$tmp/edge-detail.dom")
check "edge-detail: detail not open" grep -q '<div id="detail" [^>]*style="display: block;"' "$tmp/edge-detail.dom"
check "edge-detail: kernel path" grep -qF "$path" <<<"$detail"
check "edge-detail: program" grep -qF "$label" <<<"$detail"
check "edge-detail: relocation count" grep -qF "Relocations not resolved ($not_resolved of $listed listed)" <<<"$detail"
check "edge-detail: relocation rows" eq "$(grep -o '<span class="badge b-\(missing\|poisoned\)">' <<<"$detail" | wc -l)" \
  "$((not_resolved + 1))"  # one per relocation, and the cell's own outcome in the heading
check "edge-detail: the hostile field name as text" \
  grep -qF '&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned=1&lt;/script&gt;&lt;!--' <<<"$detail"

# Filters from the URL hash: only centos kernels, only programs matching "execsnoop".
dump edge-filtered "file://$tmp/edge.html#distros=centos&program=execsnoop"
clean_run edge-filtered
read -r want_cols want_rows < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
cols = sum(1 for k in r["kernels"] if str(k.get("path", "")).startswith("centos/"))
rows = sum(1 for s in r["summary"] if "execsnoop" in (r["objects"][s["object"]] + s["name"] + s["section"]).lower())
print(cols, rows)' "$tmp/edge.json")
check "edge-filtered: columns" eq "$(attr edge-filtered heatmap data-cols)" "$want_cols"
check "edge-filtered: rows" eq "$(attr edge-filtered heatmap data-rows)" "$want_rows"
[[ $want_cols -gt 0 && $want_rows -gt 0 ]] || fail "edge-filtered: the filter selects nothing (test data)"

# What a person does, as events dispatched by a script added to a copy of the page (after the page's
# own): hover and click the first cell, click its column header, untick a distro, type a program
# filter, sort by a summary column, press Escape. The page's answers are collected in data-harness.
python3 - "$tmp/edge.html" "$tmp/edge-harness.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
harness = """<script>
(async function () {
  const sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  const $ = function (q) { return document.querySelector(q); };
  const out = {}, hm = $("#heatmap"), canvas = $("#heatmap canvas");
  const box = canvas.getBoundingClientRect(), tr = $("#summary tbody tr").getBoundingClientRect();
  const at = function (type, x, y) { canvas.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true })); };
  at("mousemove", box.left + 1, tr.top + tr.height / 2);
  out.tooltip = $("#tooltip").textContent;
  at("click", box.left + 1, tr.top + tr.height / 2);
  out.detail = $("#detail").style.display;
  out.detailTitle = $("#detail h3").textContent;
  out.detailKernel = $("#detail dd").textContent;
  at("click", box.left + 1, box.top + 3);
  out.kernelTitle = $("#detail h3").textContent;
  out.kernelPrograms = document.querySelectorAll("#detail table:last-of-type tbody tr").length;
  const centos = $('#distro-filter input[value="centos"]');
  centos.checked = false;
  centos.dispatchEvent(new Event("change"));
  out.colsWithoutCentos = Number(hm.dataset.cols);
  centos.checked = true;
  centos.dispatchEvent(new Event("change"));
  out.colsWithCentos = Number(hm.dataset.cols);
  const filter = $("#program-filter");
  filter.value = "OpenAt";
  filter.dispatchEvent(new Event("input"));
  await sleep(400);
  out.rowsOpenat = Number(hm.dataset.rows);
  filter.value = "";
  filter.dispatchEvent(new Event("input"));
  await sleep(400);
  $('#summary th[data-sort="poisoned"]').click();
  out.firstRowByPoisoned = Number($("#summary tbody tr").dataset.row);
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
  out.detailAfterEscape = $("#detail").style.display;
  document.body.dataset.harness = JSON.stringify(out);
})().catch(function (e) { document.body.dataset.errors = "harness: " + e; });
</script>
"""
at = page.rindex("</body>")
open(sys.argv[2], "w", encoding="utf-8").write(page[:at] + harness + page[at:])
EOF
dump edge-harness "file://$tmp/edge-harness.html"
clean_run edge-harness
check "edge-harness: the page's answers" python3 - "$tmp/edge-harness.dom" "$tmp/edge.json" "$tmp/edge.expect.json" <<'EOF'
import html, json, re, sys
dom, report, expect = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
m = re.search(r'data-harness="([^"]*)"', dom)
if not m:
    sys.exit("no data-harness: the harness did not finish")
got = json.loads(html.unescape(m.group(1)))
first = expect["first_cell"]
summary = report["summary"]
labels = [report["objects"][s["object"]] + s["name"] + s["section"] for s in summary]
worst = max(range(len(summary)), key=lambda i: (summary[i]["poisoned"], -i))
checks = [
    ("tooltip names the program", first["label"] in got["tooltip"]),
    ("tooltip names the kernel", first["path"] in got["tooltip"]),
    ("tooltip names the outcome", first["outcome"] in got["tooltip"]),
    ("a click opens the detail", got["detail"] == "block"),
    ("detail heading: outcome and program",
     got["detailTitle"].startswith(first["outcome"]) and first["label"] in got["detailTitle"]),
    ("detail kernel", got["detailKernel"] == first["path"]),
    ("header click: kernel detail", first["path"].rsplit("/", 1)[-1].replace(".btf", "") in got["kernelTitle"]),
    ("header click: one line per program", got["kernelPrograms"] == len(summary)),
    ("untick centos", got["colsWithoutCentos"] ==
     len(report["kernels"]) - sum(k["path"].startswith("centos/") for k in report["kernels"])),
    ("tick centos again", got["colsWithCentos"] == len(report["kernels"])),
    ("program filter, any case", got["rowsOpenat"] == sum("openat" in l.lower() for l in labels) > 0),
    ("sort by poisoned", got["firstRowByPoisoned"] == worst),
    ("Escape closes the detail", got["detailAfterEscape"] == "none"),
]
bad = [name for name, ok in checks if not ok]
print("  harness:", got)
sys.exit("failed: " + ", ".join(bad) if bad else 0)
EOF

# The scale: 3,500 kernels x 100 programs.
# Dumping a DOM that holds 34 MB of JSON takes the browser far longer than rendering it: a copy of
# the page empties the report's script element once the page has drawn.
python3 - "$tmp/large.html" "$tmp/large-dump.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
at = page.rindex("</body>")
trim = '<script>document.getElementById("report").textContent = "";</script>\n'
open(sys.argv[2], "w", encoding="utf-8").write(page[:at] + trim + page[at:])
EOF
start=$(date +%s)
dump large "file://$tmp/large-dump.html"
clean_run large
counts large large
echo "large: rendered in $(($(date +%s) - start)) s (browser included); parse, model, draw ms: $(attr large body data-timing)"

# A page whose report does not parse says so (the error checks above can fail).
printf '{"format":"btfgen-report",' >"$tmp/broken.json"
"$render" "$tmp/broken.json" broken "$tmp/broken.html"
dump broken "file://$tmp/broken.html"
check "broken: the parse error was not recorded" grep -q 'data-errors="report JSON: ' "$tmp/broken.dom"

# Reports with little in them, or fields of unexpected types, still render without a script error.
printf '{}' >"$tmp/odd1.json"
printf '%s' '{"format":"btfgen-report","version":1,"objects":null,"kernels":[null,7,{"path":null,"status":"ok",
"programs":[{"name":null,"object":null},{"name":"p","object":5,"resolved":"x","missing":null}],"relocations":{},
"hazards":[null]},{"path":"a/b/c/d/e.btf","programs":{},"hazard":"yes"}],"summary":[{"name":"q"},null]}' \
  >"$tmp/odd2.json"
for odd in odd1 odd2; do
  "$render" "$tmp/$odd.json" "$odd" "$tmp/$odd.html"
  dump "$odd" "file://$tmp/$odd.html#cell=0,0"
  clean_run "$odd"
done
check "odd1: no cells" eq "$(attr odd1 heatmap data-cells)" 0
check "odd2: 3 programs x 2 kernels" eq "$(attr odd2 heatmap data-cells)" 6
check "odd2: failed cells (q on both kernels, both on a/b/c/d/e)" eq "$(attr odd2 heatmap data-failed)" 4

# Screenshots: the sample, and the sample with a detail open; every outcome colour is on screen.
shot sample "file://$tmp/sample.html"
read -r row col < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["detail"]; print(d["row"], d["col"])' \
  "$tmp/sample.expect.json")
shot sample-detail "file://$tmp/sample.html#cell=$row,$col"
# A wide zoom on the large report: past the canvas's size limits the page narrows the cells (a
# canvas too large stays blank).
shot large-zoom "file://$tmp/large.html#zoom=16"
for png in sample sample-detail large-zoom; do
  size=$(stat -c %s "$tmp/$png.png" 2>/dev/null || echo 0)
  check "$png.png: missing or trivial ($size bytes)" test "$size" -gt 20000
  colours=(clean missing poisoned failed hazard)
  [[ $png != large-zoom ]] || colours=(clean poisoned failed)  # its first screen has no missing cell
  check "$png.png: outcome colours" python3 - "$tmp/$png.png" "${colours[@]}" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and color in (2, 6) and not interlace, f"unexpected PNG format {depth}/{color}/{interlace}"
        bpp = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw, stride = zlib.decompress(idat), width * bpp
rows, prev = [], bytearray(stride)
for y in range(height):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colors = {"clean": (0x2d, 0xa4, 0x4e), "missing": (0xe3, 0xa0, 0x08), "poisoned": (0xcf, 0x22, 0x2e),
          "failed": (0x3d, 0x43, 0x4a), "hazard": (0x82, 0x50, 0xdf)}
found = {name: 0 for name in colors}
lookup = {rgb: name for name, rgb in colors.items()}
for line in rows:
    for x in range(0, stride, bpp):
        name = lookup.get(tuple(line[x:x + 3]))
        if name:
            found[name] += 1
print(f"  {sys.argv[1].rsplit('/', 1)[-1]}: {width}x{height}, pixels per colour {found}")
low = {name: found[name] for name in sys.argv[2:] if found[name] < (20 if name == "hazard" else 200)}
sys.exit(f"too few pixels of {low}" if low else 0)
EOF
done
# A real page: `btfgen report --html` over a crafted archive (tests/bpf): the narrowing hazard
# kernel, a kernel without the type (every read poisoned) and a garbage kernel (failed).
if [[ -n $btfgen ]]; then
  mkdir -p "$tmp/archive/a/1/x86_64" "$tmp/archive/b/2/x86_64"
  cp "$bpf_data/targets/narrowing.btf" "$bpf_data/targets/base.btf" "$tmp/archive/a/1/x86_64/"
  echo garbage >"$tmp/archive/b/2/x86_64/garbage.btf"
  "$btfgen" report --archive "$tmp/archive" --arch x86_64 --obj "$bpf_data/narrow_three.bpf.o" \
    --html "$tmp/real.html" 2>"$tmp/real.err" || fail "btfgen report --html: $(cat "$tmp/real.err")"
  dump real "file://$tmp/real.html"
  clean_run real
  check "real: heatmap cells" eq "$(attr real heatmap data-cells)" 9
  check "real: clean cells" eq "$(attr real heatmap data-clean)" 3
  check "real: poisoned cells" eq "$(attr real heatmap data-poisoned)" 3
  check "real: failed cells" eq "$(attr real heatmap data-failed)" 3
  check "real: hazard kernels" eq "$(attr real heatmap data-hazard-kernels)" 1
  shot real "file://$tmp/real.html"
  check "real: screenshot" test "$(stat -c %s "$tmp/real.png")" -gt 10000
fi

if [[ -n ${REPORT_HTML_KEEP:-} ]]; then
  mkdir -p "$REPORT_HTML_KEEP"
  cp "$tmp/sample.html" "$tmp/sample.png" "$tmp/sample-detail.png" "$REPORT_HTML_KEEP/"
  echo "kept sample.html, sample.png, sample-detail.png in $REPORT_HTML_KEEP"
fi

echo "report_html: $passed passed, 0 failed"
