// The geometry of windowed ops (convolution and pooling): output sizes,
// padding and the checks on their attrs. The op definitions' shape
// functions and the kernels on every device call these, so the arithmetic
// is written once. Conventions are TensorFlow's (GetWindowedOutputSize):
//   VALID    out = (in - window_eff + stride) / stride, no padding;
//   SAME     out = ceil(in / stride), padding (out-1)*stride + window_eff - in,
//            split with the extra element after (bottom/right);
//   EXPLICIT out = (in + before + after - window_eff) / stride + 1,
// where window_eff = (window - 1) * dilation + 1. Every check fails with an
// InvalidArgument Error whose message says what was expected; callers add
// the node.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tensorgraph {

enum class Padding { kValid, kSame, kExplicit };

// "VALID", "SAME" or "EXPLICIT".
Padding ParsePadding(std::string_view padding);
const char* PaddingName(Padding padding);

// One spatial dimension of a window over an input.
struct WindowDim {
  int64_t output = 0;
  int64_t pad_before = 0;
  int64_t pad_after = 0;
};

// `window`, `stride` and `dilation` must be at least 1 and the padding
// non-negative; fails when the effective window overflows or does not fit
// the padded input. `dim` names the dimension in messages ("height").
WindowDim ComputeWindowDim(int64_t input, int64_t window, int64_t stride, int64_t dilation,
                           Padding padding, int64_t explicit_before, int64_t explicit_after,
                           std::string_view dim);

// The layout of a rank-4 image tensor: "NHWC" or "NCHW".
struct ImageLayout {
  bool channels_first = false;
  int batch_dim() const { return 0; }
  int channel_dim() const { return channels_first ? 1 : 3; }
  int height_dim() const { return channels_first ? 2 : 1; }
  int width_dim() const { return channels_first ? 3 : 2; }
};
ImageLayout ParseImageLayout(std::string_view data_format);

// The attrs every 2-D windowed op has, checked and put in (height, width)
// order: `strides`, `dilations` and `ksize` are TensorFlow's 4-element lists
// in data_format order, whose batch and channel entries must be 1;
// `explicit_paddings` is 8 numbers (before, after) per dimension in
// data_format order, used only with EXPLICIT padding.
struct Window2D {
  ImageLayout layout;
  Padding padding = Padding::kValid;
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> dilation{1, 1};
  std::array<std::array<int64_t, 2>, 2> explicit_padding{};  // [h/w][before/after]
};

// For convolutions: `dilations` may be empty (all 1).
Window2D ParseConvWindow(std::string_view data_format, const std::vector<int64_t>& strides,
                         const std::vector<int64_t>& dilations, std::string_view padding,
                         const std::vector<int64_t>& explicit_paddings);
// For pooling: the window size comes back in `ksize_hw`; no dilation, no
// EXPLICIT padding (TensorFlow's pooling ops have neither).
Window2D ParsePoolWindow(std::string_view data_format, const std::vector<int64_t>& ksize,
                         const std::vector<int64_t>& strides, std::string_view padding,
                         std::array<int64_t, 2>& ksize_hw);

// The spatial output of a window of `window_hw` (filter or pool size) over
// an input of `input_hw`.
struct Spatial2D {
  std::array<WindowDim, 2> dims;  // height, width
  int64_t out_h() const { return dims[0].output; }
  int64_t out_w() const { return dims[1].output; }
  int64_t pad_top() const { return dims[0].pad_before; }
  int64_t pad_bottom() const { return dims[0].pad_after; }
  int64_t pad_left() const { return dims[1].pad_before; }
  int64_t pad_right() const { return dims[1].pad_after; }
};
Spatial2D ComputeSpatial2D(const Window2D& window, std::array<int64_t, 2> input_hw,
                           std::array<int64_t, 2> window_hw);

}  // namespace tensorgraph
