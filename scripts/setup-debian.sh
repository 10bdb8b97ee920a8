#!/usr/bin/env bash
# Installs everything btfgen needs to build and test on Debian 12 (bookworm), from Debian packages only.
set -euo pipefail
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libbpf-dev libelf-dev zlib1g-dev libcli11-dev libfmt-dev libspdlog-dev libarchive-dev nlohmann-json3-dev libssl-dev libzstd-dev \
  googletest libgtest-dev \
  linux-libc-dev clang-19 llvm-19 libclang-rt-19-dev clang-format-19 clang-tidy-19 bpftool xz-utils zstd tar python3 bc hyperfine time \
  chromium fonts-dejavu-core
