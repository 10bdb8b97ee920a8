// Reading a directory through a descriptor the caller opened (never by path: no link is followed).
#pragma once

#include <string>
#include <vector>

#include "common/fd.h"

namespace btfgen {

// The names in directory FD (taken over and closed), without "." and "..", sorted so that every
// walk, its notes and its errors are deterministic. Any read error throws Error naming SHOWN: a
// partial listing is never returned.
std::vector<std::string> directory_names(Fd fd, const std::string& shown);

}  // namespace btfgen
