#include "btfgen/build/object_fingerprint.h"

#include "common/sha256.h"

namespace btfgen {

std::string object_set_fingerprint(const ObjectSet& objects) {
  std::string text = std::string("btfgen ") + BTFGEN_VERSION + "\n";
  for (const BpfObject& o : objects.objects()) text += o.sha256() + " " + std::to_string(o.size()) + "\n";
  return sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace btfgen
