// A minimal streaming JSON emitter for tg's machine-readable output: it
// places commas and escapes strings, and nothing more.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

namespace tensorgraph::tools {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // Inside an object, each value is preceded by its key.
  void Key(std::string_view key) {
    Separate();
    WriteString(key);
    out_ << ": ";
    after_key_ = true;
  }

  void String(std::string_view value) {
    Separate();
    WriteString(value);
  }
  void Int(int64_t value) {
    Separate();
    out_ << value;
  }
  void Bool(bool value) {
    Separate();
    out_ << (value ? "true" : "false");
  }
  void Null() {
    Separate();
    out_ << "null";
  }

 private:
  void Open(char bracket) {
    Separate();
    out_ << bracket;
    first_.push_back(true);
  }
  void Close(char bracket) {
    first_.pop_back();
    out_ << bracket;
  }
  // A comma before every element but the first of its container.
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ << ", ";
    first_.back() = false;
  }
  void WriteString(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ << '"';
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      switch (c) {
        case '"': out_ << "\\\""; break;
        case '\\': out_ << "\\\\"; break;
        case '\n': out_ << "\\n"; break;
        case '\r': out_ << "\\r"; break;
        case '\t': out_ << "\\t"; break;
        default:
          if (u < 0x20) {
            out_ << "\\u00" << kHex[u >> 4] << kHex[u & 15];
          } else {
            out_ << c;
          }
      }
    }
    out_ << '"';
  }

  std::ostream& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace tensorgraph::tools
