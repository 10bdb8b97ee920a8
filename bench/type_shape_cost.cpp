// bench/type_shape_cost.cpp: the least a type-level delta of a kernel against a base would cost to
// write: one hash of every type's shape (kind, name, size, member and parameter names, member
// offsets, enum values; not the ids it refers to), on a `struct btf` the build has already parsed.
// A delta would then look each shape up in the base's table and compress what it cannot predict
// (bench/btf_sibling_probe.py measures how much that is); this counts only the walk and the hashes.
//
//   c++ -O2 -std=c++20 bench/type_shape_cost.cpp -o /tmp/type_shape_cost -lbpf
//   /tmp/type_shape_cost RAW_BTF...                 (raw kernel BTF, e.g. `tar -xOJf X.btf.tar.xz`)
//
// Times are CPU time of this thread; each file is hashed 5 times and the fastest pass reported.
#include <bpf/btf.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench_util.h"

namespace {

uint64_t combine(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

uint64_t hash_name(const struct btf* btf, uint32_t offset) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char* s = btf__name_by_offset(btf, offset); s != nullptr && *s != '\0'; ++s) {
    h ^= static_cast<unsigned char>(*s);
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t shape_of(const struct btf* btf, const struct btf_type* t) {
  uint64_t h = combine(t->info, hash_name(btf, t->name_off));
  const unsigned vlen = btf_vlen(t);
  switch (btf_kind(t)) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      h = combine(h, t->size);
      const struct btf_member* m = btf_members(t);
      for (unsigned i = 0; i < vlen; ++i) h = combine(combine(h, hash_name(btf, m[i].name_off)), m[i].offset);
      break;
    }
    case BTF_KIND_ENUM: {
      const struct btf_enum* e = btf_enum(t);
      for (unsigned i = 0; i < vlen; ++i)
        h = combine(combine(h, hash_name(btf, e[i].name_off)), static_cast<uint32_t>(e[i].val));
      break;
    }
    case BTF_KIND_FUNC_PROTO: {
      const struct btf_param* p = btf_params(t);
      for (unsigned i = 0; i < vlen; ++i) h = combine(h, hash_name(btf, p[i].name_off));
      break;
    }
    default:
      break;
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RAW_BTF...\n", argv[0]);
    return 2;
  }
  for (int a = 1; a < argc; ++a) {
    const bench::Bytes bytes = bench::read_file(argv[a]);
    const std::unique_ptr<struct btf, decltype(&btf__free)> btf(btf__new(bytes.data(), bytes.size()), btf__free);
    if (!btf) {
      std::fprintf(stderr, "%s: not BTF\n", argv[a]);
      return 1;
    }
    const unsigned n = btf__type_cnt(btf.get());
    std::vector<uint64_t> shapes(n);
    double best = 1e9;
    for (int pass = 0; pass < 5; ++pass) {
      const double t0 = bench::cpu_seconds();
      for (unsigned id = 1; id < n; ++id) shapes[id] = shape_of(btf.get(), btf__type_by_id(btf.get(), id));
      best = std::min(best, bench::cpu_seconds() - t0);
    }
    uint64_t folded = 0;  // keeps the hashes alive
    for (const uint64_t s : shapes) folded ^= s;
    std::printf("%s: %u types, %.1f MB, shape hashes %.1f ms (%016llx)\n", argv[a], n - 1,
                static_cast<double>(bytes.size()) / 1e6, best * 1000, static_cast<unsigned long long>(folded));
  }
  return 0;
}
