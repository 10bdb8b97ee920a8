// Stage "common": the small pieces every stage shares.
//
// error.h        btfgen::Error, an errno-style code with a one-line message that says where
// btf_handle.h   owning handles for libbpf's struct btf and struct btf_ext
// output_file.h  output files: atomic where a rename can do it, written through where it cannot
// text.h         names from the file system made safe for terminals and JSON
#pragma once

#include "btfgen/common/btf_handle.h"
#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "btfgen/common/text.h"
