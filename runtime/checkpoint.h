// Checkpoints: a session's variable values in a safetensors file, the
// format Hugging Face's `safetensors` library reads and writes (an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data). A checkpoint
// written here opens with `safetensors.numpy.load_file`, and one written by
// that library restores here when its names, dtypes and shapes match the
// graph. docs/formats.md describes the layout and the checks.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "graph/tensor.h"
#include "runtime/session.h"

namespace tensorgraph {

// The contents of a checkpoint file, every tensor in host memory.
struct Checkpoint {
  std::map<std::string, Tensor> tensors;
  // The header's "__metadata__" (string to string); empty when absent.
  std::map<std::string, std::string> metadata;
};

// Reads and validates a whole file: header length and JSON, each entry's
// dtype, shape and data_offsets (in bounds, of the exact size, not
// overlapping) and, when the metadata carries one, the data's crc32.
// Throws tensorgraph::Error naming the file and the tensor: kNotFound when
// the file cannot be opened, kDataLoss for a truncated or corrupt file,
// kUnimplemented for a dtype tensorgraph has no type for (F16, BF16...),
// kInvalidArgument for any other malformed header.
Checkpoint ReadCheckpoint(const std::filesystem::path& path);

// Writes host tensors of float, double, int32, int64, uint8 or bool as a
// safetensors file, sorted by name with their data contiguous in that
// order; the metadata records "format": "tensorgraph" and the data's
// "crc32". The file is written beside `path` under a temporary name, synced
// and renamed over it, so a crash leaves the old file or the new one, never
// a mix.
void WriteCheckpoint(const std::filesystem::path& path,
                     const std::map<std::string, Tensor>& tensors);

// Writes every variable of the session's graph (each VarHandleOp, named by
// its shared_name, or by the node when that is empty). Throws
// kFailedPrecondition, before writing anything, when a variable has no
// value yet. Values on a GPU are copied to the host for writing. Each value
// is read atomically, but a Run updating variables meanwhile may leave the
// file with values from different steps: save between steps.
void SaveCheckpoint(Session& session, const std::filesystem::path& path);

// Restores every variable of the session's graph from `path`. Strict, as
// TensorFlow's restore is: the file must hold exactly the graph's
// variables, each with the variable's dtype and a shape its VarHandleOp
// allows. Everything is checked before any variable is assigned, so a
// failed restore leaves the session as it was. A restored value goes to the
// device that holds the variable's current value, or to host memory for a
// variable not yet initialized (where the CPU AssignVariableOp kernel puts
// it too).
void RestoreCheckpoint(Session& session, const std::filesystem::path& path);

}  // namespace tensorgraph
