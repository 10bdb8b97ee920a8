// The JSON manifest of a build (build_manifest.cpp; format in docs/build.md).
#pragma once

#include <string>

#include "btfgen/build/build_runner.h"

namespace btfgen {

// Writes a JSON manifest of RESULT to PATH atomically (format: docs/build.md).
void write_manifest(const std::string& path, const std::string& arch, const BuildResult& result);

}  // namespace btfgen
