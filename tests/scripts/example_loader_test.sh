#!/usr/bin/env bash
# The end-to-end example must load into the running kernel with the BTF btfgen embedded in it:
#   example_loader_test.sh LOADER OBJECT [WHY_SKIPPED]
# Needs root and a kernel that loads BPF programs: elsewhere it is skipped (exit 77) with the
# reason, except under CI=true, where that is a failure.
set -uo pipefail
loader=$1 object=$2 skipped=${3:-}
skip() {
  if [[ ${CI:-} == true ]]; then echo "FAIL: required in CI (CI=true): $*"; exit 1; fi
  echo "SKIP: $*"; exit 77
}
[[ -z $skipped ]] || skip "$skipped"
[[ $(id -u) == 0 ]] || skip "loading BPF programs needs root"

# The kernel has its own BTF here; the override makes the loader use the embedded one, as on a
# kernel without /sys/kernel/btf/vmlinux.
out=$(BTFGEN_IGNORE_KERNEL_BTF=1 "$loader" "$object" 2>&1); status=$?
echo "$out"
[[ $status == 0 ]] || { echo "FAIL: the loader exited $status"; exit 1; }
grep -q '^btf: a) ' <<<"$out" || { echo "FAIL: the embedded BTF was not chosen by rule a) for this host"; exit 1; }
grep -q '^loaded 1 program(s) into the kernel$' <<<"$out" || { echo "FAIL: the program did not load"; exit 1; }
grep -q '^relocated against the embedded BTF' <<<"$out" || { echo "FAIL: libbpf did not relocate with the embedded BTF"; exit 1; }

# The path really is what libbpf reads: a forced file that does not exist fails the load.
if BTFGEN_BTF_FILE=/nonexistent/vmlinux.btf "$loader" "$object" >/dev/null 2>&1; then
  echo "FAIL: the loader loaded with a BTF file that does not exist"; exit 1
fi
echo "ok: loaded with the embedded BTF"
