#!/usr/bin/env bash
# Tests scripts/fetch-archive.sh against a btfhub-like repository built here, served through file://
# (partial clone needs the transport protocol; a local path clone would copy or hardlink everything).
# Checks, for each case, that exactly the expected files are in the working tree and, the point of
# the script, that the blobs of every other arch/distro were never fetched into the clone.
#   bash tests/scripts/fetch_archive_test.sh [path/to/fetch-archive.sh]
# Exit 0: pass; 1: fail; 77: skipped (git missing or older than 2.35), but 1 when CI=true.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
script=${1:-$here/../../scripts/fetch-archive.sh}

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

command -v git >/dev/null 2>&1 || skip "git not found"
read -r gmaj gmin < <(git version | sed -n 's/^git version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
if ((${gmaj:-0} < 2 || (${gmaj:-0} == 2 && ${gmin:-0} < 35))); then
  skip "git >= 2.35 needed, found: $(git version)"
fi
[[ -f $script ]] || fail "no script at $script"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch_archive_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Isolated from the user's git configuration and from any enclosing repository's environment, and
# unable to reach the network: only file:// is allowed.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
  GIT_NAMESPACE GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_NO_LAZY_FETCH
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config GIT_CONFIG_NOSYSTEM=1
export GIT_ALLOW_PROTOCOL=file GIT_TERMINAL_PROMPT=0 LC_ALL=C
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
mkdir -p "$HOME"

# --- the source repository -------------------------------------------------------------------
src=$tmp/src
url=file://$src
git init -q -b main "$src"
git -C "$src" config uploadpack.allowFilter true
git -C "$src" config uploadpack.allowAnySHA1InWant true

add_files() {
  local f
  for f in "$@"; do
    mkdir -p "$src/$(dirname "$f")"
    head -c $((100 + RANDOM % 400)) /dev/urandom >"$src/$f"
  done
  git -C "$src" add -A
}

# Commit 1 (branch "old"): both arches and every spelling, a stray top-level 1/x86_64/, a distro
# whose name starts like another (ubuntu-esm), and a non-kernel directory.
printf '# test archive\n' >"$src/README.md"
add_files \
  tools/gen.sh \
  ubuntu/20.04/x86_64/5.4.0-42-generic.btf.tar.xz \
  ubuntu/20.04/x86_64/5.4.0-99-generic.btf.tar.xz \
  ubuntu/20.04/arm64/5.4.0-42-generic.btf.tar.xz \
  ubuntu/22.04/x86_64/5.15.0-25-generic.btf.tar.xz \
  ubuntu/22.04/arm64/5.15.0-25-generic.btf.tar.xz \
  ubuntu/24.04/aarch64/6.8.0-31-generic.btf.tar.xz \
  ubuntu-esm/18.04/arm64/4.15.0-1-generic.btf.tar.xz \
  centos/7/x86_64/3.10.0-1160.el7.x86_64.btf.tar.xz \
  centos/8/x86_64/4.18.0-305.el8.x86_64.btf.tar.xz \
  centos/8/aarch64/4.18.0-305.el8.aarch64.btf.tar.xz \
  fedora/34/x86_64/5.11.12-300.fc34.x86_64.btf.tar.xz \
  fedora/34/aarch64/5.11.12-300.fc34.aarch64.btf.tar.xz \
  amzn/2/x86_64/4.14.198-152.320.amzn2.x86_64.btf.tar.xz \
  amzn/2/arm64/4.14.198-152.320.amzn2.aarch64.btf.tar.xz \
  debian/11/amd64/5.10.0-8-amd64.btf.tar.xz \
  1/x86_64/4.14.104-95.84.amzn1.x86_64.btf.tar.xz
git -C "$src" commit -q -m one
old_commit=$(git -C "$src" rev-parse HEAD)
git -C "$src" branch old
# Commit 2 (main, the default branch): new kernels of both arches.
add_files \
  ubuntu/22.04/x86_64/5.15.0-40-generic.btf.tar.xz \
  ubuntu/22.04/arm64/5.15.0-40-generic.btf.tar.xz \
  centos/7/x86_64/3.10.0-1160.99.el7.x86_64.btf.tar.xz
git -C "$src" commit -q -m two
main_commit=$(git -C "$src" rev-parse HEAD)

# Every blob of the source (both commits), as "oid path" lines.
all_blobs=$tmp/all_blobs
for c in "$old_commit" "$main_commit"; do
  git -C "$src" ls-tree -r "$c" | awk '$2 == "blob" {print $3, $4}'
done | sort -u >"$all_blobs"
[[ $(wc -l <"$all_blobs") -eq 21 ]] || fail "test setup: expected 21 blobs in the source, got $(wc -l <"$all_blobs")"

# --- helpers -------------------------------------------------------------------------------------
log=$tmp/log
# run_script EXPECTED_STATUS ARGS...: runs the script, shows its output if the status differs.
run_script() {
  local want=$1 rc=0
  shift
  (cd "$tmp" && bash "$script" "$@") >"$log" 2>&1 || rc=$?
  if [[ $rc -ne $want ]]; then
    sed 's/^/  | /' "$log" >&2
    fail "fetch-archive.sh $* exited $rc, expected $want"
  fi
}

# check_checkout NAME DIR COMMIT WANTED_FILE EVER_FILE: the working tree of DIR holds exactly README.md
# and the kernels listed in WANTED_FILE (paths, one a line), at COMMIT, with the source's contents;
# and no blob of the source outside EVER_FILE (every path ever checked out in DIR) is in DIR's
# object store.
check_checkout() {
  local name=$1 dir=$2 commit=$3 wanted=$4 ever=$5
  [[ -d $dir/.git || -f $dir/.git ]] || fail "$name: not a git checkout"

  # Exactly the expected files in the working tree.
  (cd "$dir" && find . -path ./.git -prune -o \( -type f -o -type l \) -print | sed 's,^\./,,' | sort) >"$tmp/have"
  { echo README.md; cat "$wanted"; } | sort >"$tmp/want"
  if ! diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
    sed 's/^/  /' "$tmp/diff" >&2
    fail "$name: working tree differs from the expected files (- expected, + present)"
  fi
  [[ $(git -C "$dir" rev-parse HEAD) == "$commit" ]] || fail "$name: HEAD is not $commit"
  [[ -z $(git -C "$dir" status --porcelain) ]] || fail "$name: git status is not clean: $(git -C "$dir" status --porcelain)"
  # Contents: the blob ids of the files on disk are the source's, at COMMIT.
  git -C "$src" ls-tree -r "$commit" | awk '$2 == "blob" {print $4, $3}' | sort >"$tmp/commit_blobs"
  join "$tmp/want" "$tmp/commit_blobs" >"$tmp/want_blobs"
  [[ $(wc -l <"$tmp/want_blobs") -eq $(wc -l <"$tmp/want") ]] || fail "$name: test bug: wanted paths not at $commit"
  (cd "$dir" && cut -d' ' -f1 "$tmp/want_blobs" | git hash-object --stdin-paths) >"$tmp/disk_oids"
  if ! cut -d' ' -f2 "$tmp/want_blobs" | cmp -s - "$tmp/disk_oids"; then
    fail "$name: checked-out contents differ from the source's"
  fi

  # Nothing outside the selection was ever fetched. --batch-all-objects lists only local objects
  # and never fetches; the cat-file -e probes run with lazy fetching off and no transport allowed,
  # so that they cannot fetch what they look for.
  [[ $(git -C "$dir" config --get remote.origin.promisor) == true ]] || fail "$name: not a partial clone"
  [[ $(git -C "$dir" rev-parse --is-shallow-repository) == true ]] || fail "$name: not a shallow clone"
  git -C "$dir" cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)' 2>/dev/null |
    awk '$2 == "blob" {print $1}' | sort >"$tmp/local_blobs"
  # Excluded: every blob of the source (any commit) whose path was never selected in DIR.
  awk 'NR == FNR {ever[$0] = 1; next} !($2 in ever) && $2 != "README.md"' "$ever" "$all_blobs" >"$tmp/excluded"
  local excluded oid path
  excluded=$(wc -l <"$tmp/excluded")
  [[ $excluded -gt 0 ]] || fail "$name: test bug: nothing excluded"
  while read -r oid path; do
    if grep -qxF "$oid" "$tmp/local_blobs"; then
      fail "$name: blob $oid of excluded $path was fetched into the clone"
    fi
    if GIT_NO_LAZY_FETCH=1 GIT_ALLOW_PROTOCOL=none git -C "$dir" cat-file -e "$oid" 2>/dev/null; then
      fail "$name: blob $oid of excluded $path is present in the clone"
    fi
  done <"$tmp/excluded"
  # The wanted ones are there (so the check above is not vacuous).
  while read -r path oid; do
    grep -qxF "$oid" "$tmp/local_blobs" || fail "$name: blob of wanted $path is not in the object store"
  done <"$tmp/want_blobs"
  # The script's report.
  local n
  n=$(wc -l <"$wanted")
  grep -qE "checked out $n kernel files? at" "$log" || {
    sed 's/^/  | /' "$log" >&2
    fail "$name: the script did not report 'checked out $n kernel files'"
  }
  echo "ok: $name: $n kernel files at ${commit:0:7}, $excluded excluded blobs never fetched"
}

# paths_at COMMIT ERE: the source's paths at COMMIT matching ERE, one a line.
paths_at() { git -C "$src" ls-tree -r --name-only "$1" | grep -E "$2" | sort || true; }

# --- (a) one arch, every distro ----------------------------------------------------------------
run_script 0 --arch x86_64 --repo "$url" a
grep -q -- '--filter=blob:none --no-checkout --depth 1' "$log" || fail "(a): no blobless shallow clone in the output"
cat >"$tmp/a.want" <<'EOF'
1/x86_64/4.14.104-95.84.amzn1.x86_64.btf.tar.xz
amzn/2/x86_64/4.14.198-152.320.amzn2.x86_64.btf.tar.xz
centos/7/x86_64/3.10.0-1160.99.el7.x86_64.btf.tar.xz
centos/7/x86_64/3.10.0-1160.el7.x86_64.btf.tar.xz
centos/8/x86_64/4.18.0-305.el8.x86_64.btf.tar.xz
debian/11/amd64/5.10.0-8-amd64.btf.tar.xz
fedora/34/x86_64/5.11.12-300.fc34.x86_64.btf.tar.xz
ubuntu/20.04/x86_64/5.4.0-42-generic.btf.tar.xz
ubuntu/20.04/x86_64/5.4.0-99-generic.btf.tar.xz
ubuntu/22.04/x86_64/5.15.0-25-generic.btf.tar.xz
ubuntu/22.04/x86_64/5.15.0-40-generic.btf.tar.xz
EOF
[[ $(paths_at "$main_commit" '(^|/)(x86_64|amd64)/') == "$(cat "$tmp/a.want")" ]] || fail "test bug: a.want"
check_checkout "(a) --arch x86_64" "$tmp/a" "$main_commit" "$tmp/a.want" "$tmp/a.want"

# --- (b) the other arch family, one distro -----------------------------------------------------
run_script 0 --arch arm64 --include 'ubuntu/*' --repo "$url" b
cat >"$tmp/b.want" <<'EOF'
ubuntu/20.04/arm64/5.4.0-42-generic.btf.tar.xz
ubuntu/22.04/arm64/5.15.0-25-generic.btf.tar.xz
ubuntu/22.04/arm64/5.15.0-40-generic.btf.tar.xz
ubuntu/24.04/aarch64/6.8.0-31-generic.btf.tar.xz
EOF
check_checkout "(b) --arch arm64 --include 'ubuntu/*'" "$tmp/b" "$main_commit" "$tmp/b.want" "$tmp/b.want"

# --- (c) re-run on the existing checkout (b) with other patterns: no reclone -------------------
echo marker >"$tmp/b/.git/fetch-archive-test-marker"
run_script 0 --arch amd64 --include 'centos/*' --include 1 --repo "$url" b
grep -q 'already a git checkout' "$log" || fail "(c): the script did not say it reused the checkout"
grep -q 'git clone' "$log" && fail "(c): the script recloned an existing checkout"
[[ -f $tmp/b/.git/fetch-archive-test-marker ]] || fail "(c): the existing .git was replaced"
cat >"$tmp/c.want" <<'EOF'
1/x86_64/4.14.104-95.84.amzn1.x86_64.btf.tar.xz
centos/7/x86_64/3.10.0-1160.99.el7.x86_64.btf.tar.xz
centos/7/x86_64/3.10.0-1160.el7.x86_64.btf.tar.xz
centos/8/x86_64/4.18.0-305.el8.x86_64.btf.tar.xz
EOF
sort -u "$tmp/b.want" "$tmp/c.want" >"$tmp/bc.ever"
check_checkout "(c) re-run on (b): --arch amd64 --include 'centos/*' --include 1" "$tmp/b" "$main_commit" "$tmp/c.want" "$tmp/bc.ever"

# --- (d) --ref: a branch and a commit id, fresh; a commit id on an existing checkout ----------
run_script 0 --arch aarch64 --include 'ubuntu/2?.04' --include 'amzn' --ref old --repo "$url" d1
paths_at "$old_commit" '^(ubuntu/2[0-9]\.04|amzn/[^/]+)/(arm64|aarch64)/' >"$tmp/d1.want"
[[ $(wc -l <"$tmp/d1.want") -eq 4 ]] || fail "test bug: d1.want"
check_checkout "(d1) --ref old (a branch)" "$tmp/d1" "$old_commit" "$tmp/d1.want" "$tmp/d1.want"

run_script 0 --arch x86_64 --include 'fedora/34' --include 'centos/7' --ref "$old_commit" --repo "$url" d2
paths_at "$old_commit" '^(fedora/34|centos/7)/x86_64/' >"$tmp/d2.want"
[[ $(wc -l <"$tmp/d2.want") -eq 2 ]] || fail "test bug: d2.want"
check_checkout "(d2) --ref <commit id>" "$tmp/d2" "$old_commit" "$tmp/d2.want" "$tmp/d2.want"

run_script 0 --arch x86_64 --include 'ubuntu/*' --ref "$old_commit" a
grep -q 'git clone' "$log" && fail "(d3): the script recloned an existing checkout"
paths_at "$old_commit" '^ubuntu/[^/]+/x86_64/' >"$tmp/d3.want"
sort -u "$tmp/a.want" "$tmp/d3.want" >"$tmp/d3.ever"
check_checkout "(d3) --ref <commit id> on the existing (a)" "$tmp/a" "$old_commit" "$tmp/d3.want" "$tmp/d3.ever"

# --- (e) submodules: an uninitialised submodule directory (inside a superproject) is cloned into,
# never mistaken for the superproject; an initialised one is reused. --------------------------
super=$tmp/super
git init -q -b main "$super"
git -C "$super" -c protocol.file.allow=always submodule --quiet add "$url" btfhub-archive
git -C "$super" commit -q -m "add submodule"
git clone -q "$super" "$tmp/super2"
[[ -d $tmp/super2/btfhub-archive && -z $(ls -A "$tmp/super2/btfhub-archive") ]] ||
  fail "test setup: super2/btfhub-archive is not an empty, uninitialised submodule directory"
run_script 0 --arch arm64 --include 'ubuntu/*' --repo "$url" super2/btfhub-archive
[[ -z $(git -C "$tmp/super2" config --get core.sparseCheckout || true) ]] ||
  fail "(e): the superproject was made sparse"
[[ -d $tmp/super2/btfhub-archive/.git ]] || fail "(e): no clone in the uninitialised submodule directory"
grep -q 'submodule path' "$log" || fail "(e): no note about the submodule path"
check_checkout "(e) uninitialised submodule directory" "$tmp/super2/btfhub-archive" "$main_commit" "$tmp/b.want" "$tmp/b.want"

run_script 0 --arch x86_64 --include 'centos/*' super/btfhub-archive # initialised: .git is a file
grep -q 'already a git checkout' "$log" || fail "(e): the initialised submodule was not reused"
(cd "$super/btfhub-archive" && find . -path ./.git -prune -o -type f -print | sed 's,^\./,,' | sort) >"$tmp/have"
{ echo README.md; paths_at "$main_commit" '^centos/[^/]+/x86_64/'; } | sort >"$tmp/want"
diff -u "$tmp/want" "$tmp/have" >&2 || fail "(e): wrong files in the initialised submodule"
echo "ok: initialised and uninitialised submodule directories"

# --- (f) bad arguments (exit 2), nothing matched (exit 1), --help ------------------------------
mkdir -p "$tmp/notgit" && echo x >"$tmp/notgit/file"
run_script 2 --repo "$url" f                                      # no --arch
run_script 2 --arch                                               # no value
run_script 2 --arch x86_64 --bogus f
run_script 2 --arch 'x86_64/ubuntu' f
run_script 2 --arch x86_64 --include '' f
run_script 2 --arch x86_64 --include '../ubuntu' f
run_script 2 --arch x86_64 --include 'ubuntu/20.04/x86_64' f
run_script 2 --arch x86_64 --include '!ubuntu' f
run_script 2 --arch x86_64 f g                                    # two DIRs
run_script 2 --arch x86_64 --repo "$url" notgit                   # not empty, not a checkout
run_script 2 --arch x86_64 super                                  # a checkout, not an archive
[[ -z $(git -C "$super" config --get core.sparseCheckout || true) ]] || fail "(f): a non-archive checkout was made sparse"
[[ ! -e $tmp/f && ! -e $tmp/g ]] || fail "(f): a bad invocation created a directory"
run_script 1 --arch x86_64 --include 'nosuchdistro/*' --repo "$url" f
grep -q 'no kernel file matched' "$log" || fail "(f): no 'no kernel file matched' error"
run_script 0 --help
if ! grep -q '^Usage: ' "$log" || ! grep -q -- '--include GLOB' "$log"; then fail "--help does not show the usage"; fi
echo "ok: argument errors exit 2, no match exits 1, --help"

echo "PASS: fetch-archive.sh (git $(git version | cut -d' ' -f3))"
