#include "graph/error.h"

namespace tensorgraph {
namespace {

std::string Format(const std::string& message, const std::string& node, const std::string& op) {
  if (node.empty()) return message;
  if (op.empty()) return StrCat("'", node, "': ", message);
  return StrCat(op, " '", node, "': ", message);
}

}  // namespace

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kFailedPrecondition: return "failed precondition";
    case ErrorCode::kUnimplemented: return "unimplemented";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kDataLoss: return "data loss";
    case ErrorCode::kResourceExhausted: return "resource exhausted";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

Error::Error(ErrorCode code, std::string message, std::string node, std::string op)
    : std::runtime_error(Format(message, node, op)),
      code_(code),
      message_(std::move(message)),
      node_(std::move(node)),
      op_(std::move(op)) {}

}  // namespace tensorgraph
