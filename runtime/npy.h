// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the way tensors
// travel between tensorgraph and Python. Supported: little-endian, C-order
// float32, float64, int32, int64, uint8 and bool arrays, scalars and
// zero-size arrays included.
#pragma once

#include <filesystem>

#include "graph/tensor.h"

namespace tensorgraph {

// Reads a host tensor. Throws tensorgraph::Error naming the file and what
// was expected on any malformed or unsupported file: kNotFound when it
// cannot be opened, kDataLoss when the data does not match the header,
// kUnimplemented for a valid file this reader does not support,
// kInvalidArgument otherwise.
Tensor ReadNpy(const std::filesystem::path& path);

// Writes `tensor` (a host tensor of a supported dtype) as version 1.0, or
// 2.0 when the header needs it. The file appears complete or not at all: it
// is written beside the target and then renamed over it.
void WriteNpy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace tensorgraph
