// The fuzz targets: what each libFuzzer binary runs on one input, and what
// the regression test (regressions_test.cc) replays on every file kept
// under tests/fuzz/regressions/<target>/. A target returns normally when
// the input is accepted or refused with a tensorgraph::Error; anything else
// (another exception, a broken round trip, a sanitizer report) is a bug,
// and the target aborts so that libFuzzer keeps the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tensorgraph::fuzz {

// A binary GraphDef: parse, import, summarize (tg inspect); an imported
// graph written back must import again to the same bytes.
void GraphDefBinary(const uint8_t* data, size_t size);
// The same for a text GraphDef (.pbtxt).
void GraphDefText(const uint8_t* data, size_t size);
// A binary GraphDef imported and run, under a memory limit, with every
// placeholder of known shape fed zeros and every sink fetched or run.
void GraphRun(const uint8_t* data, size_t size);
// Bytes read as choices that build a graph op by op from the registry
// (ops, inputs among the outputs so far, attrs from tables of ordinary and
// extreme values), then run as GraphRun does, with run-time shapes fed from
// the bytes too; the built graph must also survive a write and import.
void GraphBuild(const uint8_t* data, size_t size);
// A safetensors checkpoint: read, restored into a session of a small fixed
// graph, and, when it reads, written back and read to the same tensors.
void Checkpoint(const uint8_t* data, size_t size);
// A .npy file: read and, when it reads, written back and read to the same
// tensor.
void Npy(const uint8_t* data, size_t size);

struct Target {
  std::string_view name;  // as in tests/fuzz/regressions/<name>/ and fuzz_<name>
  void (*run)(const uint8_t* data, size_t size);
  // The test data files (by extension) that seed its corpus; empty for
  // none (the input is not a file format).
  std::string_view seed_extension;
};
const std::vector<Target>& Targets();

// The memory limit GraphRun imports and runs under (a fuzzer's -rss_limit_mb
// must leave room for it).
inline constexpr int64_t kRunMemoryLimit = 16 << 20;

}  // namespace tensorgraph::fuzz
