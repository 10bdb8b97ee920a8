#include "btfgen/build/kernel_record.h"

namespace btfgen {

const char* status_name(KernelStatus s) {
  switch (s) {
    case KernelStatus::Written:
      return "written";
    case KernelStatus::Unchanged:
      return "unchanged";
    case KernelStatus::Failed:
      return "failed";
    case KernelStatus::Removed:
      return "removed";
  }
  return "?";
}

}  // namespace btfgen
