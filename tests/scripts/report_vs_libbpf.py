#!/usr/bin/env python3
"""report_vs_libbpf.py BTFGEN SHARED_DIR [KERNEL_GLOB...]

`btfgen report --json --all` against libbpf's own decisions (../shared/tools/libbpf-decisions) on the
FULL kernel BTF, for every libbpf-tools object with CO-RE relocations, on the kernels matching the
globs (default: a sample of four across distros and both arches). For every relocation libbpf
reports ("prog 'P': relo #N: ..."), the report must hold the same program and record index with:
  - "poisoned"                              where libbpf substitutes an invalid instruction;
  - the value libbpf patches in             otherwise ("... -> V");
  - the target type libbpf matched          for target_type_id.
Then `btfgen min --preserve-decisions` on each kernel: libbpf must decide on that output exactly as on
the full BTF (the same sorted lines). Needs root (libbpf probes the kernel), gcc and libbpf-dev.
Exit 77 when a tool or the corpus is missing, unless CI=true (then 1)."""
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

SAMPLE = [
    "centos/7/x86_64/*",
    "debian/12/x86_64/6.12*-cloud-amd64*",
    "android/common-android13-5.10/arm64/a13-5.10-2022-0[45]*",
    "centos/8/aarch64/*147.5.1*",
]


def skip(why):
    print("report_vs_libbpf: " + why, file=sys.stderr)
    sys.exit(1 if os.environ.get("CI") == "true" else 77)


def main():
    btfgen, shared = sys.argv[1], sys.argv[2]
    globs = sys.argv[3:] or SAMPLE
    corpus = os.path.join(shared, "corpus", "btfhub")
    objdir = os.path.join(shared, "corpus", "objects", "libbpf-tools")
    decisions_tool = os.path.join(shared, "tools", "libbpf-decisions")
    if not os.path.isdir(corpus) or not os.path.isdir(objdir):
        skip("corpus missing under " + shared)
    if os.geteuid() != 0:
        skip("needs root: libbpf probes the kernel before relocating")
    for tool in ("gcc",):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode != 0:
            skip(tool + " missing")
    objects = sorted(glob.glob(os.path.join(objdir, "*.bpf.o")))
    kernels = []
    for g in globs:
        kernels += sorted(glob.glob(os.path.join(corpus, g + ".btf.tar.xz")))
    if len(kernels) < 1 or len(objects) < 40:
        skip("corpus sample not found: %d kernels, %d objects" % (len(kernels), len(objects)))

    failures, compared, kernels_done = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for tarball in kernels:
            rel = os.path.relpath(tarball, corpus)[: -len(".tar.xz")]
            arch = rel.split("/")[2]
            arch = "x86_64" if arch == "x86_64" else "arm64"
            report_path = os.path.join(tmp, "report.json")
            r = subprocess.run([btfgen, "report", "--archive", corpus, "--arch", arch, "--include", rel, "--all",
                                "--json", report_path, "--obj", *objects], capture_output=True, text=True)
            if r.returncode != 0:
                failures.append("%s: btfgen report exited %d: %s" % (rel, r.returncode, r.stderr.strip()))
                continue
            report = json.load(open(report_path))
            assert report["format"] == "btfgen-report" and report["version"] == 1
            (kernel,) = report["kernels"]
            with tarfile.open(tarball) as t:
                member = next(m for m in t.getmembers() if m.isfile() and m.name.endswith(".btf"))
                full = os.path.join(tmp, "full.btf")
                with open(full, "wb") as f:
                    f.write(t.extractfile(member).read())
            by_key = {}
            for rec in kernel["relocations"]:
                by_key[(rec["object"], rec["program"], rec["index"])] = rec
            if kernel["status"] != "ok":
                failures.append("%s: kernel failed in btfgen: %s" % (rel, kernel["error"]))
                continue
            kernels_done += 1
            preserved = os.path.join(tmp, "preserved.btf")
            r = subprocess.run([btfgen, "min", "--preserve-decisions", full, preserved, *objects],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append("%s: btfgen min --preserve-decisions exited %d: %s" % (rel, r.returncode, r.stderr))
                continue
            for i, obj in enumerate(report["objects"]):
                if not any(rec["object"] == i for rec in kernel["relocations"]):
                    continue
                on_full = subprocess.run([decisions_tool, obj, full], capture_output=True, text=True)
                on_min = subprocess.run([decisions_tool, obj, preserved], capture_output=True, text=True)
                if on_full.returncode != 0:
                    failures.append("%s %s: libbpf-decisions failed: %s" % (rel, obj, on_full.stderr))
                    continue
                if on_full.stdout != on_min.stdout:
                    failures.append("%s %s: libbpf decides otherwise on the --preserve-decisions output" % (rel, obj))
                for line in on_full.stdout.splitlines():
                    m = re.match(r"libbpf: prog '([^']*)': relo #(\d+): (.*)$", line)
                    if not m:
                        continue
                    prog, index, what = m.group(1), int(m.group(2)), m.group(3)
                    if " mem_sz " in what:
                        continue  # libbpf also narrows the load's size; the offset line follows
                    rec = by_key.get((i, prog, index))
                    where = "%s %s prog %s relo #%d" % (rel, os.path.basename(obj), prog, index)
                    if rec is None:
                        failures.append(where + ": not in the report")
                        continue
                    compared += 1
                    if "substituting insn" in what or "poison" in what:
                        if rec["result"] != "poisoned":
                            failures.append("%s: libbpf poisons, report says %s" % (where, rec["result"]))
                    elif what.startswith("target_type_id -> "):
                        name = what[len("target_type_id -> "):].split(" ", 1)[-1] if " " in what else ""
                        if rec["result"] != "resolved" or not name.endswith(rec["target_type"] or "\0"):
                            failures.append("%s: libbpf matched %r, report %r" % (where, what, rec))
                    else:
                        v = re.search(r"-> (\d+)$", what)
                        if not v:
                            failures.append("%s: unexpected libbpf line %r" % (where, line))
                        elif rec["result"] == "poisoned" or rec["value"] != int(v.group(1)):
                            failures.append("%s: libbpf patches %s, report says %s %s"
                                            % (where, v.group(1), rec["result"], rec["value"]))
    for f in failures[:40]:
        print("FAIL " + f)
    print("report_vs_libbpf: %d kernels, %d relocations compared with libbpf, %d failures"
          % (kernels_done, compared, len(failures)))
    if compared == 0:
        print("report_vs_libbpf: nothing was compared", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
