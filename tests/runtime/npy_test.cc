#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "runtime/npy.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

namespace fs = std::filesystem;

using testing::FileBytes;
using testing::WriteBytes;

// A .npy file of format `major`.0 with this header text (padded as numpy
// pads it) and these data bytes.
std::string NpyBytes(int major, std::string header, const std::string& data) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  while ((8 + length_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (size_t i = 0; i < length_bytes; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string FloatBytes(const std::vector<float>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)};
}

}  // namespace

TEST_CASE("WriteNpy then ReadNpy gives the same tensor for every dtype", "[npy]") {
  const fs::path dir = testing::TempDir("npy_round_trip");
  const std::vector<Tensor> tensors = {
      Tensor::FromVector<float>({1.5f, -2.25f, 3e38f, 0.0f, -0.0f, 7.0f}, Shape{2, 3}),
      Tensor::FromVector<double>({1e-300, -2.5, 3.0}),
      Tensor::FromVector<int32_t>({-2147483647 - 1, 0, 2147483647}),
      Tensor::FromVector<int64_t>({INT64_MIN, -1, INT64_MAX, 4}, Shape{2, 1, 2}),
      Tensor::FromVector<uint8_t>({0, 128, 255}),
      Tensor::FromVector<bool>({true, false, true, true}, Shape{2, 2}),
      Tensor::Scalar<float>(3.25f),
      Tensor::Scalar<bool>(true),
      Tensor::Scalar<int64_t>(-9),
      Tensor::Zeros(DT_FLOAT, Shape{0}),
      Tensor::Zeros(DT_INT32, Shape{2, 0, 3}),
  };
  for (const Tensor& tensor : tensors) {
    INFO(tensor.DebugString());
    const fs::path path = dir / "t.npy";
    WriteNpy(path, tensor);
    const Tensor back = ReadNpy(path);
    CHECK(back.BitwiseEquals(tensor));
    CHECK_FALSE(fs::exists(path.string() + ".tmp"));
    // numpy aligns the data to 64 bytes and ends the header with '\n'.
    const std::string bytes = FileBytes(path);
    CHECK((bytes.size() - tensor.bytes()) % 64 == 0);
    CHECK(bytes[bytes.size() - tensor.bytes() - 1] == '\n');
  }
}

TEST_CASE("WriteNpy writes numpy's version 1.0 header", "[npy]") {
  const fs::path dir = testing::TempDir("npy_header");
  WriteNpy(dir / "a.npy", Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3}));
  WriteNpy(dir / "b.npy", Tensor::FromVector<uint8_t>({1, 2, 3}));
  WriteNpy(dir / "c.npy", Tensor::Scalar<double>(1.0));
  // 10 preamble bytes, then 118 of header: the data starts at byte 128.
  CHECK(FileBytes(dir / "a.npy").substr(0, 69) ==
        std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  CHECK_THAT(FileBytes(dir / "b.npy"), Contains("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }"));
  CHECK_THAT(FileBytes(dir / "c.npy"), Contains("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"));
}

TEST_CASE("WriteNpy replaces a file and refuses what it cannot write", "[npy]") {
  const fs::path dir = testing::TempDir("npy_write_errors");
  WriteNpy(dir / "a.npy", Tensor::FromVector<int32_t>({1, 2, 3}));
  WriteNpy(dir / "a.npy", Tensor::FromVector<int32_t>({4}));
  CHECK(ReadNpy(dir / "a.npy").ToVector<int32_t>() == std::vector<int32_t>{4});

  CHECK_THROWS_WITH(WriteNpy(dir / "missing" / "a.npy", Tensor::Scalar<float>(1)),
                    Contains("a.npy.tmp': cannot open it for writing"));
  CHECK_THROWS_WITH(WriteNpy(dir / "r.npy", Tensor(DT_RESOURCE, Shape{})),
                    Contains("dtype resource cannot be written; expected float, double, int32, "
                             "int64, uint8 or bool"));
}

TEST_CASE("ReadNpy reads numpy's files", "[npy]") {
  const std::string dir = TG_TEST_DATA_DIR "/tf/";
  const Tensor x = ReadNpy(dir + "variables.x.npy");
  CHECK(x.dtype() == DT_FLOAT);
  CHECK(x.shape() == Shape{2, 4});
  CHECK(x.ToVector<float>() ==
        std::vector<float>{0.024f, 0.456f, 0.27f, -1.435f, 0.883f, -0.58f, -0.502f, 0.591f});

  const Tensor argmax = ReadNpy(dir + "mlp_frozen.argmax.npy");
  CHECK(argmax.dtype() == DT_INT64);
  CHECK(argmax.ToVector<int64_t>() == std::vector<int64_t>{2, 2, 2, 0, 2});

  const Tensor norm = ReadNpy(dir + "mlp_frozen.norm_f64.npy");
  CHECK(norm.dtype() == DT_DOUBLE);
  CHECK(norm.shape() == Shape{5});
  CHECK(norm.flat<double>()[0] == 2.2741721974323434);
}

TEST_CASE("ReadNpy reads format versions 2.0 and 3.0 and every byte order mark numpy uses",
          "[npy]") {
  const fs::path dir = testing::TempDir("npy_versions");
  for (int major : {2, 3}) {
    WriteBytes(dir / "v.npy", NpyBytes(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                       FloatBytes({1, 2})));
    CHECK(ReadNpy(dir / "v.npy").ToVector<float>() == std::vector<float>{1, 2});
  }
  // Python 2 wrote long dims with an L, double quotes are a dict's too, and
  // the keys may come in any order.
  WriteBytes(dir / "v.npy", NpyBytes(1, "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<u1\"}",
                                     std::string("\x05\x06", 2)));
  const Tensor bytes = ReadNpy(dir / "v.npy");
  CHECK(bytes.dtype() == DT_UINT8);
  CHECK(bytes.shape() == Shape{1, 2});
  // Any non-zero byte of a bool array is true.
  WriteBytes(dir / "v.npy", NpyBytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                     std::string("\x00\x02\x01", 3)));
  CHECK(ReadNpy(dir / "v.npy").ToVector<bool>() == std::vector<bool>{false, true, true});
}

TEST_CASE("ReadNpy rejects malformed and unsupported files", "[npy]") {
  const fs::path dir = testing::TempDir("npy_malformed");
  const fs::path path = dir / "bad.npy";
  const std::string good_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string data = FloatBytes({1, 2});

  auto check_error = [&](const std::string& bytes, ErrorCode code, const std::string& message) {
    WriteBytes(path, bytes);
    INFO(message);
    try {
      ReadNpy(path);
      FAIL("ReadNpy accepted the file");
    } catch (const Error& e) {
      CHECK(e.code() == code);
      CHECK_THAT(e.what(), Contains("npy file '" + path.string() + "': "));
      CHECK_THAT(e.what(), Contains(message));
    }
  };

  SECTION("bad magic") {
    check_error("PK\x03\x04 not numpy at all", ErrorCode::kInvalidArgument,
                "not a .npy file: expected the magic \"\\x93NUMPY\", found \"PK\\x03\\x04 n\"");
  }
  SECTION("unknown format version") {
    std::string bytes = NpyBytes(1, good_header, data);
    bytes[6] = 4;
    check_error(bytes, ErrorCode::kUnimplemented,
                "format version 4.0 is not supported; expected 1.0, 2.0 or 3.0");
  }
  SECTION("truncated preamble") {
    check_error("\x93NUM", ErrorCode::kDataLoss, "truncated: the file ends inside the preamble");
  }
  SECTION("truncated header") {
    check_error(NpyBytes(1, good_header, data).substr(0, 40), ErrorCode::kDataLoss,
                "truncated: the file ends inside the header (40 bytes in all)");
  }
  SECTION("header length beyond the limit") {
    check_error(std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12), ErrorCode::kInvalidArgument,
                "header length 2147483647 exceeds the limit of 1048576 bytes");
  }
  SECTION("header that is not a dict") {
    check_error(NpyBytes(1, "[1, 2]", data), ErrorCode::kInvalidArgument,
                "bad header: expected '{' at offset 0 of \"[1, 2]");
  }
  SECTION("header with a missing key") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'shape': (2,)}", data), ErrorCode::kInvalidArgument,
                "bad header: the dict must have the keys 'descr', 'fortran_order' and 'shape'");
  }
  SECTION("header with an unknown key") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", data),
                ErrorCode::kInvalidArgument, "bad header: unexpected or repeated key 'x' at offset");
  }
  SECTION("header with an unterminated string") {
    check_error(NpyBytes(1, "{'descr': '<f4", data), ErrorCode::kInvalidArgument,
                "bad header: unterminated string at offset 10");
  }
  SECTION("header with a bad fortran_order") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", data),
                ErrorCode::kInvalidArgument, "bad header: expected True or False");
  }
  SECTION("header with a negative dimension") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", data),
                ErrorCode::kInvalidArgument, "bad header: expected a non-negative dimension");
  }
  SECTION("header with trailing characters") {
    check_error(NpyBytes(1, good_header + " x", data), ErrorCode::kInvalidArgument,
                "bad header: trailing characters after the dict");
  }
  SECTION("fortran order") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", data),
                ErrorCode::kUnimplemented, "fortran_order is True; expected a C-order array");
  }
  SECTION("big-endian") {
    check_error(NpyBytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", data),
                ErrorCode::kUnimplemented,
                "big-endian dtype '>f4' is not supported; expected little-endian");
  }
  SECTION("unsupported dtype") {
    check_error(NpyBytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", data),
                ErrorCode::kUnimplemented,
                "dtype '<c8' is not supported; expected one of <f4, <f8, <i4, <i8, |u1, |b1");
  }
  SECTION("too little data") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", data),
                ErrorCode::kDataLoss,
                "holds 8 bytes of data; a float array of shape [3] needs 3 x 4 bytes");
  }
  SECTION("too much data") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", data),
                ErrorCode::kDataLoss,
                "holds 8 bytes of data; a float array of shape [1] needs 1 x 4 bytes");
  }
  SECTION("a dimension beyond int64") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", data),
                ErrorCode::kInvalidArgument, "bad header: dimension overflows int64");
  }
  SECTION("an element count beyond int64") {
    check_error(NpyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", data),
                ErrorCode::kInvalidArgument,
                "bad shape: shape [4294967296,4294967296] has more elements than int64 can count");
  }
  SECTION("an element count whose bytes overflow") {
    check_error(NpyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}", data),
                ErrorCode::kDataLoss, "holds 8 bytes of data; a double array of shape [4611686018427387904]");
  }
}

TEST_CASE("ReadNpy names a missing file", "[npy]") {
  const fs::path path = fs::path(testing::TempDir("npy_missing")) / "absent.npy";
  CHECK_THROWS_WITH(ReadNpy(path), Contains("npy file '" + path.string() + "': cannot open it for reading"));
}
