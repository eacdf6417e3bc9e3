// The one error type of the library: an exception carrying a code, the node
// and op it concerns, and a message saying what was expected and what was
// found. Builder calls, imports and Session::Run all report through it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace tensorgraph {

enum class ErrorCode {
  kInvalidArgument,    // bad input from the caller: a graph, a feed, a file
  kNotFound,           // a name that does not exist
  kFailedPrecondition, // state not ready, e.g. an uninitialized variable
  kUnimplemented,      // a valid request this build does not support
  kOutOfRange,
  kDataLoss,           // a corrupt or truncated file
  kResourceExhausted,  // an allocation failed
  kInternal,           // a bug in tensorgraph itself
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string node = {}, std::string op = {});

  ErrorCode code() const { return code_; }
  const std::string& node() const { return node_; }
  const std::string& op() const { return op_; }
  // The message alone, without the "Op 'node': " prefix that what() has.
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
  std::string node_;
  std::string op_;
};

namespace detail {
template <typename... Args>
std::string StrCat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

// Concatenates its arguments with operator<< into one string.
template <typename... Args>
std::string StrCat(Args&&... args) {
  return detail::StrCat(std::forward<Args>(args)...);
}

// "1 output", "2 outputs": a count with its noun, for messages.
inline std::string Count(int64_t n, std::string_view singular) {
  return StrCat(n, " ", singular, n == 1 ? "" : "s");
}

template <typename... Args>
[[noreturn]] void ThrowError(ErrorCode code, Args&&... args) {
  throw Error(code, StrCat(std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void ThrowInvalid(Args&&... args) {
  throw Error(ErrorCode::kInvalidArgument, StrCat(std::forward<Args>(args)...));
}

}  // namespace tensorgraph
