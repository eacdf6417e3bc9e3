// Builders for nn ops.
#pragma once

#include "graph/scope.h"

namespace tensorgraph::ops {
}  // namespace tensorgraph::ops
