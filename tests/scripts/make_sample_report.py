#!/usr/bin/env python3
"""Writes a btfgen-report (version 1) JSON document for the report page's tests, and what the page
must show for it.

  make_sample_report.py --kind sample|edge|large --out REPORT.json --expect EXPECT.json [--seed N]

  sample  3 distros, several versions each, 120 kernels, 10 programs of 5 objects: older kernels miss
          fields, a few poison, a few kernels failed or are hazards (the docs' screenshot).
  edge    the sample, plus what the page must survive: "</script>", "<!--" and U+2028 in strings,
          null and absent fields, a failed kernel with no programs, a program absent from a kernel,
          a program only in the summary, a path with no distro/version.
  large   3,000 kernels x 100 programs, no relocation lists (the page's scale).

The outcome of every cell is decided here first and the counts are written to match it, so the
expectations do not come from the rules the page applies (the page must arrive at them).
"""
import argparse
import json
import random

OUTCOMES = ["clean", "missing", "poisoned", "failed"]

OBJECTS = ["libbpf-tools/execsnoop.bpf.o", "libbpf-tools/opensnoop.bpf.o", "libbpf-tools/biolatency.bpf.o",
           "libbpf-tools/tcpconnect.bpf.o", "libbpf-tools/runqlat.bpf.o"]
PROGRAMS = [
    (0, "tracepoint__syscalls__sys_enter_execve", "tracepoint/syscalls/sys_enter_execve"),
    (0, "tracepoint__syscalls__sys_exit_execve", "tracepoint/syscalls/sys_exit_execve"),
    (1, "tracepoint__syscalls__sys_enter_openat", "tracepoint/syscalls/sys_enter_openat"),
    (1, "tracepoint__syscalls__sys_exit_openat", "tracepoint/syscalls/sys_exit_openat"),
    (2, "block_rq_insert", "tp_btf/block_rq_insert"),
    (2, "block_rq_complete", "tp_btf/block_rq_complete"),
    (3, "tcp_v4_connect", "kprobe/tcp_v4_connect"),
    (3, "tcp_v4_connect_ret", "kretprobe/tcp_v4_connect"),
    (4, "sched_wakeup", "tp_btf/sched_wakeup"),
    (4, "sched_switch", "tp_btf/sched_switch"),
]
FIELDS = [("task_struct", "task_struct.loginuid", "0:58"), ("task_struct", "task_struct.real_parent", "0:70"),
          ("request", "request.rq_disk", "0:12"), ("sock", "sock.__sk_common.skc_daddr", "0:0:0:1"),
          ("task_struct", "task_struct.__state", "0:1"), ("block_device", "block_device.bd_disk", "0:9"),
          ("bio", "bio.bi_bdev", "0:3"), ("inode", "inode.i_ino", "0:11")]
KINDS = ["field_byte_offset", "field_exists", "field_byte_size", "type_exists", "enumval_exists"]

SAMPLE_DISTROS = [("centos", [("7", 16), ("8", 10)]),
                  ("fedora", [("31", 6), ("34", 8), ("36", 10)]),
                  ("ubuntu", [("18.04", 26), ("20.04", 24), ("22.04", 20)])]


def kernel_paths(distros, arch):
    paths = []
    for distro, versions in distros:
        for version, count in versions:
            for i in range(count):
                paths.append((f"{distro}/{version}/{arch}/{kernel_name(distro, version, i)}.btf", distro, version))
    return paths


def kernel_name(distro, version, i):
    if distro == "centos":
        return f"3.10.0-{1062 + 13 * i}.el7.x86_64" if version == "7" else f"4.18.0-{80 + 25 * i}.el8.x86_64"
    if distro == "fedora":
        base = {"31": "5.3", "34": "5.11", "36": "5.17"}.get(version, "6.1")
        return f"{base}.{i + 5}-{200 + i}.fc{version}.x86_64"
    base = {"16.04": "4.4.0", "18.04": "4.15.0", "20.04": "5.4.0", "22.04": "5.15.0"}.get(version, "6.2.0")
    return f"{base}-{10 + 7 * i}-generic"


def decide(rng, age, sensitivity):
    """The outcome of one program on one (ok) kernel: older kernels miss more, a few poison."""
    roll = rng.random()
    if roll < 0.04 * sensitivity:
        return "poisoned"
    if roll < (0.55 if age == 0 else 0.12 if age == 1 else 0.02) * sensitivity:
        return "missing"
    return "clean"


def relocations_for(rng, obj, name, section, counts, marks):
    relos = []
    index = 0
    for result in ("resolved", "missing", "poisoned"):
        for _ in range(counts[result]):
            type_name, field, access = rng.choice(FIELDS)
            kind = rng.choice(KINDS)
            relo = {"object": obj, "section": section, "index": index, "program": name, "kind": kind,
                    "type": type_name, "access": access, "field": field if kind.startswith("field") else None,
                    "result": result, "value": rng.randrange(0, 4096) if result == "resolved" else None,
                    "target_type": type_name if result != "missing" else None}
            if marks and result != "resolved":
                relo["field"] = marks
            if result == "missing" and index % 3 == 0:
                del relo["target_type"]  # absent, not null
            relos.append(relo)
            index += 1
    return relos


def build(kind, seed):
    rng = random.Random(seed)
    arch = "x86_64"
    if kind == "large":
        distros = [("centos", [("7", 250), ("8", 250)]), ("fedora", [(str(v), 100) for v in range(29, 39)]),
                   ("ubuntu", [(v, 250) for v in ("16.04", "18.04", "20.04", "22.04")]),
                   ("amzn", [("2", 500)]), ("debian", [("10", 250), ("11", 250)])]
        objects = [f"libbpf-tools/tool{i:02d}.bpf.o" for i in range(25)]
        programs = [(i // 4, f"prog_{i:03d}", f"kprobe/func_{i:03d}") for i in range(100)]
    else:
        distros = SAMPLE_DISTROS
        objects = list(OBJECTS)
        programs = list(PROGRAMS)
    paths = kernel_paths(distros, arch)
    sensitivity = [rng.choice([0.2, 0.6, 1.0, 1.4]) for _ in programs]
    with_relos = kind != "large"
    marks = "</script><script>document.body.dataset.pwned=1</script><!--" if kind == "edge" else None

    kernels = []
    grid = []  # grid[k][p]: the outcome decided for program p on kernel k
    for k, (path, distro, version) in enumerate(paths):
        versions = [v for d, vs in distros if d == distro for v, _ in vs]
        age = versions.index(version) if len(versions) > 1 else 2
        failed = rng.random() < 0.025 or (kind != "large" and k in (21, 57))
        kernel = {"path": path, "status": "failed" if failed else "ok",
                  "error": "BTF: invalid type section" if failed else None, "hazard": False, "hazards": [],
                  "programs": [], "relocations": []}
        row = []
        for p, (obj, name, section) in enumerate(programs):
            if failed:
                row.append("failed")
                continue
            outcome = decide(rng, age, sensitivity[p])
            row.append(outcome)
            counts = {"resolved": rng.randrange(4, 14), "missing": 0, "poisoned": 0}
            if outcome == "missing":
                counts["missing"] = rng.randrange(1, 4)
            elif outcome == "poisoned":
                counts["poisoned"] = rng.randrange(1, 3)
                counts["missing"] = rng.randrange(0, 2)  # poisoned wins over missing
            kernel["programs"].append({"object": obj, "name": name, "section": section, **counts})
            if with_relos:
                kernel["relocations"] += relocations_for(rng, obj, name, section, counts, marks)
        if failed:
            kernel["programs"] = [] if k % 2 else None  # empty or null: both mean every cell failed
        elif rng.random() < 0.06:
            p = rng.randrange(len(programs))
            obj, name, section = programs[p]
            kernel["hazard"] = True
            kernel["hazards"].append({"object": obj, "section": section, "index": 1, "field": "task_struct.loginuid",
                                      "full": {"result": "resolved", "value": 8, "target_type": "task_struct"},
                                      "minimized": {"result": "poisoned", "value": None, "target_type": None}})
        kernels.append(kernel)
        grid.append(row)

    if kind == "edge":
        # A program absent from one ok kernel's list: that cell is failed.
        victim = next(k for k, kern in enumerate(kernels) if kern["status"] == "ok")
        kernels[victim]["programs"] = [p for p in kernels[victim]["programs"] if p["name"] != programs[3][1]]
        grid[victim][3] = "failed"
        # Error text with a line separator and an HTML comment opener, and a kernel with no path.
        kernels.append({"path": "custom-vmlinux.btf", "status": "failed",
                        "error": "cannot open: \u2028<!-- no such file -->", "programs": []})
        grid.append(["failed"] * len(programs))
        # A hazard kernel marked by its list only (no "hazard" field), with fields left out.
        kernels.append({"path": "ubuntu/22.04/x86_64/5.19.0-99-generic.btf", "status": "ok",
                        "hazards": [{"object": 0, "section": programs[0][2], "index": 0, "full": "resolved",
                                     "minimized": "missing"}],
                        "programs": [{"object": obj, "name": name, "section": section, "resolved": 3}
                                     for obj, name, section in programs]})
        grid.append(["clean"] * len(programs))
        # A program only the summary knows: failed on every kernel.
        programs.append((1, "ghost </script> prog", "kprobe/ghost"))
        for row in grid:
            row.append("failed")

    summary = []
    for p, (obj, name, section) in enumerate(programs):
        entry = {"object": obj, "name": name, "section": section}
        for outcome in OUTCOMES:
            entry[outcome] = sum(1 for row in grid if row[p] == outcome)
        summary.append(entry)
    report = {"format": "btfgen-report", "version": 1, "arch": arch, "objects": objects, "kernels": kernels,
              "summary": summary}

    expect = {"rows": len(programs), "cols": len(kernels), "cells": len(programs) * len(kernels),
              "hazard_kernels": sum(1 for k in kernels if k.get("hazard") or k.get("hazards"))}
    for outcome in OUTCOMES:
        expect[outcome] = sum(row.count(outcome) for row in grid)
    # The first cell of the heatmap (the first kernel in path order, the first program).
    expect["first_cell"] = {"path": kernels[0]["path"], "outcome": grid[0][0], "label": programs[0][1]}
    # The detail to open with #cell=R,C: the first cell with relocations that did not resolve.
    for k, row in enumerate(grid):
        p = next((p for p, o in enumerate(row) if o in ("missing", "poisoned")), None)
        if p is not None and with_relos:
            relos = [r for r in kernels[k]["relocations"] if r["program"] == programs[p][1]]
            expect["detail"] = {"row": p, "col": k, "path": kernels[k]["path"], "label": programs[p][1],
                                "listed": len(relos),
                                "not_resolved": sum(1 for r in relos if r["result"] != "resolved")}
            break
    return report, expect


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=["sample", "edge", "large"], default="sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True)
    parser.add_argument("--expect", required=True)
    args = parser.parse_args()
    report, expect = build(args.kind, args.seed)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, separators=(",", ":"))
    with open(args.expect, "w", encoding="utf-8") as f:
        json.dump(expect, f, indent=1)


if __name__ == "__main__":
    main()
