#!/usr/bin/env bash
# Checks out only the part of a btfhub-archive that a build needs: one arch family, optionally a few
# <distro>/<version> directories. A blobless (--filter=blob:none), shallow (--depth 1) clone with no
# checkout, then a non-cone sparse checkout: only the blobs (kernel tarballs) of the selected
# directories are ever fetched, instead of the whole archive (aquasecurity/btfhub-archive is 7.6 GB).
# Run with --help for usage. Needs git >= 2.35 (`git sparse-checkout set --no-cone`).
set -euo pipefail

prog=fetch-archive
default_repo=https://github.com/aquasecurity/btfhub-archive.git

usage() {
  cat <<'EOF'
Usage: scripts/fetch-archive.sh --arch ARCH [--include GLOB]... [--repo URL] [--ref REF] [DIR]

Checks out only the kernels of one arch family (and optionally some <distro>/<version>
directories) of a btfhub-archive, laid out as <distro>/<version>/<arch>/<kernel>.btf.tar.xz.

  --arch ARCH     arch family to check out (required; may be repeated). Every spelling of the
                  family is included: x86_64|x86|amd64 -> x86_64/, x86/, amd64/;
                  arm64|aarch64 -> arm64/, aarch64/. Other names are used as given (e.g. s390x).
  --include GLOB  only <distro>/<version> directories matching GLOB (git wildmatch: '*' does not
                  cross '/'), e.g. 'ubuntu/*', 'centos/7', 'amzn' (= every amzn version).
                  May be repeated. Default: every distro and version, at any depth (btfhub also
                  has a stray top-level 1/x86_64/).
  --repo URL      repository to clone (default https://github.com/aquasecurity/btfhub-archive.git)
  --ref REF       branch, tag or full commit id to check out (default: the remote's default
                  branch; for an existing checkout: keep its current commit)
  DIR             where to check out (default ./btfhub-archive)
  -h, --help      this help

If DIR does not exist (or is an empty directory, such as an uninitialised submodule), it is cloned:
  git clone --filter=blob:none --no-checkout --depth 1 --sparse [--branch REF] URL DIR
  git -C DIR sparse-checkout set --no-cone PATTERN...
  git -C DIR checkout
so only the selected kernels' blobs are downloaded. If DIR already is a git checkout of an archive
(e.g. the initialised btfhub-archive submodule), it is not recloned: only its sparse patterns are
replaced (files outside them leave the working tree) and, with --ref, the commit is fetched and
checked out. The files at the archive's top level (README...) are always checked out.

Examples:
  scripts/fetch-archive.sh --arch x86_64
  scripts/fetch-archive.sh --arch arm64 --include 'ubuntu/*'
  scripts/fetch-archive.sh --arch x86_64 --include 'centos/*' --include 'rhel/*' btfhub-archive

To widen the checkout later, run again with other options (nothing is recloned).
`git -C DIR sparse-checkout disable` checks out everything (and downloads everything).
Exit status: 0 on success, 1 if git fails or nothing matched, 2 for bad arguments.
EOF
}

die_usage() {
  echo "$prog: $*" >&2
  echo "$prog: see '$0 --help'" >&2
  exit 2
}
die() {
  echo "$prog: error: $*" >&2
  exit 1
}
say() { echo "$prog: $*"; }
# Prints a git command, then runs it.
run_git() {
  local a line="git"
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
  done
  echo "$prog: \$ $line"
  git "$@"
}
plural() { if [[ $1 -eq 1 ]]; then echo "$1 $2"; else echo "$1 ${2}s"; fi; }

arches=()
includes=()
repo=$default_repo
ref=
dir=
dir_given=0

need_value() { [[ $# -ge 2 && -n $2 ]] || die_usage "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --arch) need_value "$@"; arches+=("$2"); shift 2 ;;
    --arch=*) arches+=("${1#*=}"); shift ;;
    --include) need_value "$@"; includes+=("$2"); shift 2 ;;
    --include=*) includes+=("${1#*=}"); shift ;;
    --repo) need_value "$@"; repo=$2; shift 2 ;;
    --repo=*) repo=${1#*=}; shift ;;
    --ref) need_value "$@"; ref=$2; shift 2 ;;
    --ref=*) ref=${1#*=}; shift ;;
    --) shift; break ;;
    -*) die_usage "unknown option '$1'" ;;
    *)
      [[ $dir_given == 0 ]] || die_usage "more than one DIR given ('$dir', '$1')"
      dir=$1; dir_given=1; shift ;;
  esac
done
if [[ $# -gt 0 ]]; then
  [[ $dir_given == 0 && $# -eq 1 ]] || die_usage "more than one DIR given"
  dir=$1; dir_given=1
fi
[[ -n $dir ]] || dir=./btfhub-archive
[[ ${#arches[@]} -gt 0 ]] || die_usage "--arch is required (e.g. --arch x86_64 or --arch arm64)"
[[ -n $repo ]] || die_usage "--repo is empty"
if [[ -n $ref && ( $ref == -* || $ref =~ [[:space:]] ) ]]; then
  die_usage "bad --ref '$ref'"
fi

# Arch spellings, family by family, in a stable order without duplicates.
spellings=()
add_spelling() {
  local s
  for s in "${spellings[@]+"${spellings[@]}"}"; do [[ $s == "$1" ]] && return 0; done
  spellings+=("$1")
}
for a in "${arches[@]}"; do
  [[ $a =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] ||
    die_usage "bad --arch '$a' (an arch directory name, like x86_64 or arm64)"
  case ${a,,} in
    x86_64 | x86 | amd64) add_spelling x86_64; add_spelling x86; add_spelling amd64 ;;
    arm64 | aarch64) add_spelling arm64; add_spelling aarch64 ;;
    *)
      echo "$prog: note: '$a' is not a known arch family (x86_64|x86|amd64, arm64|aarch64); using it as given" >&2
      add_spelling "$a" ;;
  esac
done

# --include globs: <distro> or <distro>/<version> prefixes, as git wildmatch patterns.
prefixes=()
include_re='^[][A-Za-z0-9._*?/!-]+$'
for g in "${includes[@]+"${includes[@]}"}"; do
  p=$g
  while [[ $p == /* ]]; do p=${p#/}; done
  while [[ $p == */ ]]; do p=${p%/}; done
  [[ -n $p ]] || die_usage "empty --include '$g'"
  [[ $p =~ $include_re ]] ||
    die_usage "bad --include '$g' (letters, digits, . _ - and glob characters * ? [ ] only)"
  [[ $p != !* ]] || die_usage "bad --include '$g' (negation is not supported)"
  [[ /$p/ != */../* && /$p/ != */./* && $p != *//* ]] || die_usage "bad --include '$g' (. or .. or empty component)"
  IFS=/ read -r -a parts <<<"$p"
  [[ ${#parts[@]} -le 2 ]] ||
    die_usage "bad --include '$g': it matches <distro>/<version> (the arch comes from --arch)"
  prefixes+=("$p")
done

# Non-cone patterns: the top-level files, then every arch directory wanted, at any depth below the
# selected prefixes ('**/' also matches no directory at all, so /ubuntu/*/**/arm64/ is
# ubuntu/<version>/arm64/ plus deeper ones; /**/x86_64/ covers the stray top-level 1/x86_64/).
patterns=('/*' '!/*/')
for s in "${spellings[@]}"; do
  if [[ ${#prefixes[@]} -eq 0 ]]; then
    patterns+=("/**/$s/")
  else
    for p in "${prefixes[@]}"; do patterns+=("/$p/**/$s/"); done
  fi
done

command -v git >/dev/null 2>&1 || die "git not found (install git >= 2.35)"
gitver=$(git version | sed -n 's/^git version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r gmaj gmin <<<"${gitver:-0 0}"
if ((gmaj < 2 || (gmaj == 2 && gmin < 35))); then
  die "git >= 2.35 needed (sparse-checkout set --no-cone), found: $(git version)"
fi

# Counts what is checked out: kernel files (and <distro>/<version>/<arch> directories) per arch.
report() {
  local d=$1 files kernels=0 others=0 f
  files=$(git -C "$d" ls-files -t | sed -n 's/^H //p')
  while IFS= read -r f; do
    [[ -n $f ]] || continue
    if [[ $f == */* ]]; then
      if [[ $f =~ \.btf(\.tar\.[A-Za-z0-9]+)?$ ]]; then kernels=$((kernels + 1)); else others=$((others + 1)); fi
    fi
  done <<<"$files"
  say "checked out $(plural "$kernels" "kernel file") at $(git -C "$d" rev-parse --short HEAD) in $d"
  local s n dirs
  for s in "${spellings[@]}"; do
    n=$(grep -cE "(^|/)$s/[^/]+\.btf(\.tar\.[A-Za-z0-9]+)?\$" <<<"$files" || true)
    [[ $n -gt 0 ]] || continue
    dirs=$(grep -E "(^|/)$s/[^/]+\$" <<<"$files" | sed 's,/[^/]*$,,' | sort -u | wc -l)
    say "  $s: $(plural "$n" "kernel file") in $(plural "$dirs" directory | sed 's/ys$/ies/')"
  done
  [[ $others -eq 0 ]] || say "  and $(plural "$others" "other file") below the arch directories"
  local gitdir
  gitdir=$(git -C "$d" rev-parse --absolute-git-dir)
  say "object store: $(du -sh "$gitdir" 2>/dev/null | cut -f1) ($gitdir)"
  if [[ $kernels -eq 0 ]]; then
    echo "$prog: error: no kernel file matched --arch ${arches[*]}${includes[*]+ --include ${includes[*]}}" >&2
    echo "$prog: (archive directories are <distro>/<version>/<arch>; see 'git -C $d ls-tree -d --name-only HEAD')" >&2
    exit 1
  fi
}

is_sha() { [[ $1 =~ ^[0-9a-f]{40}$ || $1 =~ ^[0-9a-f]{64}$ ]]; }

# Is DIR itself the top of a git checkout (not merely inside one, like an uninitialised submodule
# directory inside the superproject)?
existing=0
if [[ -e $dir ]]; then
  [[ -d $dir ]] || die_usage "DIR '$dir' exists and is not a directory"
  abs_dir=$(cd "$dir" && pwd -P)
  top=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null || true)
  if [[ -n $top && $(cd "$top" && pwd -P) == "$abs_dir" ]]; then
    existing=1
  elif [[ -n $(ls -A "$dir") ]]; then
    die_usage "DIR '$dir' exists, is not empty and is not a git checkout"
  fi
fi

if [[ $existing == 1 ]]; then
  # Refuse to sparsify a repository that is not an archive (e.g. '.' run from btfgen's own tree).
  if ! git -C "$dir" rev-parse --verify -q HEAD >/dev/null; then
    die "'$dir' is a git repository without any commit; not an archive checkout"
  fi
  arch_dirs="x86_64|x86|amd64|arm64|aarch64$(printf '|%s' "${spellings[@]}")"
  if ! git -C "$dir" ls-tree -r --name-only HEAD |
    grep -qE "(^|/)($arch_dirs)/[^/]+\.btf(\.tar\.[A-Za-z0-9]+)?\$"; then
    die_usage "'$dir' is a git checkout with no <arch>/<kernel>.btf* file at HEAD: not a btfhub-archive; refusing to change its sparse checkout"
  fi
  say "'$dir' is already a git checkout: updating its sparse patterns, no reclone"
  [[ $repo == "$default_repo" ]] || say "note: --repo is ignored for an existing checkout (it fetches from its own remote)"
  if [[ $(git -C "$dir" config --get remote.origin.promisor || true) != true ]]; then
    say "note: not a partial clone: its blobs are all local already; only the working tree shrinks"
  fi
  run_git -C "$dir" sparse-checkout set --no-cone "${patterns[@]}"
  if [[ -n $ref ]]; then
    remote=$(git -C "$dir" remote | head -n1)
    [[ -n $remote ]] || die "'$dir' has no remote to fetch --ref '$ref' from"
    if [[ $(git -C "$dir" config --get "remote.$remote.promisor" || true) == true ]]; then
      run_git -C "$dir" fetch --depth 1 "$remote" "$ref"
    else
      run_git -C "$dir" fetch --filter=blob:none --depth 1 "$remote" "$ref"
    fi
    run_git -C "$dir" checkout --detach FETCH_HEAD
  else
    run_git -C "$dir" checkout
  fi
  report "$dir"
  exit 0
fi

say "cloning $repo (${ref:-default branch}) into $dir: no blobs until checkout, depth 1, sparse"
clone_args=(clone --filter=blob:none --no-checkout --depth 1 --sparse)
if [[ -n $ref ]] && ! is_sha "$ref"; then clone_args+=(--branch "$ref"); fi
run_git "${clone_args[@]}" -- "$repo" "$dir"
if [[ -n $ref ]] && is_sha "$ref"; then
  # A commit id cannot be cloned by name: fetch it (the server must allow it, as GitHub does).
  run_git -C "$dir" fetch --depth 1 origin "$ref"
fi
run_git -C "$dir" sparse-checkout set --no-cone "${patterns[@]}"
if [[ -n $ref ]] && is_sha "$ref"; then
  run_git -C "$dir" checkout --detach "$ref"
else
  run_git -C "$dir" checkout
fi

# An uninitialised submodule path (like btfgen's btfhub-archive): tell how to make it the submodule.
parent=$(cd "$dir/.." && pwd -P)
super=$(git -C "$parent" rev-parse --show-toplevel 2>/dev/null || true)
if [[ -n $super ]]; then
  abs_dir=$(cd "$dir" && pwd -P)
  rel=${abs_dir#"$(cd "$super" && pwd -P)"/}
  recorded=$(git -C "$super" ls-files -s -- "$rel" 2>/dev/null | awk '$1 == "160000" {print $2}')
  if [[ -n $recorded ]]; then
    say "note: $rel is a submodule path of $super; this clone is a standalone repository."
    if [[ $(git -C "$dir" rev-parse HEAD) != "$recorded" ]]; then
      say "  The superproject records commit $recorded (rerun with --ref $recorded to check it out)."
    fi
    say "  To make it the submodule: git -C $super submodule init -- $rel && git -C $super submodule absorbgitdirs -- $rel"
  fi
fi
report "$dir"
