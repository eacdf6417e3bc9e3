#include "examples/mnist_data.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <set>

#include "graph/error.h"
#include "tests/support/round_trip.h"

namespace tensorgraph::examples {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void PutBigEndian32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

Bytes IdxImages(uint32_t count, uint32_t rows = 28, uint32_t cols = 28,
                uint32_t magic = 2051) {
  Bytes out;
  PutBigEndian32(out, magic);
  PutBigEndian32(out, count);
  PutBigEndian32(out, rows);
  PutBigEndian32(out, cols);
  for (uint32_t i = 0; i < count * rows * cols; ++i) out.push_back(static_cast<uint8_t>(i * 7));
  return out;
}

Bytes IdxLabels(const Bytes& labels, uint32_t magic = 2049) {
  Bytes out;
  PutBigEndian32(out, magic);
  PutBigEndian32(out, static_cast<uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

void WriteGz(const fs::path& path, const Bytes& bytes) {
  gzFile f = gzopen(path.string().c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!bytes.empty()) REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) > 0);
  REQUIRE(gzclose(f) == Z_OK);
}

void WritePlain(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// The message of the tensorgraph::Error that `fn` throws; fails the test if
// it throws nothing.
template <typename Fn>
Error CaughtError(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a tensorgraph::Error");
  throw;  // unreachable: FAIL throws
}

// Sets an environment variable for one scope, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A folder with the four file names present (contents irrelevant).
fs::path FakeMnistDir(const std::string& name) {
  const fs::path dir = testing::TempDir(name);
  for (const char* file : {kMnistTrainImages, kMnistTrainLabels, kMnistTestImages,
                           kMnistTestLabels}) {
    WritePlain(dir / file, {});
  }
  return dir;
}

TEST_CASE("ReadMnist reads gzip and plain idx files and scales pixels to [0, 1]", "[mnist]") {
  const fs::path dir = testing::TempDir("mnist_read");
  const Bytes pixels = IdxImages(3);
  WriteGz(dir / "images.gz", pixels);
  WriteGz(dir / "labels.gz", IdxLabels({3, 0, 9}));
  WritePlain(dir / "images", pixels);
  WritePlain(dir / "labels", IdxLabels({3, 0, 9}));

  for (const auto& [images, labels] : {std::pair{"images.gz", "labels.gz"},
                                       std::pair{"images", "labels"}}) {
    INFO(images);
    Dataset data = ReadMnist((dir / images).string(), (dir / labels).string());
    REQUIRE(data.size == 3);
    REQUIRE(data.features == 784);
    REQUIRE(data.num_classes == 10);
    REQUIRE(data.images.size() == 3 * 784);
    CHECK(data.labels == std::vector<int32_t>{3, 0, 9});
    for (size_t i = 0; i < data.images.size(); ++i) {
      const float expected = static_cast<float>(pixels[16 + i]) / 255.0f;
      REQUIRE(data.images[i] == Approx(expected).margin(1e-7));
    }
    CHECK(data.images[0] == 0.0f);
    CHECK(*std::max_element(data.images.begin(), data.images.end()) == 1.0f);
  }
}

TEST_CASE("LoadMnist reads the canonical names, compressed or not", "[mnist]") {
  const fs::path dir = testing::TempDir("mnist_load");
  WriteGz(dir / "train-images-idx3-ubyte.gz", IdxImages(4));
  WriteGz(dir / "train-labels-idx1-ubyte.gz", IdxLabels({5, 0, 4, 1}));
  WritePlain(dir / "t10k-images-idx3-ubyte", IdxImages(2));
  WritePlain(dir / "t10k-labels-idx1-ubyte", IdxLabels({7, 2}));
  REQUIRE(HasMnistFiles(dir.string()));
  MnistData data = LoadMnist(dir.string());
  CHECK(data.train.size == 4);
  CHECK(data.train.labels == std::vector<int32_t>{5, 0, 4, 1});
  CHECK(data.test.size == 2);
  CHECK(data.test.labels == std::vector<int32_t>{7, 2});
  CHECK_THAT(data.source, Catch::Contains(dir.string()));
}

TEST_CASE("ReadMnist rejects bad files with a message naming the file", "[mnist]") {
  const fs::path dir = testing::TempDir("mnist_errors");
  const std::string images = (dir / "images.gz").string();
  const std::string labels = (dir / "labels.gz").string();
  WriteGz(images, IdxImages(3));
  WriteGz(labels, IdxLabels({1, 2, 3}));
  REQUIRE(ReadMnist(images, labels).size == 3);

  auto error_of = [&](const std::string& image_path, const std::string& label_path) {
    return CaughtError([&] { ReadMnist(image_path, label_path); });
  };

  SECTION("a missing file, with how to point at the data") {
    const std::string missing = (dir / "nope.gz").string();
    Error e = error_of(missing, labels);
    CHECK(e.code() == ErrorCode::kNotFound);
    CHECK_THAT(e.message(), Catch::Contains(missing) && Catch::Contains("not found") &&
                                Catch::Contains("--data DIR") && Catch::Contains("TG_MNIST_DIR"));
  }
  SECTION("LoadMnist on a folder without the files names the first one") {
    const fs::path empty = testing::TempDir("mnist_empty");
    Error e = CaughtError([&] { LoadMnist(empty.string()); });
    CHECK(e.code() == ErrorCode::kNotFound);
    CHECK_THAT(e.message(),
               Catch::Contains((empty / "train-images-idx3-ubyte.gz").string()) &&
                   Catch::Contains("nor without .gz") && Catch::Contains("--data DIR") &&
                   Catch::Contains("TG_MNIST_DIR"));
  }
  SECTION("a labels file where images are expected") {
    Error e = error_of(labels, labels);
    CHECK_THAT(e.message(), Catch::Contains(labels) &&
                                Catch::Contains("magic number 2049 (an idx1 labels file), "
                                                "expected 2051 (idx3 images)"));
  }
  SECTION("an unknown magic number in the labels") {
    WriteGz(labels, IdxLabels({1, 2, 3}, /*magic=*/1234));
    Error e = error_of(images, labels);
    CHECK_THAT(e.message(), Catch::Contains(labels) &&
                                Catch::EndsWith("magic number 1234, expected 2049 (idx1 labels)"));
  }
  SECTION("images that are not 28x28") {
    WriteGz(images, IdxImages(3, 32, 32));
    CHECK_THAT(error_of(images, labels).message(),
               Catch::Contains(images) && Catch::EndsWith("images are 32x32, expected 28x28"));
  }
  SECTION("pixels cut short") {
    Bytes bytes = IdxImages(3);
    bytes.resize(16 + 2000);
    WriteGz(images, bytes);
    Error e = error_of(images, labels);
    CHECK(e.code() == ErrorCode::kDataLoss);
    CHECK_THAT(e.message(),
               Catch::Contains(images) &&
                   Catch::EndsWith("truncated: the header promises 2352 bytes of pixels, "
                                   "the file holds 2000"));
  }
  SECTION("labels cut short") {
    Bytes bytes = IdxLabels({1, 2, 3});
    bytes.pop_back();
    WriteGz(labels, bytes);
    CHECK_THAT(error_of(images, labels).message(),
               Catch::EndsWith("truncated: the header promises 3 bytes of labels, "
                               "the file holds 2"));
  }
  SECTION("a file that ends inside the header") {
    WriteGz(images, Bytes{0, 0, 8, 3, 0, 0});
    Error e = error_of(images, labels);
    CHECK(e.code() == ErrorCode::kDataLoss);
    CHECK_THAT(e.message(), Catch::EndsWith("the file ends inside the header (image count)"));
  }
  SECTION("a gzip stream cut short") {
    WriteGz(images, IdxImages(300));
    const auto size = fs::file_size(images);
    fs::resize_file(images, size / 2);
    Error e = error_of(images, labels);
    CHECK(e.code() == ErrorCode::kDataLoss);
    CHECK_THAT(e.message(), Catch::Contains(images) && Catch::Contains("truncated"));
  }
  SECTION("bytes after the data") {
    Bytes bytes = IdxLabels({1, 2, 3});
    bytes.push_back(4);
    WriteGz(labels, bytes);
    CHECK_THAT(error_of(images, labels).message(),
               Catch::Contains(labels) &&
                   Catch::EndsWith("trailing data after the 3 bytes of labels the header "
                                   "promises"));
  }
  SECTION("image and label counts that differ") {
    WriteGz(labels, IdxLabels({1, 2}));
    CHECK_THAT(error_of(images, labels).message(),
               Catch::Contains(images) && Catch::Contains("holds 3 images") &&
                   Catch::Contains(labels) && Catch::Contains("holds 2 labels"));
  }
  SECTION("a label above 9") {
    WriteGz(labels, IdxLabels({1, 10, 3}));
    CHECK_THAT(error_of(images, labels).message(),
               Catch::Contains(labels) &&
                   Catch::EndsWith("label 10 at index 1 is out of range, expected 0 to 9"));
  }
}

TEST_CASE("EpochOrder is a seeded permutation, the same on every platform", "[mnist]") {
  const std::vector<int64_t> order = EpochOrder(1000, 42, 0);
  REQUIRE(order.size() == 1000);
  CHECK(std::set<int64_t>(order.begin(), order.end()).size() == 1000);
  CHECK(*std::min_element(order.begin(), order.end()) == 0);
  CHECK(*std::max_element(order.begin(), order.end()) == 999);

  CHECK(EpochOrder(1000, 42, 0) == order);
  CHECK(EpochOrder(1000, 42, 1) != order);
  CHECK(EpochOrder(1000, 43, 0) != order);
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(order != identity);

  // Golden values: a change here changes every training run's batch order.
  CHECK(std::vector<int64_t>(order.begin(), order.begin() + 8) ==
        std::vector<int64_t>{644, 929, 135, 900, 759, 528, 247, 499});
  CHECK(EpochOrder(10, 7, 3) == std::vector<int64_t>{8, 5, 3, 9, 4, 7, 6, 1, 2, 0});

  CHECK(EpochOrder(0, 1, 0).empty());
  CHECK(EpochOrder(1, 1, 0) == std::vector<int64_t>{0});
  CHECK_THROWS_AS(EpochOrder(-1, 1, 0), Error);
}

TEST_CASE("SplitMix64 gives the reference sequence and unbiased bounded draws", "[mnist]") {
  // The first outputs for seed 1234567 from the reference implementation.
  SplitMix64 rng(1234567);
  CHECK(rng.Next() == 6457827717110365317ull);
  CHECK(rng.Next() == 3203168211198807973ull);
  CHECK(rng.Next() == 9817491932198370423ull);

  SplitMix64 draws(5);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) ++counts[draws.Below(6)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  for (int i = 0; i < 1000; ++i) {
    const float u = draws.Uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
  }
  CHECK_THROWS_AS(draws.Below(0), Error);
}

TEST_CASE("SyntheticData is deterministic, MNIST-shaped and learnable", "[mnist]") {
  const MnistData a = SyntheticData(7);
  const MnistData b = SyntheticData(7);
  const MnistData c = SyntheticData(8);
  REQUIRE(a.train.size == 5000);
  REQUIRE(a.test.size == 1000);
  for (const Dataset* d : {&a.train, &a.test}) {
    CHECK(d->features == 784);
    CHECK(d->num_classes == 10);
    REQUIRE(d->images.size() == static_cast<size_t>(d->size * 784));
    REQUIRE(d->labels.size() == static_cast<size_t>(d->size));
    CHECK(*std::min_element(d->images.begin(), d->images.end()) >= 0.0f);
    CHECK(*std::max_element(d->images.begin(), d->images.end()) <= 1.0f);
    std::vector<int> per_class(10, 0);
    for (int32_t label : d->labels) ++per_class[label];
    CHECK(per_class == std::vector<int>(10, static_cast<int>(d->size / 10)));
  }
  CHECK(a.train.images == b.train.images);
  CHECK(a.test.images == b.test.images);
  CHECK(a.train.labels == b.train.labels);
  CHECK(a.train.images != c.train.images);
  CHECK(a.train.images != std::vector<float>(a.train.images.size(), a.train.images[0]));
  CHECK_THAT(a.source, Catch::Contains("synthetic") && Catch::Contains("7"));

  const MnistData small = SyntheticData(7, {.train_size = 20, .test_size = 10});
  CHECK(small.train.size == 20);
  CHECK(small.test.size == 10);

  // Learnable, but not trivially: nearest class mean, the simplest
  // classifier, does well; an MLP is meant to do better.
  std::vector<double> means(10 * 784, 0.0);
  for (int64_t i = 0; i < a.train.size; ++i) {
    for (int64_t j = 0; j < 784; ++j) {
      means[a.train.labels[i] * 784 + j] += a.train.images[i * 784 + j] / 500.0;
    }
  }
  int correct = 0;
  for (int64_t i = 0; i < a.test.size; ++i) {
    int best = 0;
    double best_distance = 1e300;
    for (int k = 0; k < 10; ++k) {
      double distance = 0.0;
      for (int64_t j = 0; j < 784; ++j) {
        const double d = a.test.images[i * 784 + j] - means[k * 784 + j];
        distance += d * d;
      }
      if (distance < best_distance) best_distance = distance, best = k;
    }
    correct += best == a.test.labels[i];
  }
  const double accuracy = correct / 1000.0;
  INFO("nearest-mean accuracy " << accuracy);
  CHECK(accuracy > 0.8);
  CHECK(accuracy < 1.0);
}

TEST_CASE("GatherBatch copies the ordered examples and checks its ranges", "[mnist]") {
  Dataset data;
  data.size = 4;
  data.features = 3;
  data.num_classes = 10;
  data.images = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
  data.labels = {5, 6, 7, 8};
  const std::vector<int64_t> order = {3, 1, 0, 2};

  std::vector<float> images(6, -1.0f);
  std::vector<int32_t> labels(2, -1);
  GatherBatch(data, order, 1, 3, images, labels);
  CHECK(images == std::vector<float>{10, 11, 12, 0, 1, 2});
  CHECK(labels == std::vector<int32_t>{6, 5});

  GatherBatch(data, order, 0, 1, images, labels);  // a short last batch
  CHECK(images[0] == 30.0f);
  CHECK(labels[0] == 8);

  CHECK_THROWS_WITH(GatherBatch(data, order, 3, 5, images, labels),
                    Catch::Contains("range [3, 5) is not within the order of 4 indices"));
  CHECK_THROWS_WITH(GatherBatch(data, order, 2, 1, images, labels), Catch::Contains("range"));
  CHECK_THROWS_WITH(GatherBatch(data, order, 0, 3, images, labels),
                    Catch::Contains("a batch of 3 needs room for 9 image values"));
  const std::vector<int64_t> bad = {0, 4};
  CHECK_THROWS_WITH(GatherBatch(data, bad, 0, 2, images, labels),
                    Catch::Contains("index 4 at position 1 is out of range"));
}

TEST_CASE("FindMnistDir prefers --data, then TG_MNIST_DIR, then the default", "[mnist]") {
  const fs::path flag_dir = FakeMnistDir("mnist_flag");
  const fs::path env_dir = FakeMnistDir("mnist_env");
  const fs::path missing = fs::path(testing::TempDir("mnist_find")) / "missing";
  const std::string default_dir =
      (fs::path(TG_SOURCE_DIR) / ".." / "shared" / "data" / "mnist").lexically_normal().string();
  const std::string expected_default = HasMnistFiles(default_dir) ? default_dir : "";

  SECTION("flag over the variable") {
    ScopedEnv env("TG_MNIST_DIR", env_dir.c_str());
    CHECK(FindMnistDir(flag_dir.string()) == flag_dir.string());
    CHECK(FindMnistDir("") == env_dir.string());
  }
  SECTION("the default when neither is given; \"\" when it has no data") {
    ScopedEnv env("TG_MNIST_DIR", nullptr);
    CHECK(FindMnistDir("") == expected_default);
    ScopedEnv empty("TG_MNIST_DIR", "");
    CHECK(FindMnistDir("") == expected_default);
  }
  SECTION("a --data folder that does not exist is an error, not a fallback") {
    ScopedEnv env("TG_MNIST_DIR", env_dir.c_str());
    Error e = CaughtError([&] { FindMnistDir(missing.string()); });
    CHECK(e.code() == ErrorCode::kNotFound);
    CHECK_THAT(e.message(), Catch::Contains(missing.string()) && Catch::Contains("--data") &&
                                Catch::Contains("does not exist"));
  }
  SECTION("a --data folder without the files names the one missing") {
    fs::remove(flag_dir / kMnistTestLabels);
    CHECK_THROWS_WITH(FindMnistDir(flag_dir.string()),
                      Catch::Contains(flag_dir.string()) &&
                          Catch::Contains("has no t10k-labels-idx1-ubyte.gz"));
    // The uncompressed name is as good.
    WritePlain(flag_dir / "t10k-labels-idx1-ubyte", {});
    CHECK(FindMnistDir(flag_dir.string()) == flag_dir.string());
  }
  SECTION("a TG_MNIST_DIR that does not exist is an error too") {
    ScopedEnv env("TG_MNIST_DIR", missing.c_str());
    CHECK_THROWS_WITH(FindMnistDir(""),
                      Catch::Contains(missing.string()) && Catch::Contains("TG_MNIST_DIR"));
  }
}

TEST_CASE("ProgressBar prints nothing when its stream is not a terminal", "[mnist]") {
  const fs::path path = fs::path(testing::TempDir("mnist_progress")) / "log.txt";
  std::FILE* file = std::fopen(path.c_str(), "w+");
  REQUIRE(file != nullptr);
  {
    ProgressBar bar(10, "epoch 1", file);
    CHECK_FALSE(bar.enabled());
    for (int step = 0; step <= 10; ++step) bar.Update(step, "loss 0.5");
    bar.Finish();
  }
  std::fclose(file);
  CHECK(fs::file_size(path) == 0);
}

TEST_CASE("LoadMnist reads the real MNIST files", "[mnist]") {
  const char* env = std::getenv("TG_MNIST_DIR");
  const std::string dir =
      env != nullptr && *env != '\0'
          ? std::string(env)
          : (fs::path(TG_SOURCE_DIR) / ".." / "shared" / "data" / "mnist").lexically_normal().string();
  if (!HasMnistFiles(dir)) {
    WARN("TG_TEST_SKIPPED: no MNIST files in '" << dir
                                                << "' (set TG_MNIST_DIR to a folder holding them)");
    return;
  }
  const MnistData data = LoadMnist(dir);
  REQUIRE(data.train.size == 60000);
  REQUIRE(data.test.size == 10000);
  CHECK(data.train.images.size() == 60000u * 784);
  CHECK(std::vector<int32_t>(data.train.labels.begin(), data.train.labels.begin() + 10) ==
        std::vector<int32_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4});
  CHECK(std::vector<int32_t>(data.test.labels.begin(), data.test.labels.begin() + 10) ==
        std::vector<int32_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9});
  std::vector<int> per_class(10, 0);
  for (int32_t label : data.train.labels) ++per_class[label];
  CHECK(per_class[1] == 6742);  // the largest class
  CHECK(*std::max_element(data.train.images.begin(), data.train.images.end()) == 1.0f);
  CHECK(*std::min_element(data.train.images.begin(), data.train.images.end()) == 0.0f);
}

}  // namespace
}  // namespace tensorgraph::examples
