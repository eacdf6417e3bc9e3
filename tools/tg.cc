// tg: the tensorgraph command line. Inspects, runs, converts, draws and
// differentiates GraphDef models; docs/cli.md is its reference.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "graph/gradients.h"
#include "graph/graph_def.h"
#include "runtime/checkpoint.h"
#include "runtime/npy.h"
#include "runtime/session.h"
#include "tools/graph_dot.h"
#include "tools/graph_summary.h"
#include "tools/tensor_printer.h"

namespace tensorgraph::tools {
namespace {

// "NAME[:i]=FILE" split at the first '=' (node names cannot hold one).
struct TensorFileSpec {
  std::string tensor;
  std::optional<std::string> file;
};

TensorFileSpec ParseTensorFileSpec(const std::string& spec, const char* flag, bool file_required) {
  const std::string form = file_required ? "NAME[:i]=FILE.npy" : "NAME[:i][=FILE.npy]";
  const size_t eq = spec.find('=');
  TensorFileSpec parsed{spec.substr(0, eq), std::nullopt};
  if (eq != std::string::npos) parsed.file = spec.substr(eq + 1);
  std::string_view node;
  int index = 0;
  if (!ParseTensorName(parsed.tensor, &node, &index)) {
    ThrowInvalid(flag, " '", spec, "': bad tensor name '", parsed.tensor, "'; expected ", form);
  }
  if ((file_required && !parsed.file) || (parsed.file && parsed.file->empty())) {
    ThrowInvalid(flag, " '", spec, "': missing file name; expected ", form);
  }
  return parsed;
}

// NAME[:i]=D0,D1,...: a feed's shape, for planning without data.
std::pair<std::string, Shape> ParseFeedShape(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    ThrowInvalid("--feed-shape '", spec, "': expected NAME=D0,D1,... (NAME= for a scalar)");
  }
  std::vector<int64_t> dims;
  std::string rest = spec.substr(eq + 1);
  size_t at = 0;
  while (at < rest.size()) {
    const size_t comma = std::min(rest.find(',', at), rest.size());
    const std::string dim = rest.substr(at, comma - at);
    char* end = nullptr;
    const long long d = std::strtoll(dim.c_str(), &end, 10);
    if (dim.empty() || *end != '\0' || d < 0) {
      ThrowInvalid("--feed-shape '", spec, "': '", dim, "' is not a dimension");
    }
    dims.push_back(d);
    at = comma + 1;
  }
  return {spec.substr(0, eq), Shape(std::move(dims))};
}

void Inspect(const std::string& model, bool json, const ImportOptions& limits,
             const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
             const std::vector<std::string>& feed_shapes, const std::string& device) {
  std::shared_ptr<const Graph> graph(LoadGraph(model, limits));
  const GraphSummary summary = SummarizeGraph(*graph);
  std::optional<PlanSummary> plan;
  if (!fetches.empty() || !targets.empty()) {
    // The plan for this signature, specialized to the feed shapes: what a
    // Run would do, before anything runs.
    FeedList feeds;
    for (const std::string& spec : feed_shapes) {
      auto [name, shape] = ParseFeedShape(spec);
      feeds.emplace_back(name, Tensor::Metadata(graph->FindOutput(name).dtype(), std::move(shape)));
    }
    Session session(graph, {.device = device, .memory_limit_bytes = limits.memory_limit_bytes});
    plan = session.Explain(feeds, std::vector<TensorName>(fetches.begin(), fetches.end()),
                           std::vector<TargetName>(targets.begin(), targets.end()));
  }
  if (json) {
    PrintSummaryJson(summary, std::cout, plan ? &*plan : nullptr);
  } else {
    PrintSummaryText(summary, std::cout, plan ? &*plan : nullptr);
  }
}

void Run(const std::string& model, const std::vector<std::string>& feed_specs,
         const std::vector<std::string>& fetch_specs, const std::vector<std::string>& targets,
         const std::vector<std::string>& inits, const std::string& checkpoint,
         const std::string& save_checkpoint, int64_t memory_limit, const std::string& device) {
  if (fetch_specs.empty() && targets.empty() && inits.empty()) {
    ThrowInvalid("nothing to run: give at least one --fetch, --target or --init");
  }
  FeedList feeds;
  for (const std::string& spec : feed_specs) {
    TensorFileSpec feed = ParseTensorFileSpec(spec, "--feed", true);
    feeds.emplace_back(feed.tensor, ReadNpy(*feed.file));
  }
  std::vector<TensorFileSpec> fetches;
  std::vector<TensorName> fetch_names;
  for (const std::string& spec : fetch_specs) {
    fetches.push_back(ParseTensorFileSpec(spec, "--fetch", false));
    fetch_names.emplace_back(fetches.back().tensor);
  }
  std::vector<TargetName> target_names(targets.begin(), targets.end());

  Session session(std::shared_ptr<const Graph>(LoadGraph(model, {.memory_limit_bytes = memory_limit})),
                  {.device = device, .memory_limit_bytes = memory_limit});
  if (!checkpoint.empty()) RestoreCheckpoint(session, checkpoint);
  // Each initializer is a step of its own, so it has finished before
  // anything reads what it set.
  for (const std::string& init : inits) session.Run({}, {}, {init});
  std::vector<Tensor> results;
  if (!fetch_names.empty() || !target_names.empty()) {
    results = session.Run(feeds, fetch_names, target_names);
  }
  if (!save_checkpoint.empty()) SaveCheckpoint(session, save_checkpoint);
  for (size_t i = 0; i < results.size(); ++i) {
    if (fetches[i].file) {
      WriteNpy(*fetches[i].file, results[i]);
      continue;
    }
    std::cout << fetches[i].tensor << ": " << DataTypeName(results[i].dtype()) << " "
              << results[i].shape().ToString() << "\n";
    TensorPrinter(results[i]).Print(std::cout);
    std::cout << "\n";
  }
}

// The GraphDef is imported (and so fully validated) but written as read,
// so conversion keeps annotations and versions. Fields this format does not
// model (TensorFlow's experimental_type) survive binary to binary; text
// cannot carry them, so WriteGraphDef leaves them out there.
void Convert(const std::string& in, const std::string& out, const ImportOptions& limits) {
  proto::GraphDef graph_def = ReadGraphDef(in, limits);
  FromGraphDef(graph_def, limits);
  WriteGraphDef(graph_def, out);
}

void Dot(const std::string& model, const std::string& out_path, const ImportOptions& limits) {
  const std::unique_ptr<Graph> graph = LoadGraph(model, limits);
  if (out_path.empty()) {
    WriteDot(*graph, std::cout);
    return;
  }
  std::ofstream out(out_path);
  if (!out) ThrowError(ErrorCode::kNotFound, "cannot open '", out_path, "' for writing");
  WriteDot(*graph, out);
  if (!out.flush()) ThrowError(ErrorCode::kDataLoss, "writing '", out_path, "' failed");
}

// Adds the gradients of the sum of the ys with respect to each x and saves
// the graph; prints "x<TAB>gradient" per x, "none" where no y depends on x
// (or x is not floating), so a script can fetch them with `tg run`.
void Grad(const std::string& model, const std::vector<std::string>& y_names,
          const std::vector<std::string>& x_names, const std::string& out_path) {
  const std::unique_ptr<Graph> graph = LoadGraph(model);
  auto find_all = [&](const std::vector<std::string>& names, const char* flag) {
    std::vector<Output> outputs;
    for (const std::string& name : names) {
      std::string_view node;
      int index = 0;
      if (!ParseTensorName(name, &node, &index)) {
        ThrowInvalid(flag, ": bad tensor name '", name, "'; expected NAME[:i]");
      }
      outputs.push_back(graph->FindOutput(name));
    }
    return outputs;
  };
  const std::vector<Output> ys = find_all(y_names, "--ys");
  const std::vector<Output> xs = find_all(x_names, "--xs");
  const std::vector<Output> grads = AddGradients(Scope(*graph), ys, xs);
  SaveGraph(*graph, out_path);
  for (size_t i = 0; i < xs.size(); ++i) {
    std::cout << xs[i].name() << "\t" << (grads[i].node ? grads[i].name() : "none") << "\n";
  }
}

// Error messages are printed on one line.
std::string OneLine(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

}  // namespace
}  // namespace tensorgraph::tools

int main(int argc, char** argv) {
  using namespace tensorgraph::tools;
  CLI::App app{
      "tg: inspect, run, convert, draw and differentiate tensorgraph models (GraphDef .pb / "
      ".pbtxt)"};
  app.require_subcommand(1);

  std::string model, out_path, convert_in, convert_out, checkpoint, save_checkpoint;
  bool json = false;
  std::vector<std::string> feeds, fetches, targets, inits;
  int64_t memory_limit = 0;
  // For graphs from untrusted sources: refuse what needs more memory.
  auto add_memory_limit = [&](CLI::App* command, const char* what) {
    command->add_option("--memory-limit", memory_limit,
                        std::string("BYTES (512MiB, 2GB, ...): refuse ") + what +
                            " that would need more memory")
        ->transform(CLI::AsSizeValue(false))
        ->check(CLI::NonNegativeNumber);
  };

  CLI::App* inspect = app.add_subcommand("inspect", "Summarize a model's inputs, outputs and ops");
  inspect->add_option("MODEL", model, "Model file (.pb or .pbtxt)")->required();
  inspect->add_flag("--json", json, "Print one JSON object");
  std::vector<std::string> feed_shapes;
  std::string device = "CPU";
  inspect->add_option("--fetch", fetches,
                      "NAME[:i]: also plan a run fetching this (peak memory, copies, steps)")
      ->allow_extra_args(false);
  inspect->add_option("--target", targets, "NAME: plan a run of this node too")
      ->allow_extra_args(false);
  inspect->add_option("--feed-shape", feed_shapes,
                      "NAME[:i]=D0,D1,...: a feed of that shape in the planned run")
      ->allow_extra_args(false);
  inspect->add_option("--device", device, "Device of the planned run (CPU, GPU)");
  add_memory_limit(inspect, "a model file or constants");

  CLI::App* run = app.add_subcommand("run", "Run a model on .npy feeds");
  run->add_option("MODEL", model, "Model file (.pb or .pbtxt)")->required();
  // One value per flag, so `--fetch y MODEL` leaves MODEL positional.
  run->add_option("--feed", feeds, "NAME[:i]=FILE.npy: feed a tensor from a .npy file")
      ->allow_extra_args(false);
  run->add_option("--fetch", fetches,
                  "NAME[:i][=FILE.npy]: fetch a tensor into a .npy file, or print it")
      ->allow_extra_args(false);
  run->add_option("--target", targets, "NAME: run a node for its effects")
      ->allow_extra_args(false);
  run->add_option("--init", inits,
                  "NAME: run a node (a variable initializer) in a step of its own, first")
      ->allow_extra_args(false);

  run->add_option("--checkpoint", checkpoint,
                  "FILE.safetensors: restore every variable from a checkpoint first");
  run->add_option("--save-checkpoint", save_checkpoint,
                  "FILE.safetensors: save every variable after the run (a training step)");
  run->add_option("--device", device, "Where the graph runs and variables live (cpu, gpu)");
  add_memory_limit(run, "a model or a run");

  CLI::App* convert = app.add_subcommand("convert", "Convert between .pb and .pbtxt");
  convert->add_option("IN", convert_in, "Input model")->required();
  convert->add_option("OUT", convert_out, "Output model; .pbtxt writes text, else binary")
      ->required();
  add_memory_limit(convert, "a model file or constants");

  CLI::App* dot = app.add_subcommand("dot", "Draw a model as Graphviz DOT");
  dot->add_option("MODEL", model, "Model file (.pb or .pbtxt)")->required();
  dot->add_option("-o,--output", out_path, "Write to this file instead of stdout");
  add_memory_limit(dot, "a model file or constants");

  CLI::App* grad =
      app.add_subcommand("grad", "Add the gradients of ys with respect to xs and save the model");
  std::vector<std::string> ys, xs;
  grad->add_option("MODEL", model, "Model file (.pb or .pbtxt)")->required();
  grad->add_option("--ys", ys, "NAME[:i][,NAME[:i]...]: the tensors whose sum is differentiated")
      ->required()
      ->delimiter(',');
  grad->add_option("--xs", xs, "NAME[:i][,NAME[:i]...]: the tensors to differentiate with respect to")
      ->required()
      ->delimiter(',');
  grad->add_option("-o,--output", out_path, "Output model; .pbtxt writes text, else binary")
      ->required();

  CLI11_PARSE(app, argc, argv);

  try {
    const tensorgraph::ImportOptions limits{.memory_limit_bytes = memory_limit};
    if (inspect->parsed()) Inspect(model, json, limits, fetches, targets, feed_shapes, device);
    if (run->parsed()) {
      Run(model, feeds, fetches, targets, inits, checkpoint, save_checkpoint, memory_limit, device);
    }
    if (convert->parsed()) Convert(convert_in, convert_out, limits);
    if (dot->parsed()) Dot(model, out_path, limits);
    if (grad->parsed()) Grad(model, ys, xs, out_path);
  } catch (const std::exception& e) {
    // tensorgraph::Error is a std::exception whose what() names the node.
    std::cerr << "tg: error: " << OneLine(e.what()) << "\n";
    return 1;
  }
  return 0;
}
