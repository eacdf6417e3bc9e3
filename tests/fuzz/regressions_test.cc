// Every input the fuzzers found a bug with, kept under
// tests/fuzz/regressions/<target>/, and every seed of their corpora (the
// test data), replayed through the fuzz targets in the ordinary build: the
// bugs stay fixed without clang or libFuzzer. tests/fuzz/README.md says how
// to add one.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/fuzz/fuzz_targets.h"

namespace tensorgraph::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> FilesUnder(const fs::path& dir, std::string_view extension = "") {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && (extension.empty() || entry.path().extension() == extension)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("the fuzz targets hold on their regression inputs and seeds", "[fuzz]") {
  const fs::path source(TG_SOURCE_DIR);
  int replayed = 0;
  for (const Target& target : Targets()) {
    std::vector<fs::path> inputs = FilesUnder(source / "tests/fuzz/regressions" / target.name);
    if (!target.seed_extension.empty()) {
      const auto seeds = FilesUnder(source / "tests/data", target.seed_extension);
      inputs.insert(inputs.end(), seeds.begin(), seeds.end());
    }
    for (const fs::path& input : inputs) {
      INFO(target.name << " on " << input.string());
      const std::vector<uint8_t> bytes = ReadBytes(input);
      // A broken invariant aborts, failing the test with the input named.
      CHECK_NOTHROW(target.run(bytes.data(), bytes.size()));
      ++replayed;
    }
  }
  // The seeds alone are several per target.
  CHECK(replayed >= 20);
}

TEST_CASE("the op-by-op graph builder holds on a fixed set of random choices", "[fuzz]") {
  // graph_build's input is choices, not a file: without libFuzzer, the
  // same code runs on these, the same on every machine.
  std::mt19937 rng(2026);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> bytes(16 + rng() % 240);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    INFO("input " << i);
    CHECK_NOTHROW(GraphBuild(bytes.data(), bytes.size()));
  }
}

}  // namespace
}  // namespace tensorgraph::fuzz
