// The data side of the MNIST example: the idx files read and checked, a
// synthetic stand-in for machines without the download, a seeded shuffle per
// epoch, batch gathering and a terminal progress bar.
//
// Everything random here comes from SplitMix64 below, never from the
// std:: distributions, whose output differs between standard libraries: a
// seed gives the same data and the same batch order on every platform.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tensorgraph::examples {

inline constexpr int64_t kMnistRows = 28;
inline constexpr int64_t kMnistCols = 28;
inline constexpr int64_t kMnistFeatures = kMnistRows * kMnistCols;  // 784
inline constexpr int kMnistClasses = 10;

// The canonical file names; each may also be present without ".gz".
inline constexpr const char* kMnistTrainImages = "train-images-idx3-ubyte.gz";
inline constexpr const char* kMnistTrainLabels = "train-labels-idx1-ubyte.gz";
inline constexpr const char* kMnistTestImages = "t10k-images-idx3-ubyte.gz";
inline constexpr const char* kMnistTestLabels = "t10k-labels-idx1-ubyte.gz";

// Examples as rows of a matrix.
struct Dataset {
  int64_t size = 0;      // number of examples
  int64_t features = 0;  // values per example
  int num_classes = 0;
  std::vector<float> images;    // [size, features], row-major, each in [0, 1]
  std::vector<int32_t> labels;  // [size], each in [0, num_classes)
};

struct MnistData {
  Dataset train;
  Dataset test;
  std::string source;  // for logs: "MNIST from DIR" or "synthetic (seed N)"
};

// Reads an idx3 images file and its idx1 labels file (gzip or plain; zlib
// reads both) into a Dataset with pixels scaled to [0, 1]. Throws
// tensorgraph::Error naming the file on a missing file, a wrong magic number,
// images that are not 28x28, truncated or trailing data, counts that differ
// between the two files, or a label above 9.
Dataset ReadMnist(const std::string& images_path, const std::string& labels_path);

// Reads the four canonical files from `dir`: train (60000) and test (10000).
MnistData LoadMnist(const std::string& dir);

// Whether `dir` holds the four files (each as .gz or uncompressed).
bool HasMnistFiles(const std::string& dir);

// Where to read MNIST from, first match wins:
//   1. `flag` (from --data) if non-empty;
//   2. $TG_MNIST_DIR if set and non-empty;
//   3. TG_SOURCE_DIR/../shared/data/mnist (next to the checkout).
// A folder named by the flag or the variable must hold the files, else this
// throws (the user asked for it). Returns "" when only the default was tried
// and it has no data, so the caller can fall back to SyntheticData.
std::string FindMnistDir(const std::string& flag);

struct SyntheticOptions {
  int64_t train_size = 5000;
  int64_t test_size = 1000;
};

// A 10-class task shaped like MNIST (784 features in [0, 1], 10 classes) that
// needs no download: each class has a few sparse stroke-like prototypes, and
// an example is one of them with pixels dropped, jittered and sprinkled with
// noise. A 784-512-512-10 MLP reaches high accuracy on it in a few epochs.
// Deterministic in the seed on every platform.
MnistData SyntheticData(uint64_t seed, const SyntheticOptions& options = {});

// A small, fast, portable generator (Steele, Lea and Flood's SplitMix64).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), without modulo bias; bound must be > 0.
  uint64_t Below(uint64_t bound);
  // Uniform in [0, 1) with 24 random bits, exact in a float.
  float Uniform() { return static_cast<float>(Next() >> 40) * 0x1.0p-24f; }

 private:
  uint64_t state_;
};

// A permutation of [0, n) that depends only on (seed, epoch): Fisher-Yates
// driven by SplitMix64, the same on every platform.
std::vector<int64_t> EpochOrder(int64_t n, uint64_t seed, int64_t epoch);

// Copies the examples order[begin, end) into `images` ([end - begin,
// features], row-major) and `labels` ([end - begin]); both must hold at least
// that many elements. Throws on a range or an index out of bounds.
void GatherBatch(const Dataset& data, std::span<const int64_t> order, int64_t begin,
                 int64_t end, std::span<float> images, std::span<int32_t> labels);

// A one-line progress bar redrawn in place with '\r', on a terminal only:
// when `out` is not a tty (a log file, a pipe, CI) it prints nothing at all.
// Redraws are throttled to about 20 a second.
class ProgressBar {
 public:
  ProgressBar(int64_t total, std::string label, std::FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Shows `step` of `total` done, followed by `text` (e.g. "loss 0.213").
  void Update(int64_t step, std::string_view text = {});
  // Clears the line, so what is printed next starts on a clean line.
  void Finish();

  bool enabled() const { return enabled_; }

 private:
  int64_t total_;
  std::string label_;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace tensorgraph::examples
