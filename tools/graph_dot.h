// A graph as Graphviz DOT (`tg dot`): one box per node labelled with its
// name and op, data edges labelled with the dtype and shape they carry,
// control edges dashed.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "graph/graph.h"

namespace tensorgraph::tools {

// The text of a DOT double-quoted string.
inline std::string DotEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

inline std::string DotQuoted(std::string_view text) { return "\"" + DotEscaped(text) + "\""; }

inline void WriteDot(const Graph& graph, std::ostream& out) {
  out << "digraph tensorgraph {\n"
      << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (const auto& node : graph.nodes()) {
    // DOT reads \n inside a label as a line break.
    out << "  " << DotQuoted(node->name()) << " [label=\"" << DotEscaped(node->name()) << "\\n"
        << DotEscaped(node->op()) << "\"];\n";
  }
  for (const auto& node : graph.nodes()) {
    for (const Output& in : node->inputs()) {
      std::string label = StrCat(DataTypeName(in.dtype()), " ", in.shape().ToString());
      if (in.index > 0) label = StrCat(":", in.index, " ", label);
      out << "  " << DotQuoted(in.node->name()) << " -> " << DotQuoted(node->name())
          << " [label=" << DotQuoted(label) << "];\n";
    }
    for (const Node* control : node->control_inputs()) {
      out << "  " << DotQuoted(control->name()) << " -> " << DotQuoted(node->name())
          << " [style=dashed];\n";
    }
  }
  out << "}\n";
}

}  // namespace tensorgraph::tools
