#include "examples/mnist_data.h"

#include <sys/ioctl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "graph/error.h"

namespace tensorgraph::examples {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kImagesMagic = 2051;  // idx3: unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 2049;  // idx1: unsigned bytes, 1 dimension
constexpr const char* kHowToPoint =
    "pass --data DIR or set TG_MNIST_DIR to a folder holding the four MNIST idx files "
    "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz)";

template <typename... Args>
[[noreturn]] void FileError(ErrorCode code, const std::string& path, Args&&... args) {
  ThrowError(code, "MNIST file '", path, "': ", std::forward<Args>(args)...);
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile OpenGz(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    FileError(ErrorCode::kNotFound, path, "not found; ", kHowToPoint);
  }
  // zlib reads plain files through the same calls, so both names work.
  GzFile f(gzopen(path.c_str(), "rb"));
  if (f == nullptr) FileError(ErrorCode::kNotFound, path, "cannot be opened");
  gzbuffer(f.get(), 1 << 17);
  return f;
}

// Reads up to `bytes` bytes; returns how many there were. Throws on a corrupt
// gzip stream (zlib reports a cut-off stream as a short read plus an error).
size_t ReadUpTo(gzFile f, const std::string& path, uint8_t* out, size_t bytes) {
  size_t done = 0;
  while (done < bytes) {
    const unsigned chunk =
        static_cast<unsigned>(std::min<size_t>(bytes - done, size_t{1} << 30));
    const int n = gzread(f, out + done, chunk);
    if (n < 0) {
      int errnum = 0;
      const char* message = gzerror(f, &errnum);
      FileError(ErrorCode::kDataLoss, path, "corrupt gzip data: ", message);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  // A gzip stream cut short reads as end of file with a pending error.
  int errnum = Z_OK;
  const char* message = gzerror(f, &errnum);
  if (errnum != Z_OK && errnum != Z_STREAM_END) {
    FileError(ErrorCode::kDataLoss, path, "corrupt or truncated gzip data: ", message);
  }
  return done;
}

uint32_t ReadBigEndian32(gzFile f, const std::string& path, const char* what) {
  std::array<uint8_t, 4> b{};
  if (ReadUpTo(f, path, b.data(), b.size()) != b.size()) {
    FileError(ErrorCode::kDataLoss, path, "truncated: the file ends inside the header (", what,
              ")");
  }
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

void CheckMagic(uint32_t magic, uint32_t expected, const std::string& path) {
  if (magic == expected) return;
  const char* hint = magic == kImagesMagic   ? " (an idx3 images file)"
                     : magic == kLabelsMagic ? " (an idx1 labels file)"
                                             : "";
  FileError(ErrorCode::kInvalidArgument, path, "magic number ", magic, hint, ", expected ",
            expected, expected == kImagesMagic ? " (idx3 images)" : " (idx1 labels)");
}

// Reads exactly `bytes` of payload after the header, then insists on end of
// file: trailing bytes mean the header does not describe the file.
std::vector<uint8_t> ReadPayload(gzFile f, const std::string& path, size_t bytes,
                                 const char* what) {
  // Grown as it is read, so a corrupt count cannot make us allocate gigabytes
  // before the data runs out.
  std::vector<uint8_t> data;
  constexpr size_t kChunk = size_t{1} << 22;
  while (data.size() < bytes) {
    const size_t want = std::min(kChunk, bytes - data.size());
    const size_t old = data.size();
    data.resize(old + want);
    const size_t got = ReadUpTo(f, path, data.data() + old, want);
    if (got != want) {
      FileError(ErrorCode::kDataLoss, path, "truncated: the header promises ", bytes,
                " bytes of ", what, ", the file holds ", old + got);
    }
  }
  uint8_t extra = 0;
  if (ReadUpTo(f, path, &extra, 1) != 0) {
    FileError(ErrorCode::kInvalidArgument, path, "trailing data after the ", bytes,
              " bytes of ", what, " the header promises");
  }
  return data;
}

struct IdxImages {
  int64_t count = 0;
  std::vector<uint8_t> pixels;
};

IdxImages ReadIdxImages(const std::string& path) {
  GzFile f = OpenGz(path);
  CheckMagic(ReadBigEndian32(f.get(), path, "magic number"), kImagesMagic, path);
  IdxImages images;
  images.count = ReadBigEndian32(f.get(), path, "image count");
  const uint32_t rows = ReadBigEndian32(f.get(), path, "rows");
  const uint32_t cols = ReadBigEndian32(f.get(), path, "columns");
  if (rows != kMnistRows || cols != kMnistCols) {
    FileError(ErrorCode::kInvalidArgument, path, "images are ", rows, "x", cols, ", expected ",
              kMnistRows, "x", kMnistCols);
  }
  images.pixels = ReadPayload(f.get(), path, images.count * kMnistFeatures, "pixels");
  return images;
}

std::vector<uint8_t> ReadIdxLabels(const std::string& path) {
  GzFile f = OpenGz(path);
  CheckMagic(ReadBigEndian32(f.get(), path, "magic number"), kLabelsMagic, path);
  const uint32_t count = ReadBigEndian32(f.get(), path, "label count");
  std::vector<uint8_t> labels = ReadPayload(f.get(), path, count, "labels");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= kMnistClasses) {
      FileError(ErrorCode::kInvalidArgument, path, "label ", int{labels[i]}, " at index ", i,
                " is out of range, expected 0 to ", kMnistClasses - 1);
    }
  }
  return labels;
}

// The path of `name` in `dir`: the .gz file if present, else the
// uncompressed one, else "" (neither exists).
std::string ResolveFile(const std::string& dir, std::string_view name) {
  std::error_code ec;
  const fs::path gz = fs::path(dir) / name;
  if (fs::is_regular_file(gz, ec)) return gz.string();
  const fs::path plain = fs::path(dir) / name.substr(0, name.size() - 3);  // drop ".gz"
  if (fs::is_regular_file(plain, ec)) return plain.string();
  return {};
}

std::string RequireFile(const std::string& dir, std::string_view name) {
  std::string path = ResolveFile(dir, name);
  if (path.empty()) {
    const std::string gz = (fs::path(dir) / name).string();
    ThrowError(ErrorCode::kNotFound, "MNIST file '", gz, "' not found (nor without .gz); ",
               kHowToPoint);
  }
  return path;
}

constexpr const char* kAllFiles[] = {kMnistTrainImages, kMnistTrainLabels, kMnistTestImages,
                                     kMnistTestLabels};

// Throws unless `dir`, which the user named through `source`, holds the data.
void RequireMnistDir(const std::string& dir, const char* source) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    ThrowError(ErrorCode::kNotFound, "MNIST folder '", dir, "' (from ", source,
               ") does not exist; ", kHowToPoint);
  }
  for (const char* name : kAllFiles) {
    if (ResolveFile(dir, name).empty()) {
      ThrowError(ErrorCode::kNotFound, "MNIST folder '", dir, "' (from ", source, ") has no ",
                 name, " (nor without .gz); ", kHowToPoint);
    }
  }
}

uint64_t Mix64(uint64_t x) { return SplitMix64(x).Next(); }

}  // namespace

Dataset ReadMnist(const std::string& images_path, const std::string& labels_path) {
  IdxImages images = ReadIdxImages(images_path);
  std::vector<uint8_t> labels = ReadIdxLabels(labels_path);
  if (static_cast<int64_t>(labels.size()) != images.count) {
    ThrowInvalid("MNIST files disagree: '", images_path, "' holds ", images.count,
                 " images but '", labels_path, "' holds ", labels.size(), " labels");
  }
  Dataset data;
  data.size = images.count;
  data.features = kMnistFeatures;
  data.num_classes = kMnistClasses;
  data.images.resize(images.pixels.size());
  std::transform(images.pixels.begin(), images.pixels.end(), data.images.begin(),
                 [](uint8_t p) { return static_cast<float>(p) * (1.0f / 255.0f); });
  data.labels.assign(labels.begin(), labels.end());
  return data;
}

MnistData LoadMnist(const std::string& dir) {
  // Resolved in order, so a missing folder is reported by its first file.
  const std::string train_images = RequireFile(dir, kMnistTrainImages);
  const std::string train_labels = RequireFile(dir, kMnistTrainLabels);
  const std::string test_images = RequireFile(dir, kMnistTestImages);
  const std::string test_labels = RequireFile(dir, kMnistTestLabels);
  MnistData data;
  data.train = ReadMnist(train_images, train_labels);
  data.test = ReadMnist(test_images, test_labels);
  data.source = "MNIST from " + dir;
  return data;
}

bool HasMnistFiles(const std::string& dir) {
  return std::all_of(std::begin(kAllFiles), std::end(kAllFiles),
                     [&](const char* name) { return !ResolveFile(dir, name).empty(); });
}

std::string FindMnistDir(const std::string& flag) {
  if (!flag.empty()) {
    RequireMnistDir(flag, "--data");
    return flag;
  }
  if (const char* env = std::getenv("TG_MNIST_DIR"); env != nullptr && *env != '\0') {
    RequireMnistDir(env, "TG_MNIST_DIR");
    return env;
  }
#ifdef TG_SOURCE_DIR
  const std::string fallback =
      (fs::path(TG_SOURCE_DIR) / ".." / "shared" / "data" / "mnist").lexically_normal().string();
  if (HasMnistFiles(fallback)) return fallback;
#endif
  return {};
}

uint64_t SplitMix64::Below(uint64_t bound) {
  if (bound == 0) ThrowInvalid("SplitMix64::Below: the bound must be positive");
  // Reject the lowest (2^64 mod bound) values so every residue is equally
  // likely; fewer than one draw in two is rejected for any bound.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t r = Next();
    if (r >= threshold) return r % bound;
  }
}

MnistData SyntheticData(uint64_t seed, const SyntheticOptions& options) {
  if (options.train_size < 0 || options.test_size < 0) {
    ThrowInvalid("SyntheticData: sizes must be non-negative, got train ", options.train_size,
                 " and test ", options.test_size);
  }
  constexpr int kModes = 3;         // prototypes per class, like writing styles
  constexpr int kStrokes = 3;       // random-walk strokes per prototype
  constexpr int kStrokeSteps = 14;
  SplitMix64 rng(Mix64(seed) ^ 0x6d6e697374ull);  // "mnist"

  // Prototypes: thick random-walk strokes in the middle of a 28x28 canvas.
  std::vector<std::vector<float>> prototypes(kMnistClasses * kModes,
                                             std::vector<float>(kMnistFeatures, 0.0f));
  constexpr int kDx[] = {1, 1, 0, -1, -1, -1, 0, 1};
  constexpr int kDy[] = {0, 1, 1, 1, 0, -1, -1, -1};
  for (auto& proto : prototypes) {
    for (int s = 0; s < kStrokes; ++s) {
      int x = 6 + static_cast<int>(rng.Below(16)), y = 6 + static_cast<int>(rng.Below(16));
      int dir = static_cast<int>(rng.Below(8));
      for (int step = 0; step < kStrokeSteps; ++step) {
        for (int oy = 0; oy <= 1; ++oy) {
          for (int ox = 0; ox <= 1; ++ox) {
            const int px = std::clamp(x + ox, 0, 27), py = std::clamp(y + oy, 0, 27);
            float& v = proto[py * kMnistCols + px];
            v = std::max(v, 0.6f + 0.4f * rng.Uniform());
          }
        }
        // Mostly straight, sometimes turning: strokes, not blobs.
        const uint64_t turn = rng.Below(6);
        if (turn == 0) dir = (dir + 1) % 8;
        if (turn == 1) dir = (dir + 7) % 8;
        x = std::clamp(x + kDx[dir], 2, 25);
        y = std::clamp(y + kDy[dir], 2, 25);
      }
    }
  }

  auto make = [&](int64_t size) {
    Dataset data;
    data.size = size;
    data.features = kMnistFeatures;
    data.num_classes = kMnistClasses;
    data.images.assign(size * kMnistFeatures, 0.0f);
    data.labels.resize(size);
    for (int64_t i = 0; i < size; ++i) {
      const int label = static_cast<int>(i % kMnistClasses);  // balanced classes
      data.labels[i] = label;
      const auto& proto = prototypes[label * kModes + rng.Below(kModes)];
      // Shift by up to a pixel each way, as handwriting wanders.
      const int sx = static_cast<int>(rng.Below(3)) - 1, sy = static_cast<int>(rng.Below(3)) - 1;
      float* out = &data.images[i * kMnistFeatures];
      for (int y = 0; y < kMnistRows; ++y) {
        for (int x = 0; x < kMnistCols; ++x) {
          const int src_x = x - sx, src_y = y - sy;
          float v = 0.0f;
          if (src_x >= 0 && src_x < kMnistCols && src_y >= 0 && src_y < kMnistRows) {
            v = proto[src_y * kMnistCols + src_x];
          }
          if (v > 0.0f) {
            v = rng.Uniform() < 0.2f ? 0.0f : v * (0.7f + 0.3f * rng.Uniform());
          }
          if (rng.Uniform() < 0.03f) v = std::max(v, rng.Uniform());  // speckle
          out[y * kMnistCols + x] = v;
        }
      }
    }
    return data;
  };
  MnistData data;
  data.train = make(options.train_size);
  data.test = make(options.test_size);
  data.source = StrCat("synthetic (seed ", seed, ")");
  return data;
}

std::vector<int64_t> EpochOrder(int64_t n, uint64_t seed, int64_t epoch) {
  if (n < 0) ThrowInvalid("EpochOrder: n must be non-negative, got ", n);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  // One independent stream per (seed, epoch).
  SplitMix64 rng(Mix64(seed) ^ Mix64(static_cast<uint64_t>(epoch) + 0x9e3779b97f4a7c15ull));
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(i) + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

void GatherBatch(const Dataset& data, std::span<const int64_t> order, int64_t begin,
                 int64_t end, std::span<float> images, std::span<int32_t> labels) {
  if (begin < 0 || begin > end || end > static_cast<int64_t>(order.size())) {
    ThrowInvalid("GatherBatch: range [", begin, ", ", end, ") is not within the order of ",
                 order.size(), " indices");
  }
  const int64_t count = end - begin;
  if (static_cast<int64_t>(images.size()) < count * data.features ||
      static_cast<int64_t>(labels.size()) < count) {
    ThrowInvalid("GatherBatch: a batch of ", count, " needs room for ", count * data.features,
                 " image values and ", count, " labels, got ", images.size(), " and ",
                 labels.size());
  }
  for (int64_t b = 0; b < count; ++b) {
    const int64_t index = order[begin + b];
    if (index < 0 || index >= data.size) {
      ThrowInvalid("GatherBatch: index ", index, " at position ", begin + b,
                   " is out of range for a dataset of ", data.size);
    }
    std::copy_n(data.images.begin() + index * data.features, data.features,
                images.begin() + b * data.features);
    labels[b] = data.labels[index];
  }
}

ProgressBar::ProgressBar(int64_t total, std::string label, std::FILE* out)
    : total_(std::max<int64_t>(total, 1)),
      label_(std::move(label)),
      out_(out),
      enabled_(out != nullptr && isatty(fileno(out))) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t step, std::string_view text) {
  if (!enabled_) return;
  step = std::clamp<int64_t>(step, 0, total_);
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && step < total_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;

  constexpr int64_t kBarWidth = 30;
  const int64_t filled = step * kBarWidth / total_;
  std::string line = label_ + " [";
  line.append(filled, '=');
  if (filled < kBarWidth) {
    line += '>';
    line.append(kBarWidth - filled - 1, ' ');
  }
  line += StrCat("] ", step, "/", total_);
  if (!text.empty()) {
    line += "  ";
    line += text;
  }
  // A line wider than the terminal wraps, and '\r' would then redraw only
  // its last part: cut it to fit.
  winsize ws{};
  if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
      line.size() >= ws.ws_col) {
    line.resize(ws.ws_col - 1);
  }
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace tensorgraph::examples
