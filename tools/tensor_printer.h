// numpy-like printing of a host tensor for `tg run`: nested brackets,
// aligned columns, and, as numpy does for arrays over 1000 elements, only the
// first and last three items of each dimension.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace tensorgraph::tools {

class TensorPrinter {
 public:
  static constexpr int64_t kSummarizeThreshold = 1000;
  static constexpr int64_t kEdgeItems = 3;

  explicit TensorPrinter(const Tensor& tensor)
      : tensor_(tensor),
        summarize_(tensor.num_elements() > kSummarizeThreshold),
        strides_(static_cast<size_t>(tensor.rank()), 1) {
    for (int d = tensor.rank() - 2; d >= 0; --d) {
      strides_[static_cast<size_t>(d)] = strides_[static_cast<size_t>(d + 1)] * tensor.dim(d + 1);
    }
  }

  void Print(std::ostream& out) {
    if (tensor_.num_elements() == 0) {
      out << "[]";
      return;
    }
    ForEachShown(0, 0, [&](int64_t i) { width_ = std::max(width_, Format(i).size()); });
    PrintDim(out, 0, 0);
  }

 private:
  static constexpr int64_t kEllipsis = -1;

  // The indices of dimension d that are printed, kEllipsis where some are left out.
  std::vector<int64_t> ShownIndices(int d) const {
    const int64_t n = tensor_.dim(d);
    std::vector<int64_t> shown;
    if (summarize_ && n > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) shown.push_back(i);
      shown.push_back(kEllipsis);
      for (int64_t i = n - kEdgeItems; i < n; ++i) shown.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) shown.push_back(i);
    }
    return shown;
  }

  template <typename Fn>
  void ForEachShown(int d, int64_t offset, Fn&& fn) const {
    if (d == tensor_.rank()) {
      fn(offset);
      return;
    }
    for (int64_t i : ShownIndices(d)) {
      if (i != kEllipsis) ForEachShown(d + 1, offset + i * strides_[static_cast<size_t>(d)], fn);
    }
  }

  void PrintDim(std::ostream& out, int d, int64_t offset) const {
    const int rank = tensor_.rank();
    if (d == rank) {
      const std::string text = Format(offset);
      out << std::string(width_ - text.size(), ' ') << text;
      return;
    }
    // Rows of the last dimension are separated by a line break, blocks of
    // higher dimensions by one more per level, as numpy prints them.
    const std::string separator =
        d == rank - 1 ? " " : std::string(static_cast<size_t>(rank - d - 1), '\n') +
                                  std::string(static_cast<size_t>(d + 1), ' ');
    out << '[';
    bool first = true;
    for (int64_t i : ShownIndices(d)) {
      if (!first) out << separator;
      first = false;
      if (i == kEllipsis) {
        out << "...";
      } else {
        PrintDim(out, d + 1, offset + i * strides_[static_cast<size_t>(d)]);
      }
    }
    out << ']';
  }

  // The shortest text that reads back as `value`, cut to numpy's default of
  // 8 fractional digits; whole numbers end in a dot ("1.") as in numpy.
  template <typename T>
  static std::string FormatFloat(T value) {
    constexpr int kPrecision = 8;
    char buffer[400];  // fits any double in fixed notation
    char* end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    std::string text(buffer, end);
    if (!std::isfinite(value) || text.find('e') != std::string::npos) return text;
    const size_t dot = text.find('.');
    if (dot == std::string::npos) return text + '.';
    if (text.size() - dot - 1 > kPrecision) {
      end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed,
                          kPrecision).ptr;
      text.assign(buffer, end);
      text.erase(text.find_last_not_of('0') + 1);
    }
    return text;
  }

  // Defined after FormatFloat: clang instantiates the visitor here and needs
  // the member template complete.
  std::string Format(int64_t i) const {
    return VisitDataType(tensor_.dtype(), "TensorPrinter", [&](auto zero) -> std::string {
      using T = decltype(zero);
      const T value = tensor_.data<T>()[i];
      if constexpr (std::is_same_v<T, bool>) {
        return value ? "True" : "False";
      } else if constexpr (std::is_floating_point_v<T>) {
        return FormatFloat(value);
      } else {
        return std::to_string(static_cast<int64_t>(value));
      }
    });
  }


  const Tensor& tensor_;
  const bool summarize_;
  std::vector<int64_t> strides_;
  size_t width_ = 0;
};

}  // namespace tensorgraph::tools
