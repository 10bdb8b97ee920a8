#include "common/directory.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "btfgen/common/error.h"

namespace btfgen {

std::vector<std::string> directory_names(Fd fd, const std::string& shown) {
  DIR* dir = fdopendir(fd.get());
  if (dir == nullptr) throw Error(errno, shown + ": cannot read directory: " + std::strerror(errno));
  fd.release();
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = readdir(dir);
    if (e == nullptr) {
      const int err = errno;
      closedir(dir);
      if (err != 0) throw Error(err, shown + ": cannot read directory: " + std::strerror(err));
      break;
    }
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace btfgen
