// Every input the fuzzers found a bug with, kept under
// tests/fuzz/regressions/<target>/, and every seed of their corpora (the
// test data), replayed through the fuzz targets in the ordinary build: the
// bugs stay fixed without clang or libFuzzer. tests/fuzz/README.md says how
// to add one.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

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
    const auto seeds = FilesUnder(source / "tests/data", target.seed_extension);
    inputs.insert(inputs.end(), seeds.begin(), seeds.end());
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

}  // namespace
}  // namespace tensorgraph::fuzz
