// The identity of a run's objects, the key of every state line (object_fingerprint.cpp).
#pragma once

#include <string>

#include "btfgen/minimize/object_set.h"

namespace btfgen {

// SHA-256 (hex) over the btfgen version and each object's SHA-256 and size, in order: contents and
// order count, paths do not (moving an object changes nothing). Computed from the bytes the objects
// were parsed from, so nothing is read twice.
std::string object_set_fingerprint(const ObjectSet& objects);

}  // namespace btfgen
