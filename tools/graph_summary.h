// What `tg inspect` reports about a graph: its likely inputs and outputs,
// which ops it uses, and how many parameters it holds; as text or JSON.
#pragma once

#include <iomanip>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "runtime/session.h"
#include "tools/json_writer.h"

namespace tensorgraph::tools {

struct TensorInfo {
  std::string name;  // always "node:i"
  DataType dtype = DT_INVALID;
  PartialShape shape;
};

struct OpCount {
  std::string op;
  int count = 0;
};

struct GraphSummary {
  int producer = 0;
  int num_nodes = 0;
  // Element counts; a total past int64's range reads as its maximum.
  int64_t num_parameters = 0;
  // In a training graph: the elements of the variables that are not
  // trained (optimizer slots, Adam's beta powers, the global step).
  int64_t num_optimizer_state = 0;
  std::vector<TensorInfo> inputs;           // Placeholders
  std::vector<TensorInfo> optional_inputs;  // PlaceholderWithDefaults
  // The model's outputs: the sinks of the forward part (in a training
  // graph, what the gradient and optimizer nodes are not).
  std::vector<TensorInfo> outputs;
  // In a training graph: the nodes to run as targets for one step (nothing
  // consumes them and their control inputs run update ops), and the losses
  // the gradients are taken of.
  std::vector<std::string> train_nodes;
  std::vector<TensorInfo> losses;
  struct Variable {
    std::string name;
    DataType dtype = DT_INVALID;
    PartialShape shape;
    bool trained = false;  // an update op trains it (else: optimizer state)
  };
  std::vector<Variable> variables;
  std::vector<OpCount> ops;                 // most used first
};

inline bool IsUpdateOp(const Node& node) {
  return node.op().starts_with("ResourceApply") ||
         (node.op().starts_with("Assign") && node.op().ends_with("VariableOp"));
}

// Nodes the gradient pass made: under a "gradients" or "gradients_N" scope.
inline bool IsGradientNode(const Node& node) {
  const std::string& name = node.name();
  if (!name.starts_with("gradients")) return false;
  size_t i = std::string_view("gradients").size();
  if (i < name.size() && name[i] == '_') {
    ++i;
    while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  }
  return i < name.size() && name[i] == '/';
}

inline TensorInfo DescribeOutput(const Output& output) {
  return {output.node->name() + ":" + std::to_string(output.index), output.dtype(),
          output.shape()};
}

inline GraphSummary SummarizeGraph(const Graph& graph) {
  GraphSummary summary;
  summary.producer = graph.versions().producer;
  summary.num_nodes = graph.num_nodes();

  // Consumers, data and control, of each node.
  std::map<const Node*, std::vector<const Node*>> consumers;
  for (const auto& node : graph.nodes()) {
    for (const Output& in : node->inputs()) consumers[in.node].push_back(node.get());
    for (const Node* c : node->control_inputs()) consumers[c].push_back(node.get());
  }
  // The training part: gradient nodes, update ops, train nodes, and what
  // feeds nothing else (learning-rate schedules, Adam's beta powers). What
  // remains is the model. A loss is what a gradient pass seeded from.
  std::set<const Node*> training, losses;
  for (const auto& node : graph.nodes()) {
    if (IsGradientNode(*node) && node->op() == "OnesLike" && node->num_inputs() == 1 &&
        !IsGradientNode(*node->input(0).node)) {
      if (losses.insert(node->input(0).node).second) {
        summary.losses.push_back(DescribeOutput(node->input(0)));
      }
    }
  }
  for (auto it = graph.nodes().rbegin(); it != graph.nodes().rend(); ++it) {
    const Node* node = it->get();
    const auto& users = consumers[node];
    const bool is_train_node = users.empty() && !node->control_inputs().empty() &&
                               std::any_of(node->control_inputs().begin(),
                                           node->control_inputs().end(),
                                           [](const Node* c) { return IsUpdateOp(*c); });
    if (is_train_node) summary.train_nodes.push_back(node->name());
    const bool feeds_training_only =
        !users.empty() && !losses.count(node) && node->op() != "VarHandleOp" &&
        node->op() != "Placeholder" &&
        std::all_of(users.begin(), users.end(), [&](const Node* u) { return training.count(u); });
    if (IsGradientNode(*node) || IsUpdateOp(*node) || is_train_node || feeds_training_only) {
      training.insert(node);
    }
  }
  std::reverse(summary.train_nodes.begin(), summary.train_nodes.end());
  std::set<std::pair<const Node*, int>> consumed;  // by the model's part
  for (const auto& node : graph.nodes()) {
    if (training.count(node.get())) continue;
    for (const Output& in : node->inputs()) consumed.emplace(in.node, in.index);
  }
  std::map<std::string, int> op_counts;
  // A graph with variables holds its parameters in them (its float
  // constants are initial values, shapes, scales); a frozen graph holds
  // them in float constants.
  bool has_variables = false;
  // Counted wide: each count fits int64, but a graph's total need not
  // (two variables of 2^62 elements); the summary clamps it.
  __int128 variable_elements = 0, const_elements = 0;
  // In a training graph the parameters are the variables an update op
  // trains: those whose handle is input 0 ("var") of a ResourceApply* op.
  std::set<const Node*> trained;
  for (const auto& node : graph.nodes()) {
    if (node->op().starts_with("ResourceApply") && node->num_inputs() > 0) {
      trained.insert(node->input(0).node);
    }
  }
  __int128 trained_elements = 0;
  for (const auto& node : graph.nodes()) {
    ++op_counts[node->op()];
    if (node->op() == "Placeholder") summary.inputs.push_back(DescribeOutput(node->output(0)));
    if (node->op() == "PlaceholderWithDefault") {
      summary.optional_inputs.push_back(DescribeOutput(node->output(0)));
    }
    if (node->op() == "Const" && IsFloating(node->output_type(0))) {
      const_elements += node->attr<Tensor>("value").num_elements();
    }
    if (node->op() == "VarHandleOp") {
      has_variables = true;
      const auto& shape = node->attr<PartialShape>("shape");
      summary.variables.push_back({node->name(), node->attr<DataType>("dtype"), shape,
                                   trained.count(node.get()) > 0});
      if (shape.fully_defined()) {
        variable_elements += shape.num_elements();
        if (trained.count(node.get())) trained_elements += shape.num_elements();
      }
    }
    // A resource handle cannot be fetched, so it is no output; a loss is
    // listed as one.
    if (training.count(node.get()) || losses.count(node.get())) continue;
    for (int i = 0; i < node->num_outputs(); ++i) {
      if (!consumed.count({node.get(), i}) && node->output_type(i) != DT_RESOURCE) {
        summary.outputs.push_back(DescribeOutput(node->output(i)));
      }
    }
  }
  for (const auto& [op, count] : op_counts) summary.ops.push_back({op, count});
  std::stable_sort(summary.ops.begin(), summary.ops.end(),
                   [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  const auto clamp = [](__int128 n) {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    return n > kMax ? kMax : static_cast<int64_t>(n);
  };
  summary.num_parameters = clamp(has_variables ? variable_elements : const_elements);
  if (!trained.empty()) {
    summary.num_parameters = clamp(trained_elements);
    summary.num_optimizer_state = clamp(variable_elements - trained_elements);
  }
  return summary;
}

inline void PrintSummaryText(const GraphSummary& summary, std::ostream& out,
                             const PlanSummary* plan = nullptr) {
  out << "producer version: " << summary.producer << "\n"
      << "nodes: " << summary.num_nodes << "\n"
      << "parameters: " << summary.num_parameters << "\n";
  if (summary.num_optimizer_state > 0) {
    out << "optimizer state: " << summary.num_optimizer_state << "\n";
  }
  auto print_tensors = [&](const char* title, const std::vector<TensorInfo>& tensors) {
    out << title << " (" << tensors.size() << "):\n";
    for (const TensorInfo& t : tensors) {
      out << "  " << t.name << "  " << DataTypeName(t.dtype) << " " << t.shape.ToString() << "\n";
    }
  };
  print_tensors("inputs", summary.inputs);
  print_tensors("optional inputs", summary.optional_inputs);
  print_tensors("outputs", summary.outputs);
  if (!summary.train_nodes.empty()) {
    out << "targets, run for their effects (" << summary.train_nodes.size() << "):\n";
    for (const std::string& name : summary.train_nodes) out << "  " << name << "\n";
  }
  if (!summary.losses.empty()) print_tensors("losses", summary.losses);
  if (!summary.variables.empty()) {
    out << "variables (" << summary.variables.size() << "):\n";
    // Optimizer state exists only where an update op trains something.
    const bool training = std::any_of(summary.variables.begin(), summary.variables.end(),
                                      [](const auto& v) { return v.trained; });
    for (const auto& v : summary.variables) {
      out << "  " << v.name << "  " << DataTypeName(v.dtype) << " " << v.shape.ToString()
          << (training && !v.trained ? "  (optimizer state)" : "") << "\n";
    }
  }
  out << "ops (" << summary.ops.size() << "):\n";
  for (const OpCount& op : summary.ops) out << "  " << op.count << "  " << op.op << "\n";
  if (plan != nullptr) {
    out << "plan: " << plan->kernels << " kernels and " << plan->copies
        << " copies per run, " << plan->precomputed << " steps computed when planned";
    if (plan->dynamic > 0) out << ", " << plan->dynamic << " with shapes known only while running";
    out << "\n  peak memory in new buffers: ";
    if (plan->peak_bytes < 0) {
      out << "known only while running\n";
    } else {
      out << plan->peak_bytes << " bytes (" << std::fixed << std::setprecision(2)
          << static_cast<double>(plan->peak_bytes) / (1 << 20) << " MiB)\n";
      out.unsetf(std::ios::floatfield);
    }
    out << "  replayable: "
        << (plan->replayable ? std::string("yes (recorded on the second run, then replayed)")
                             : "no: " + plan->not_replayable_reason)
        << "\n";
    for (const std::string& note : plan->placement_notes) out << "  placement: " << note << "\n";
  }
}

inline void PrintSummaryJson(const GraphSummary& summary, std::ostream& out,
                             const PlanSummary* plan = nullptr) {
  JsonWriter json(out);
  // "name", "dtype" and "shape" of a tensor or variable; unknown dims are
  // -1, an unknown rank is null.
  auto write_typed = [&](const std::string& name, DataType dtype, const PartialShape& shape) {
    json.Key("name");
    json.String(name);
    json.Key("dtype");
    json.String(DataTypeName(dtype));
    json.Key("shape");
    if (!shape.rank_known()) {
      json.Null();
    } else {
      json.BeginArray();
      for (int64_t d : shape.dims()) json.Int(d);
      json.EndArray();
    }
  };
  auto write_tensors = [&](const char* key, const std::vector<TensorInfo>& tensors) {
    json.Key(key);
    json.BeginArray();
    for (const TensorInfo& t : tensors) {
      json.BeginObject();
      write_typed(t.name, t.dtype, t.shape);
      json.EndObject();
    }
    json.EndArray();
  };
  json.BeginObject();
  json.Key("producer_version");
  json.Int(summary.producer);
  json.Key("nodes");
  json.Int(summary.num_nodes);
  json.Key("parameters");
  json.Int(summary.num_parameters);
  json.Key("optimizer_state");
  json.Int(summary.num_optimizer_state);
  write_tensors("inputs", summary.inputs);
  write_tensors("optional_inputs", summary.optional_inputs);
  write_tensors("outputs", summary.outputs);
  json.Key("train_nodes");
  json.BeginArray();
  for (const std::string& name : summary.train_nodes) json.String(name);
  json.EndArray();
  write_tensors("losses", summary.losses);
  json.Key("variables");
  json.BeginArray();
  for (const auto& v : summary.variables) {
    json.BeginObject();
    write_typed(v.name, v.dtype, v.shape);
    json.Key("trained");
    json.Bool(v.trained);
    json.EndObject();
  }
  json.EndArray();
  json.Key("ops");
  json.BeginObject();
  for (const OpCount& op : summary.ops) {
    json.Key(op.op);
    json.Int(op.count);
  }
  json.EndObject();
  if (plan != nullptr) {
    json.Key("plan");
    json.BeginObject();
    json.Key("kernels");
    json.Int(plan->kernels);
    json.Key("copies");
    json.Int(plan->copies);
    json.Key("precomputed");
    json.Int(plan->precomputed);
    json.Key("dynamic");
    json.Int(plan->dynamic);
    json.Key("peak_bytes");
    if (plan->peak_bytes < 0) {
      json.Null();
    } else {
      json.Int(plan->peak_bytes);
    }
    json.Key("replayable");
    json.Bool(plan->replayable);
    json.Key("not_replayable_reason");
    json.String(plan->not_replayable_reason);
    json.Key("placement_notes");
    json.BeginArray();
    for (const std::string& note : plan->placement_notes) json.String(note);
    json.EndArray();
    json.EndObject();
  }
  json.EndObject();
  out << "\n";
}

}  // namespace tensorgraph::tools
