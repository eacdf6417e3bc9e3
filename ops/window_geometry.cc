#include "ops/window_geometry.h"

#include <algorithm>

#include "graph/error.h"

namespace tensorgraph {
namespace {

std::string ListString(const std::vector<int64_t>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
  return s + "]";
}

// A 4-element list in data_format order whose batch and channel entries
// are 1 and whose spatial ones are at least 1, in (height, width) order.
std::array<int64_t, 2> SpatialPair(const std::vector<int64_t>& values, const ImageLayout& layout,
                                   std::string_view attr) {
  if (values.size() != 4) {
    ThrowInvalid(attr, " must have 4 elements (one per dimension of ",
                 layout.channels_first ? "NCHW" : "NHWC", "), got ", ListString(values));
  }
  if (values[layout.batch_dim()] != 1 || values[layout.channel_dim()] != 1) {
    ThrowInvalid(attr, " must be 1 in the batch and channel dimensions, got ",
                 ListString(values));
  }
  const std::array<int64_t, 2> hw{values[layout.height_dim()], values[layout.width_dim()]};
  if (hw[0] < 1 || hw[1] < 1) {
    ThrowInvalid(attr, " must be at least 1 in the spatial dimensions, got ", ListString(values));
  }
  return hw;
}

}  // namespace

Padding ParsePadding(std::string_view padding) {
  if (padding == "VALID") return Padding::kValid;
  if (padding == "SAME") return Padding::kSame;
  if (padding == "EXPLICIT") return Padding::kExplicit;
  ThrowInvalid("padding must be VALID, SAME or EXPLICIT, got '", padding, "'");
}

const char* PaddingName(Padding padding) {
  switch (padding) {
    case Padding::kValid: return "VALID";
    case Padding::kSame: return "SAME";
    case Padding::kExplicit: return "EXPLICIT";
  }
  return "?";
}

WindowDim ComputeWindowDim(int64_t input, int64_t window, int64_t stride, int64_t dilation,
                           Padding padding, int64_t explicit_before, int64_t explicit_after,
                           std::string_view dim) {
  if (input < 0) ThrowInvalid("input ", dim, " is negative: ", input);
  if (window < 1) ThrowInvalid("window ", dim, " must be at least 1, got ", window);
  if (stride < 1) ThrowInvalid("stride in ", dim, " must be at least 1, got ", stride);
  if (dilation < 1) ThrowInvalid("dilation in ", dim, " must be at least 1, got ", dilation);
  int64_t effective = 0;
  if (__builtin_mul_overflow(window - 1, dilation, &effective) ||
      __builtin_add_overflow(effective, 1, &effective)) {
    ThrowInvalid("window ", dim, " ", window, " at dilation ", dilation, " overflows");
  }
  WindowDim out;
  switch (padding) {
    case Padding::kValid:
      // TensorFlow's (in - effective + stride) / stride, truncated: a window
      // that overhangs the input by less than a stride gives no output.
      if (input < effective - stride) {
        ThrowInvalid("the window (", effective, " in ", dim, ", dilation included) is larger than ",
                     "the input's ", dim, " ", input, " with VALID padding");
      }
      out.output = input < effective ? 0 : (input - effective) / stride + 1;
      return out;
    case Padding::kSame: {
      out.output = input / stride + (input % stride != 0);
      // (output - 1) * stride + effective - input, which cannot overflow:
      // (output - 1) * stride < input.
      int64_t needed = 0;
      if (out.output > 0 &&
          __builtin_add_overflow((out.output - 1) * stride, effective - input, &needed)) {
        ThrowInvalid("the padding of ", dim, " overflows");
      }
      needed = std::max<int64_t>(needed, 0);
      out.pad_before = needed / 2;
      out.pad_after = needed - out.pad_before;
      return out;
    }
    case Padding::kExplicit: {
      if (explicit_before < 0 || explicit_after < 0) {
        ThrowInvalid("explicit padding of ", dim, " must be non-negative, got ", explicit_before,
                     " and ", explicit_after);
      }
      int64_t padded = 0;
      if (__builtin_add_overflow(input, explicit_before, &padded) ||
          __builtin_add_overflow(padded, explicit_after, &padded)) {
        ThrowInvalid("the padded ", dim, " overflows");
      }
      if (padded < effective) {
        ThrowInvalid("the window (", effective, " in ", dim, ", dilation included) is larger than ",
                     "the padded input's ", dim, " ", padded);
      }
      out.output = (padded - effective) / stride + 1;
      out.pad_before = explicit_before;
      out.pad_after = explicit_after;
      return out;
    }
  }
  return out;
}

ImageLayout ParseImageLayout(std::string_view data_format) {
  if (data_format == "NHWC") return {false};
  if (data_format == "NCHW") return {true};
  ThrowInvalid("data_format must be NHWC or NCHW, got '", data_format, "'");
}

Window2D ParseConvWindow(std::string_view data_format, const std::vector<int64_t>& strides,
                         const std::vector<int64_t>& dilations, std::string_view padding,
                         const std::vector<int64_t>& explicit_paddings) {
  Window2D w;
  w.layout = ParseImageLayout(data_format);
  w.padding = ParsePadding(padding);
  w.stride = SpatialPair(strides, w.layout, "strides");
  if (!dilations.empty()) w.dilation = SpatialPair(dilations, w.layout, "dilations");
  if (w.padding == Padding::kExplicit) {
    if (explicit_paddings.size() != 8) {
      ThrowInvalid("explicit_paddings must have 8 elements (before and after each of the 4 "
                   "dimensions) with EXPLICIT padding, got ",
                   ListString(explicit_paddings));
    }
    const auto& p = explicit_paddings;
    const int b = w.layout.batch_dim(), c = w.layout.channel_dim();
    if (p[2 * b] || p[2 * b + 1] || p[2 * c] || p[2 * c + 1]) {
      ThrowInvalid("explicit_paddings must be 0 in the batch and channel dimensions, got ",
                   ListString(p));
    }
    const int dims[2] = {w.layout.height_dim(), w.layout.width_dim()};
    for (int i = 0; i < 2; ++i) {
      w.explicit_padding[i] = {p[2 * dims[i]], p[2 * dims[i] + 1]};
      if (w.explicit_padding[i][0] < 0 || w.explicit_padding[i][1] < 0) {
        ThrowInvalid("explicit_paddings must be non-negative, got ", ListString(p));
      }
    }
  } else if (!explicit_paddings.empty()) {
    ThrowInvalid("explicit_paddings must be empty unless padding is EXPLICIT, got ",
                 ListString(explicit_paddings));
  }
  return w;
}

Window2D ParsePoolWindow(std::string_view data_format, const std::vector<int64_t>& ksize,
                         const std::vector<int64_t>& strides, std::string_view padding,
                         std::array<int64_t, 2>& ksize_hw) {
  Window2D w;
  w.layout = ParseImageLayout(data_format);
  w.padding = ParsePadding(padding);
  if (w.padding == Padding::kExplicit) ThrowInvalid("pooling takes VALID or SAME padding, not EXPLICIT");
  ksize_hw = SpatialPair(ksize, w.layout, "ksize");
  w.stride = SpatialPair(strides, w.layout, "strides");
  return w;
}

Spatial2D ComputeSpatial2D(const Window2D& window, std::array<int64_t, 2> input_hw,
                           std::array<int64_t, 2> window_hw) {
  static constexpr std::string_view kNames[2] = {"height", "width"};
  Spatial2D s;
  for (int i = 0; i < 2; ++i) {
    s.dims[i] = ComputeWindowDim(input_hw[i], window_hw[i], window.stride[i], window.dilation[i],
                                 window.padding, window.explicit_padding[i][0],
                                 window.explicit_padding[i][1], kNames[i]);
  }
  return s;
}

}  // namespace tensorgraph
