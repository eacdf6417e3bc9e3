// Trains a 784-512-512-10 ReLU network on MNIST: the graph (forward pass,
// gradients, optimizer updates, one train node) is built once, and each step
// is one Session::Run that feeds a batch, fetches the loss and runs "train".
//
//   train_mnist [--data DIR] [--epochs 3] [--batch 64] [--optimizer adam]
//               [--lr LR] [--seed 1] [--threads T] [--save DIR] [--resume DIR]
//
// --save DIR writes the training graph (model.pb) once and the checkpoint
// (model.safetensors, every variable: weights, optimizer slots, global step)
// after every epoch. --resume DIR loads both and continues from the saved
// global step to --epochs in total; with the same seed and batch size the
// losses are those of a run that was never interrupted. --demo narrates each
// step, falls back to synthetic data when MNIST is not found, and after
// training reloads the saved model in a fresh session to evaluate it.
//
// The last line is always "test_accuracy=<fraction> final_loss=<mean
// training loss of the last epoch>".
#include <tensorgraph.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "examples/mnist_data.h"
#include "runtime/cpu_threads.h"

using namespace tensorgraph;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kHidden = 512;
constexpr int64_t kEvalBatch = 1000;
constexpr char kGraphFile[] = "model.pb";
constexpr char kCheckpointFile[] = "model.safetensors";
constexpr char kConfigFile[] = "train_config.txt";

struct Flags {
  std::string data;
  int epochs = 3;
  int stop_after = 0;  // 0: run to --epochs
  int schedule_epochs = 0;  // the epochs the schedule spans: --epochs of the first run
  int batch = 64;
  double lr = 0;  // 0: the optimizer's default below
  std::string optimizer = "adam";
  std::string schedule = "cosine";
  uint64_t seed = 1;
  int threads = 0;  // 0: OpenBLAS's default
  std::string save;
  std::string resume;
  bool synthetic = false;
  bool demo = false;
  std::string device = "CPU";
};

double DefaultLearningRate(const std::string& optimizer) {
  static const std::map<std::string, double> rates = {
      {"sgd", 0.1},      {"momentum", 0.01},  {"adam", 0.001},
      {"adamw", 0.001},  {"rmsprop", 0.0005}, {"adagrad", 0.02}};
  return rates.at(optimizer);
}

std::unique_ptr<train::Optimizer> MakeOptimizer(const std::string& name,
                                                train::Hyperparameter lr) {
  if (name == "sgd") return std::make_unique<train::GradientDescent>(train::GradientDescentOptions{lr});
  if (name == "momentum") return std::make_unique<train::Momentum>(train::MomentumOptions{lr});
  if (name == "adam") return std::make_unique<train::Adam>(train::AdamOptions{lr});
  if (name == "adamw") return std::make_unique<train::AdamW>(train::AdamWOptions{lr});
  if (name == "rmsprop") return std::make_unique<train::RMSProp>(train::RMSPropOptions{lr});
  return std::make_unique<train::Adagrad>(train::AdagradOptions{lr});
}

Node* FindNode(const Graph& graph, const std::string& name) {
  Node* node = graph.FindNode(name);
  if (node == nullptr) {
    throw Error(ErrorCode::kNotFound, "the graph has no node '" + name + "'", name);
  }
  return node;
}

// The tensors and nodes a training loop uses, found by name, so that a
// graph reloaded from model.pb works like the one just built.
struct Model {
  std::shared_ptr<Graph> graph;
  Output images, labels, loss, predictions, global_step;
  Node* train = nullptr;
  Node* init = nullptr;

  static Model Find(std::shared_ptr<Graph> graph) {
    Model m;
    m.images = graph->FindOutput("images");
    m.labels = graph->FindOutput("labels");
    m.loss = graph->FindOutput("loss");
    m.predictions = graph->FindOutput("predictions");
    m.global_step = graph->FindOutput("global_step/value");
    m.train = FindNode(*graph, "train");
    m.init = FindNode(*graph, "init");
    m.graph = std::move(graph);
    return m;
  }
};

Output Dense(const Scope& scope, Output x, int64_t in, int64_t out, uint64_t seed) {
  auto w = train::Variable(scope.WithOpName("kernel"), {in, out},
                           train::GlorotUniform(static_cast<int64_t>(seed)));
  auto b = train::Variable(scope.WithOpName("bias"), {out}, train::Zeros());
  return ops::BiasAdd(scope, ops::MatMul(scope, x, w.Read(scope)), b.Read(scope));
}

// `decay_steps`: the steps the cosine schedule spans (the whole run).
Model BuildModel(int64_t features, int num_classes, const Flags& flags, int64_t decay_steps) {
  auto graph = std::make_shared<Graph>();
  Scope root(*graph);
  const Output images =
      ops::Placeholder(root.WithOpName("images"), DT_FLOAT, PartialShape({-1, features}));
  const Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT32, PartialShape({-1}));
  const uint64_t seed = flags.seed;
  Output h = ops::Relu(root, Dense(root.NewSubScope("dense"), images, features, kHidden, seed));
  h = ops::Relu(root, Dense(root.NewSubScope("dense"), h, kHidden, kHidden, seed));
  const Output logits = ops::Identity(
      root.WithOpName("logits"), Dense(root.NewSubScope("dense"), h, kHidden, num_classes, seed));
  const auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels);
  const Output loss = ops::Mean(root.WithOpName("loss"), xent.loss, {0});
  ops::ArgMax(root.WithOpName("predictions"), logits, 1);

  const ops::ResourceVariable step = train::GetOrCreateGlobalStep(root);
  const Output step_value = step.Read(root.WithOpName("global_step/value"));
  // The learning rate: constant, or a cosine decay to zero over the run.
  train::Hyperparameter lr = flags.lr;
  if (flags.schedule == "cosine") {
    lr = train::CosineDecay(root, step_value,
                            {.learning_rate = flags.lr, .decay_steps = std::max<int64_t>(decay_steps, 1)});
  }
  MakeOptimizer(flags.optimizer, lr)->Minimize(root, loss, {.global_step = step});
  train::GlobalVariablesInitializer(root);
  return Model::Find(std::move(graph));
}

// A number as %g prints it: 0.001, not 0.001000.
std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

int64_t StepsPerEpoch(int64_t examples, int batch) { return (examples + batch - 1) / batch; }

// Calls fn(images, labels) for `data` in order, in batches of kEvalBatch.
template <typename Fn>
void ForEachEvalBatch(const examples::Dataset& data, Fn&& fn) {
  std::vector<int64_t> order(data.size);
  for (int64_t i = 0; i < data.size; ++i) order[i] = i;
  for (int64_t begin = 0; begin < data.size; begin += kEvalBatch) {
    const int64_t n = std::min(kEvalBatch, data.size - begin);
    Tensor images(DT_FLOAT, Shape{n, data.features});
    Tensor labels(DT_INT32, Shape{n});
    examples::GatherBatch(data, order, begin, begin + n, images.flat<float>(),
                          labels.flat<int32_t>());
    fn(images, labels);
  }
}

// The fraction of `data` the model classifies correctly.
double Evaluate(Session& session, const Model& m, const examples::Dataset& data) {
  int64_t correct = 0;
  ForEachEvalBatch(data, [&](const Tensor& images, const Tensor& labels) {
    const Tensor predicted = session.Run({{m.images, images}}, {m.predictions})[0];
    for (int64_t i = 0; i < labels.num_elements(); ++i) {
      correct += predicted.data<int64_t>()[i] == labels.data<int32_t>()[i];
    }
  });
  return static_cast<double>(correct) / static_cast<double>(data.size);
}

// The mean loss over `data` at the current weights, without training.
double MeanLoss(Session& session, const Model& m, const examples::Dataset& data) {
  double total = 0;
  ForEachEvalBatch(data, [&](const Tensor& images, const Tensor& labels) {
    const float loss =
        session.Run({{m.images, images}, {m.labels, labels}}, {m.loss})[0].scalar<float>();
    total += static_cast<double>(loss) * static_cast<double>(labels.num_elements());
  });
  return total / static_cast<double>(data.size);
}

// --- the run configuration saved beside the checkpoint -----------------------------

void WriteConfig(const fs::path& dir, const Flags& flags) {
  std::ofstream out(dir / kConfigFile);
  out << "epochs=" << flags.epochs << "\nschedule_epochs=" << flags.schedule_epochs
      << "\noptimizer=" << flags.optimizer << "\nschedule=" << flags.schedule
      << "\nlr=" << Number(flags.lr) << "\nbatch=" << flags.batch
      << "\nseed=" << flags.seed << "\n";
  if (!out) throw Error(ErrorCode::kInternal, "cannot write " + (dir / kConfigFile).string());
}

// The saved run's settings, every line "key=value". Throws, naming the file
// and the key, on a missing file, a malformed line or an unknown key.
std::map<std::string, std::string> ReadConfig(const fs::path& dir) {
  const fs::path path = dir / kConfigFile;
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorCode::kNotFound, "cannot read " + path.string() +
                                          ": --resume needs a folder written by --save");
  }
  static const std::set<std::string> kKeys = {"epochs", "schedule_epochs", "optimizer",
                                              "schedule", "lr", "batch", "seed"};
  std::map<std::string, std::string> config;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    const std::string key = line.substr(0, eq);
    if (eq == std::string::npos || !kKeys.count(key)) {
      throw Error(ErrorCode::kInvalidArgument,
                  path.string() + ": expected key=value with a known key, got '" + line + "'");
    }
    config[key] = line.substr(eq + 1);
  }
  for (const std::string& key : kKeys) {
    if (!config.count(key)) {
      throw Error(ErrorCode::kInvalidArgument, path.string() + ": '" + key + "' is missing");
    }
  }
  return config;
}

// config[key] as a whole number in [min, max].
template <typename T>
T ConfigNumber(const std::map<std::string, std::string>& config, const std::string& key, T min,
               T max = std::numeric_limits<T>::max()) {
  const std::string& text = config.at(key);
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(kConfigFile) + ": '" + key + "' must be a number from " +
                    std::to_string(min) + " to " + std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

// Applies the saved run's settings to `flags`. A flag given on the command
// line must agree with them: the graph and the data order depend on them.
void ApplySavedConfig(Flags& flags, const CLI::App& app) {
  const auto config = ReadConfig(flags.resume);
  auto agree = [&](const char* flag, const std::string& given, const std::string& saved) {
    if (app.count(flag) && given != saved) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(flag) + " " + given + " differs from the saved run's " + saved +
                      " (" + flags.resume + "/" + kConfigFile +
                      "): the saved graph and data order depend on it");
    }
  };
  const int batch = ConfigNumber<int>(config, "batch", 1);
  const uint64_t seed = ConfigNumber<uint64_t>(config, "seed", 0);
  agree("--batch", std::to_string(flags.batch), std::to_string(batch));
  agree("--seed", std::to_string(flags.seed), std::to_string(seed));
  agree("--optimizer", flags.optimizer, config.at("optimizer"));
  agree("--schedule", flags.schedule, config.at("schedule"));
  agree("--lr", Number(flags.lr), config.at("lr"));
  flags.batch = batch;
  flags.seed = seed;
  flags.optimizer = config.at("optimizer");
  flags.schedule = config.at("schedule");
  flags.lr = std::stod(config.at("lr"));
  flags.schedule_epochs = ConfigNumber<int>(config, "schedule_epochs", 0);
  if (app.count("--epochs") == 0) flags.epochs = ConfigNumber<int>(config, "epochs", 0);
}

std::string Thousands(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return s;
}

int Run(Flags flags, const CLI::App& app) {
  auto say = [&](const std::string& text) {
    if (flags.demo) std::cout << text << std::endl;
  };
  if (flags.threads > 0) SetCpuThreads(flags.threads);

  // The run's settings: from the flags, or on --resume from the saved run.
  if (!flags.resume.empty()) ApplySavedConfig(flags, app);
  if (flags.lr == 0) flags.lr = DefaultLearningRate(flags.optimizer);
  if (flags.schedule_epochs == 0) flags.schedule_epochs = flags.epochs;

  // 1. The data.
  examples::MnistData data;
  const std::string dir = flags.synthetic ? "" : examples::FindMnistDir(flags.data);
  if (!dir.empty()) {
    data = examples::LoadMnist(dir);
  } else if (flags.synthetic || flags.demo) {
    data = examples::SyntheticData(flags.seed);
  } else {
    throw Error(ErrorCode::kNotFound,
                "MNIST was not found next to the checkout (../shared/data/mnist); pass --data DIR, "
                "set TG_MNIST_DIR, or use --synthetic");
  }
  say("1. Data: " + data.source + ", " + Thousands(data.train.size) + " training and " +
      Thousands(data.test.size) + " test examples of " + std::to_string(data.train.features) +
      " pixels.");

  // 2. The graph and the session: built, or loaded with the checkpoint.
  Model m;
  std::unique_ptr<Session> session;
  if (!flags.resume.empty()) {
    const fs::path graph_path = fs::path(flags.resume) / kGraphFile;
    m = Model::Find(std::shared_ptr<Graph>(LoadGraph(graph_path)));
    session = std::make_unique<Session>(m.graph, SessionOptions{.device = flags.device});
    RestoreCheckpoint(*session, fs::path(flags.resume) / kCheckpointFile);
    say("2. Model: resumed from " + graph_path.string() + " and its checkpoint (" +
        flags.optimizer + ", learning rate " + Number(flags.lr) + ").");
  } else {
    m = BuildModel(data.train.features, data.train.num_classes, flags,
                   flags.schedule_epochs * StepsPerEpoch(data.train.size, flags.batch));
    session = std::make_unique<Session>(m.graph, SessionOptions{.device = flags.device});
    session->Run({}, {}, {m.init});
    int64_t parameters = 0;
    for (const auto& var : train::TrainableVariables(*m.graph)) {
      parameters += train::VariableShape(var).num_elements();
    }
    say("2. Model: an MLP " + std::to_string(data.train.features) + "-512-512-" +
        std::to_string(data.train.num_classes) + " with ReLU, " + Thousands(parameters) +
        " parameters, trained by " + flags.optimizer + " (learning rate " + Number(flags.lr) +
        ", " + flags.schedule + " schedule). The graph holds " + std::to_string(m.graph->num_nodes()) +
        " nodes: the forward pass, its gradients, the updates and one train node.");
  }
  if (!flags.save.empty()) {
    fs::create_directories(flags.save);
    SaveGraph(*m.graph, fs::path(flags.save) / kGraphFile);
    WriteConfig(flags.save, flags);
  }

  // 3. Training: one Run per batch, fetching the loss and running "train".
  const int64_t n = data.train.size;
  if (n == 0) throw Error(ErrorCode::kInvalidArgument, "the training set is empty");
  const int64_t steps_per_epoch = StepsPerEpoch(n, flags.batch);
  const int64_t start_step = session->Run({}, {m.global_step})[0].scalar<int64_t>();
  const int64_t start_epoch = start_step / steps_per_epoch;
  if (start_step > 0) {
    say("3. Continuing at global step " + std::to_string(start_step) + " (epoch " +
        std::to_string(start_epoch + 1) + ") up to epoch " + std::to_string(flags.epochs) + ".");
  } else {
    say("3. Training for " + std::to_string(flags.epochs) + " epoch(s) of " +
        std::to_string(steps_per_epoch) + " steps, batch " + std::to_string(flags.batch) + ".");
  }
  double final_loss = NAN, accuracy = NAN;
  Tensor images(DT_FLOAT, Shape{flags.batch, data.train.features});
  Tensor labels(DT_INT32, Shape{flags.batch});
  const int64_t last_epoch =
      flags.stop_after > 0 ? std::min(flags.stop_after, flags.epochs) : flags.epochs;
  if (flags.schedule == "cosine" && flags.epochs > flags.schedule_epochs) {
    std::fprintf(stderr,
                 "train_mnist: note: the cosine schedule spans the %d epochs the model was built "
                 "for; the epochs after it train at its final rate, zero\n",
                 flags.schedule_epochs);
  }
  for (int64_t epoch = start_epoch; epoch < last_epoch; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int64_t> order = examples::EpochOrder(n, flags.seed, epoch);
    examples::ProgressBar bar(steps_per_epoch, "epoch " + std::to_string(epoch + 1));
    double loss_sum = 0;
    int64_t seen = 0;
    // A resumed step inside an epoch continues that epoch's order.
    const int64_t first = epoch == start_epoch ? start_step % steps_per_epoch : 0;
    for (int64_t s = first; s < steps_per_epoch; ++s) {
      const int64_t begin = s * flags.batch, end = std::min(n, begin + flags.batch);
      const bool full = end - begin == flags.batch;
      Tensor x = full ? images : Tensor(DT_FLOAT, Shape{end - begin, data.train.features});
      Tensor y = full ? labels : Tensor(DT_INT32, Shape{end - begin});
      examples::GatherBatch(data.train, order, begin, end, x.flat<float>(), y.flat<int32_t>());
      const float loss = session->Run({{m.images, x}, {m.labels, y}}, {m.loss}, {m.train})[0]
                             .scalar<float>();
      loss_sum += static_cast<double>(loss) * static_cast<double>(end - begin);
      seen += end - begin;
      char text[32];
      std::snprintf(text, sizeof text, "loss %.4f", loss_sum / static_cast<double>(seen));
      bar.Update(s + 1, text);
    }
    bar.Finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    final_loss = loss_sum / static_cast<double>(seen);
    accuracy = Evaluate(*session, m, data.test);
    std::printf("epoch %lld/%d: loss %.6f, test accuracy %.4f, %.1f s, %.0f samples/s\n",
                static_cast<long long>(epoch + 1), flags.epochs, final_loss, accuracy, seconds,
                static_cast<double>(seen) / seconds);
    std::fflush(stdout);
    if (!flags.save.empty()) SaveCheckpoint(*session, fs::path(flags.save) / kCheckpointFile);
  }
  const bool trained = !std::isnan(accuracy);
  if (!trained) {
    // Nothing left to train: report the model as it is.
    accuracy = Evaluate(*session, m, data.test);
    final_loss = MeanLoss(*session, m, data.train);
    std::fprintf(stderr,
                 "train_mnist: note: no epoch left to train (the model is at epoch %lld of %d); "
                 "final_loss is the training set's mean loss at its weights\n",
                 static_cast<long long>(start_epoch), flags.epochs);
  }

  // 4. Saved; 5. reloaded in a fresh session and evaluated again.
  const fs::path graph_path = fs::path(flags.save) / kGraphFile;
  const fs::path checkpoint = fs::path(flags.save) / kCheckpointFile;
  // With no epoch trained here, the folder still gets the model's checkpoint.
  if (!flags.save.empty() && !trained) SaveCheckpoint(*session, checkpoint);
  if (flags.demo && !flags.save.empty()) {
    say("4. Saved the training graph to " + graph_path.string() + " (" +
        Thousands(static_cast<int64_t>(fs::file_size(graph_path))) + " bytes) and every variable to " +
        checkpoint.string() + " (" + Thousands(static_cast<int64_t>(fs::file_size(checkpoint))) +
        " bytes).");
    const Model reloaded = Model::Find(std::shared_ptr<Graph>(LoadGraph(graph_path)));
    Session fresh(reloaded.graph, SessionOptions{.device = flags.device});
    RestoreCheckpoint(fresh, checkpoint);
    const double again = Evaluate(fresh, reloaded, data.test);
    char text[160];
    std::snprintf(text, sizeof text,
                  "5. Reloaded both into a fresh session: test accuracy %.4f (%s the training "
                  "session's).",
                  again, again == accuracy ? "the same as" : "DIFFERENT from");
    say(text);
    if (again != accuracy) return 1;
  }
  std::printf("test_accuracy=%.4f final_loss=%.6f\n", accuracy, final_loss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trains a 784-512-512-10 MLP on MNIST with tensorgraph."};
  Flags flags;
  app.add_option("--data", flags.data,
                 "folder with the four MNIST idx .gz files (default: $TG_MNIST_DIR, then "
                 "../shared/data/mnist next to the checkout)");
  app.add_option("--epochs", flags.epochs,
                 "epochs in total; a resumed run counts the saved ones and defaults to the saved "
                 "run's plan")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--stop-after", flags.stop_after,
                 "stop after this epoch, keeping the plan (and the schedule) of --epochs; "
                 "--resume continues it")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", flags.batch, "examples per step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--lr", flags.lr,
                 "learning rate (default: sgd 0.1, momentum 0.01, adam/adamw 0.001, rmsprop "
                 "0.0005, adagrad 0.02)")
      ->check(CLI::PositiveNumber);
  app.add_option("--optimizer", flags.optimizer, "how the weights are updated")
      ->check(CLI::IsMember({"sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"}))
      ->capture_default_str();
  app.add_option("--schedule", flags.schedule,
                 "learning-rate schedule: cosine decays it to zero over --epochs")
      ->check(CLI::IsMember({"cosine", "constant"}))
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "seeds the initial weights and the shuffling")
      ->capture_default_str();
  app.add_option("--threads", flags.threads, "CPU threads for matrix products (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--save", flags.save, "write model.pb and model.safetensors into this folder");
  app.add_option("--resume", flags.resume, "continue from a folder written by --save");
  app.add_flag("--synthetic", flags.synthetic, "train on synthetic data instead of MNIST");
  app.add_option("--device", flags.device,
                 "where the graph runs and the variables live: cpu or gpu");
  app.add_flag("--demo", flags.demo,
               "explain each step; use synthetic data when MNIST is missing; reload and "
               "evaluate the saved model");
  CLI11_PARSE(app, argc, argv);
  try {
    return Run(flags, app);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_mnist: error: %s\n", e.what());
    return 1;
  }
}
