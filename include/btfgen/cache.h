// The kernel cache stage: decompressed kernel BTF kept between runs (docs/cache.md).
#pragma once

#include "btfgen/cache/cache_admin.h"
#include "btfgen/cache/cached_load.h"
#include "btfgen/cache/kernel_cache.h"
