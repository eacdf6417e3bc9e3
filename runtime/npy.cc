#include "runtime/npy.h"

#include <bit>
#include <charconv>
#include <fstream>
#include <optional>
#include <string_view>
#include <vector>

namespace tensorgraph {
namespace {

static_assert(std::endian::native == std::endian::little,
              ".npy data is read and written as little-endian host memory");

constexpr std::string_view kMagic = "\x93NUMPY";
// Magic, two version bytes; then a 2-byte (v1) or 4-byte (v2, v3) length.
constexpr size_t kPreambleBytes = kMagic.size() + 2;
// numpy pads the header so the data starts on this boundary.
constexpr size_t kHeaderAlignment = 64;
// numpy refuses longer headers when reading; so do we, before allocating.
constexpr uint32_t kMaxHeaderBytes = 1 << 20;

struct NpyType {
  DataType dtype;
  std::string_view descr;
};
constexpr NpyType kNpyTypes[] = {
    {DT_FLOAT, "<f4"}, {DT_DOUBLE, "<f8"}, {DT_INT32, "<i4"},
    {DT_INT64, "<i8"}, {DT_UINT8, "|u1"},  {DT_BOOL, "|b1"},
};

template <typename... Args>
[[noreturn]] void FileError(ErrorCode code, const std::filesystem::path& path, Args&&... args) {
  ThrowError(code, "npy file '", path.string(), "': ", std::forward<Args>(args)...);
}

// A printable excerpt of untrusted bytes for messages.
std::string Excerpt(std::string_view bytes, size_t max_chars = 80) {
  std::string out;
  for (char c : bytes.substr(0, max_chars)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  if (bytes.size() > max_chars) out += "...";
  return out;
}

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// Parses the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// with exactly these three keys, as numpy writes it.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::filesystem::path& path)
      : text_(text), path_(path) {}

  NpyHeader Parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    Expect('{');
    while (!Consume('}')) {
      const std::string key = ParseString();
      Expect(':');
      if (key == "descr" && !seen_descr) {
        header.descr = ParseString();
        seen_descr = true;
      } else if (key == "fortran_order" && !seen_order) {
        header.fortran_order = ParseBool();
        seen_order = true;
      } else if (key == "shape" && !seen_shape) {
        header.shape = ParseShape();
        seen_shape = true;
      } else {
        Fail(StrCat("unexpected or repeated key '", key, "'"));
      }
      if (!Consume(',')) {
        Expect('}');
        break;
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) Fail("trailing characters after the dict");
    if (!seen_descr || !seen_order || !seen_shape) {
      Fail("the dict must have the keys 'descr', 'fortran_order' and 'shape'");
    }
    return header;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    FileError(ErrorCode::kInvalidArgument, path_, "bad header: ", what, " at offset ", pos_,
              " of \"", Excerpt(text_), "\"");
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Expect(char c) {
    if (!Consume(c)) Fail(StrCat("expected '", c, "'"));
  }
  bool ConsumeWord(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::string ParseString() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      Fail("expected a quoted string");
    }
    const size_t end = text_.find(text_[pos_], pos_ + 1);
    if (end == std::string_view::npos) Fail("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }

  bool ParseBool() {
    if (ConsumeWord("True")) return true;
    if (ConsumeWord("False")) return false;
    Fail("expected True or False");
  }

  std::vector<int64_t> ParseShape() {
    std::vector<int64_t> dims;
    Expect('(');
    while (!Consume(')')) {
      SkipSpace();
      int64_t dim = 0;
      const char* begin = text_.data() + pos_;
      const auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), dim);
      if (ec == std::errc::result_out_of_range) Fail("dimension overflows int64");
      if (ec != std::errc() || dim < 0) Fail("expected a non-negative dimension");
      pos_ += static_cast<size_t>(end - begin);
      Consume('L');  // Python 2 wrote long integers as 3L
      dims.push_back(dim);
      if (!Consume(',')) {
        Expect(')');
        break;
      }
    }
    return dims;
  }

  std::string_view text_;
  const std::filesystem::path& path_;
  size_t pos_ = 0;
};

DataType DataTypeFromDescr(const std::string& descr, const std::filesystem::path& path) {
  for (const NpyType& t : kNpyTypes) {
    // Byte order does not apply to one-byte types, which numpy marks '|'.
    const bool any_order = t.descr[0] == '|' && descr.size() == 3 &&
                           (descr[0] == '<' || descr[0] == '>') &&
                           descr.substr(1) == t.descr.substr(1);
    if (descr == t.descr || any_order) return t.dtype;
  }
  if (descr.size() > 1 && descr[0] == '>') {
    FileError(ErrorCode::kUnimplemented, path, "big-endian dtype '", Excerpt(descr),
              "' is not supported; expected little-endian (save arr.astype('<",
              Excerpt(descr.substr(1)), "'))");
  }
  FileError(ErrorCode::kUnimplemented, path, "dtype '", Excerpt(descr),
            "' is not supported; expected one of <f4, <f8, <i4, <i8, |u1, |b1");
}

uint32_t LittleEndian(std::string_view bytes) {
  uint32_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::string HeaderText(const Tensor& tensor) {
  std::string_view descr;
  for (const NpyType& t : kNpyTypes) {
    if (t.dtype == tensor.dtype()) descr = t.descr;
  }
  if (descr.empty()) {
    ThrowInvalid("WriteNpy: dtype ", DataTypeName(tensor.dtype()),
                 " cannot be written; expected float, double, int32, int64, uint8 or bool");
  }
  std::string dims;
  for (int64_t d : tensor.shape().dims()) dims += StrCat(dims.empty() ? "" : ", ", d);
  if (tensor.rank() == 1) dims += ',';  // Python's one-element tuple
  return StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (", dims, "), }");
}

}  // namespace

Tensor ReadNpy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FileError(ErrorCode::kNotFound, path, "cannot open it for reading");
  std::error_code ec;
  const uintmax_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec) FileError(ErrorCode::kNotFound, path, "cannot read its size: ", ec.message());

  auto read_exactly = [&](size_t n, const char* what) {
    std::string bytes(n, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(n))) {
      FileError(ErrorCode::kDataLoss, path, "truncated: the file ends inside the ", what,
                " (", file_bytes, " bytes in all)");
    }
    return bytes;
  };

  const std::string preamble = read_exactly(kPreambleBytes, "preamble");
  if (std::string_view(preamble).substr(0, kMagic.size()) != kMagic) {
    FileError(ErrorCode::kInvalidArgument, path, "not a .npy file: expected the magic \"",
              Excerpt(kMagic), "\", found \"", Excerpt(preamble.substr(0, kMagic.size())), "\"");
  }
  const int major = static_cast<unsigned char>(preamble[kMagic.size()]);
  const int minor = static_cast<unsigned char>(preamble[kMagic.size() + 1]);
  if (major < 1 || major > 3 || minor != 0) {
    FileError(ErrorCode::kUnimplemented, path, "format version ", major, ".", minor,
              " is not supported; expected 1.0, 2.0 or 3.0");
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  const uint32_t header_bytes = LittleEndian(read_exactly(length_bytes, "header length"));
  if (header_bytes > kMaxHeaderBytes) {
    FileError(ErrorCode::kInvalidArgument, path, "header length ", header_bytes,
              " exceeds the limit of ", kMaxHeaderBytes, " bytes");
  }
  const std::string header_text = read_exactly(header_bytes, "header");
  const NpyHeader header = HeaderParser(header_text, path).Parse();

  const DataType dtype = DataTypeFromDescr(header.descr, path);
  if (header.fortran_order) {
    FileError(ErrorCode::kUnimplemented, path,
              "fortran_order is True; expected a C-order array (save np.ascontiguousarray(arr))");
  }
  std::optional<Shape> shape;
  try {
    shape.emplace(header.shape);
  } catch (const Error& e) {
    FileError(ErrorCode::kInvalidArgument, path, "bad shape: ", e.message());
  }
  const uintmax_t data_offset = kPreambleBytes + length_bytes + header_bytes;
  const uintmax_t data_bytes = file_bytes - data_offset;
  // Compared by division first so an enormous shape cannot overflow.
  const size_t item = DataTypeSize(dtype);
  if (static_cast<uintmax_t>(shape->num_elements()) > data_bytes / item ||
      static_cast<uintmax_t>(shape->num_elements()) * item != data_bytes) {
    FileError(ErrorCode::kDataLoss, path, "holds ", data_bytes, " bytes of data; a ",
              DataTypeName(dtype), " array of shape ", shape->ToString(), " needs ",
              shape->num_elements(), " x ", item, " bytes");
  }

  Tensor tensor(dtype, *shape);
  if (data_bytes > 0 && !in.read(static_cast<char*>(tensor.raw_data()),
                                 static_cast<std::streamsize>(data_bytes))) {
    FileError(ErrorCode::kDataLoss, path, "reading ", data_bytes, " bytes of data failed");
  }
  if (dtype == DT_BOOL) {
    // Any non-zero byte is true; a C++ bool must hold exactly 0 or 1.
    auto* bytes = static_cast<unsigned char*>(tensor.raw_data());
    for (int64_t i = 0; i < tensor.num_elements(); ++i) bytes[i] = bytes[i] != 0;
  }
  return tensor;
}

void WriteNpy(const std::filesystem::path& path, const Tensor& tensor) {
  if (!tensor.on_host()) {
    ThrowInvalid("WriteNpy '", path.string(), "': the tensor must be in host memory");
  }
  std::string header = HeaderText(tensor);
  // Pad with spaces and end with '\n' so the data starts aligned; the
  // length field of version 1.0 has two bytes, of 2.0 four.
  auto padded_length = [&](size_t length_bytes) {
    const size_t unpadded = kPreambleBytes + length_bytes + header.size() + 1;
    return header.size() + 1 + (kHeaderAlignment - unpadded % kHeaderAlignment) % kHeaderAlignment;
  };
  const bool v1 = padded_length(2) <= 0xffff;
  const size_t length = padded_length(v1 ? 2 : 4);
  header.resize(length - 1, ' ');
  header += '\n';

  std::string preamble(kMagic);
  preamble += static_cast<char>(v1 ? 1 : 2);
  preamble += '\0';
  for (size_t i = 0; i < (v1 ? 2u : 4u); ++i) preamble += static_cast<char>((length >> (8 * i)) & 0xff);

  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) FileError(ErrorCode::kNotFound, tmp, "cannot open it for writing");
    out.write(preamble.data(), static_cast<std::streamsize>(preamble.size()));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    if (tensor.bytes() > 0) {
      out.write(static_cast<const char*>(tensor.raw_data()),
                static_cast<std::streamsize>(tensor.bytes()));
    }
    if (!out.flush()) {
      out.close();
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      FileError(ErrorCode::kDataLoss, tmp, "writing failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    FileError(ErrorCode::kDataLoss, path, "renaming '", tmp.string(), "' over it failed: ",
              ec.message());
  }
}

}  // namespace tensorgraph
