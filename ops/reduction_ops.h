// Builders for reduction ops. Axes may be negative (counting from the end);
// an empty axis list reduces nothing. The std::vector / initializer_list
// overloads make the axes an int32 Const (see ops/array_ops.h).
#pragma once

#include <initializer_list>
#include <vector>

#include "graph/scope.h"

namespace tensorgraph::ops {

struct ReductionAttrs {
  bool keep_dims = false;  // keep each reduced dim, with size 1
};

// The sum of `input` over `axes`.
Output Sum(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs = {});
Output Sum(const Scope& scope, Output input, const std::vector<int64_t>& axes,
           const ReductionAttrs& attrs = {});
Output Sum(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
           const ReductionAttrs& attrs = {});

// The mean of `input` over `axes` (NaN for floats, 0 for integers, over none).
Output Mean(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs = {});
Output Mean(const Scope& scope, Output input, const std::vector<int64_t>& axes,
            const ReductionAttrs& attrs = {});
Output Mean(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
            const ReductionAttrs& attrs = {});

// The maximum of `input` over `axes` (-inf, or an integer type's lowest
// value, over none); NaN wins over numbers.
Output Max(const Scope& scope, Output input, Output axes, const ReductionAttrs& attrs = {});
Output Max(const Scope& scope, Output input, const std::vector<int64_t>& axes,
           const ReductionAttrs& attrs = {});
Output Max(const Scope& scope, Output input, std::initializer_list<int64_t> axes,
           const ReductionAttrs& attrs = {});

struct ArgMaxAttrs {
  DataType output_type = DT_INT64;  // or DT_INT32
};
// The index of the first maximum of `input` along `axis` (a scalar), which
// is removed from the shape; NaN wins over numbers.
Output ArgMax(const Scope& scope, Output input, Output axis, const ArgMaxAttrs& attrs = {});
Output ArgMax(const Scope& scope, Output input, int64_t axis, const ArgMaxAttrs& attrs = {});

}  // namespace tensorgraph::ops
