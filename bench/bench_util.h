// bench/bench_util.h: what the C++ benchmarks of bench/ share: thread CPU time, whole-file reads, and
// the "TARBALL... -- RAW_BTF..." arguments with each kernel's directory and its directory's biggest
// kernel (the base a cache of deltas would code it against).
#pragma once

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace bench {

using Bytes = std::vector<char>;

// CPU time of this thread: other jobs on a shared host disturb it less than wall time.
inline double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

inline Bytes read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// TARBALL... -- RAW_BTF...: the raw BTF of each tarball, in the same order (or none, or others).
struct Kernels {
  std::vector<std::string> paths;  // of the tarballs
  std::vector<Bytes> tarballs;
  std::vector<Bytes> raws;

  bool paired() const { return !raws.empty() && raws.size() == tarballs.size(); }

  std::string directory(size_t k) const { return paths[k].substr(0, paths[k].rfind('/')); }

  // For each kernel, the biggest raw BTF of its directory (itself if it is that one).
  std::vector<size_t> biggest_of_directory() const {
    std::map<std::string, size_t> biggest;
    for (size_t k = 0; k < raws.size(); ++k) {
      auto [it, inserted] = biggest.emplace(directory(k), k);
      if (!inserted && raws[k].size() > raws[it->second].size()) it->second = k;
    }
    std::vector<size_t> base(raws.size());
    for (size_t k = 0; k < raws.size(); ++k) base[k] = biggest[directory(k)];
    return base;
  }
};

inline Kernels read_kernels(int argc, char** argv) {
  Kernels kernels;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    kernels.paths.emplace_back(argv[i]);
    kernels.tarballs.push_back(read_file(argv[i]));
  }
  for (++i; i < argc; ++i) kernels.raws.push_back(read_file(argv[i]));
  return kernels;
}

}  // namespace bench
