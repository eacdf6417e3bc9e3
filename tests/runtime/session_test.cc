#include <catch2/catch.hpp>

#include "tensorgraph.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;

TEST_CASE("Session runs a placeholder plus a constant", "[session]") {
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 2});
  auto y = x + 1.5;
  auto out = testing::RunAndRoundTrip(g, {{x, Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2})}}, {y});
  REQUIRE(out.size() == 1);
  CHECK(out[0].ToVector<float>() == std::vector<float>{2.5f, 3.5f, 4.5f, 5.5f});
  CHECK(y.name() == "AddV2");
}

TEST_CASE("Session frees each intermediate after its last use", "[session]") {
  constexpr int64_t kElements = 1 << 20;  // 4 MiB of float per tensor
  constexpr int kChain = 12;
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kElements});
  Output y = x;
  for (int i = 0; i < kChain; ++i) y = y + 1.0;
  // Eagerly: a recorded step keeps its buffers (tests/runtime/replay_test.cc).
  Session session(g, SessionOptions{.replay = SessionOptions::Replay::kNever});
  Tensor feed = Tensor::Zeros(DT_FLOAT, Shape{kElements});
  session.Run({{x, feed}}, {y});  // compile the plan outside the measurement

  Allocator* host = CpuDevice()->allocator();  // what kernels allocate from
  const int64_t before = host->GetStats().bytes_in_use;
  host->ResetPeak();
  Tensor out = session.Run({{x, feed}}, {y})[0];
  const int64_t tensor_bytes = kElements * 4;
  const int64_t peak = host->GetStats().peak_bytes_in_use - before;
  // The feed stays with the caller; the first add writes a new tensor, and
  // every later add writes in place into its input, handed over by the
  // executor. Keeping every intermediate would need kChain tensors.
  CHECK(peak <= tensor_bytes + 4096);
  CHECK(peak >= tensor_bytes);
  CHECK(out.flat<float>()[0] == static_cast<float>(kChain));
  out = Tensor();
  CHECK(host->GetStats().bytes_in_use == before);
}

TEST_CASE("An intermediate read by several in-place kernels is not clobbered", "[session]") {
  // Only the last reader of `a` may write into its buffer; the earlier ones
  // must see it unchanged.
  Graph g;
  Scope root(g);
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  Output a = x + 1.0;
  Output negated = -a;
  Output squared = a * a;
  Output shifted = a + 10.0;
  auto out = testing::RunAndRoundTrip(g, {{x, Tensor::FromVector<float>({0, 1, 2})}},
                                      {negated, squared, shifted});
  CHECK(out[0].ToVector<float>() == std::vector<float>{-1, -2, -3});
  CHECK(out[1].ToVector<float>() == std::vector<float>{1, 4, 9});
  CHECK(out[2].ToVector<float>() == std::vector<float>{11, 12, 13});
}

// --- byte counts that would wrap ------------------------------------------------

// 2^62 floats are 2^64 bytes, which wraps a size_t to 0: such a tensor is
// refused before anything is allocated, with the node named.
TEST_CASE("a kernel asked for more bytes than can be counted fails naming the node",
          "[session][hostile]") {
  Graph g;
  Scope root(g);
  const int64_t big = int64_t{1} << 62;
  SECTION("a shape given as a constant") {
    ops::Fill(root.WithOpName("fill"), {big}, ops::ScalarConst(root, DT_FLOAT, 1.0));
    Session session(g);
    CHECK(testing::ErrorMismatch([&] { session.Run({}, {"fill"}); },
                                 ErrorCode::kResourceExhausted, "fill",
                                 "needs more bytes than int64 can count") == "");
  }
  SECTION("a shape computed at run time: (-2^31) * (-2^31)") {
    const Output half = ops::Const(root, Tensor::FromVector<int64_t>({-(int64_t{1} << 31)}));
    ops::TruncatedNormal(root.WithOpName("draw"), ops::Mul(root, half, half), DT_FLOAT);
    Session session(g);
    CHECK(testing::ErrorMismatch([&] { session.Run({}, {"draw"}); },
                                 ErrorCode::kResourceExhausted, "draw",
                                 "needs more bytes than int64 can count") == "");
  }
}

TEST_CASE("every op that makes a tensor of a run-time shape refuses one that wraps the bytes",
          "[session][hostile]") {
  // The shape is fed, so no shape function sees it: the kernel's
  // allocation refuses 2^62 elements (2^64 bytes of float), naming the node.
  const int64_t big = int64_t{1} << 62;
  const Tensor huge = Tensor::FromVector<int64_t>({big});
  const std::vector<std::pair<std::string, std::function<void(const Scope&, const Scope&, Output)>>> makers = {
      {"fill", [](const Scope& s, const Scope& root, Output dims) { ops::Fill(s, dims, ops::ScalarConst(root, DT_FLOAT, 1.0)); }},
      {"broadcast_to",
       [](const Scope& s, const Scope& root, Output dims) {
         ops::BroadcastTo(s, ops::ScalarConst(root, DT_FLOAT, 1.0), dims);
       }},
      {"random_uniform", [](const Scope& s, const Scope&, Output dims) { ops::RandomUniform(s, dims, DT_FLOAT); }},
      {"random_normal", [](const Scope& s, const Scope&, Output dims) { ops::RandomStandardNormal(s, dims, DT_FLOAT); }},
      {"truncated_normal", [](const Scope& s, const Scope&, Output dims) { ops::TruncatedNormal(s, dims, DT_FLOAT); }},
  };
  for (const auto& [name, make] : makers) {
    INFO(name);
    Graph g;
    Scope root(g);
    make(root.WithOpName(name), root, ops::Placeholder(root.WithOpName("dims"), DT_INT64, {1}));
    Session session(g);
    CHECK(testing::ErrorMismatch([&, name = name] { session.Run({{"dims", huge}}, {name}); },
                                 ErrorCode::kResourceExhausted, name,
                                 "needs more bytes than int64 can count") == "");
  }
  // Pad's output size is input plus paddings: 2^62 - 1 more floats.
  Graph g;
  Scope root(g);
  const Output paddings = ops::Placeholder(root.WithOpName("paddings"), DT_INT64, {1, 2});
  ops::Pad(root.WithOpName("pad"), ops::Const<float>(root, {1}), paddings);
  Session session(g);
  CHECK(testing::ErrorMismatch(
            [&] { session.Run({{"paddings", Tensor::FromVector<int64_t>({0, big - 1}, {1, 2})}}, {"pad"}); },
            ErrorCode::kResourceExhausted, "pad", "needs more bytes than int64 can count") == "");
}

TEST_CASE("a reduction of an empty tensor to a huge output fails naming the node and the size",
          "[session][hostile]") {
  // [2^59, 0] holds nothing; summing away its last dim asks for 2^59
  // floats (2^61 bytes), more than any machine has.
  Graph g;
  Scope root(g);
  const Output dims = ops::Placeholder(root.WithOpName("dims"), DT_INT64, {2});
  const Output empty = ops::Fill(root.WithOpName("empty"), dims, ops::ScalarConst(root, DT_FLOAT, 1.0));
  ops::Sum(root.WithOpName("sum"), empty, {1});
  Session session(g);
  const FeedList feeds = {{"dims", Tensor::FromVector<int64_t>({int64_t{1} << 59, 0})}};
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {"sum"}); }, ErrorCode::kResourceExhausted,
                               "sum", "2305843009213693952 bytes") == "");
}

TEST_CASE("a zero-size shape whose other dims overflow int64 is refused", "[session][hostile]") {
  const int64_t big = int64_t{1} << 62;
  CHECK_THROWS_AS(Shape({0, big, 4}), Error);
  CHECK(Shape({0, big}).num_elements() == 0);  // strides fit: 2^62 and 1
  CHECK(MultiplyDims(std::vector<int64_t>{big / 2, 2, 1}) == std::optional<int64_t>(big));
  CHECK_FALSE(MultiplyDims(std::vector<int64_t>{big, 2, 1}).has_value());  // 2^63
  CHECK_FALSE(ByteSize(big, 4).has_value());
  CHECK(ByteSize(big / 4, 4) == std::optional<int64_t>(big));
}

TEST_CASE("an unknown fetch, feed or target names the close names", "[session]") {
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("images"), DT_FLOAT, {2});
  ops::Identity(root.NewSubScope("train").WithOpName("loss"), x);
  Session session(g);
  const FeedList feeds = {{"images", Tensor::FromVector<float>({1, 2})}};
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {"imagse:0"}); }, ErrorCode::kNotFound, "",
                               "no node named 'imagse' in the graph; did you mean 'images'?") ==
        "");
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {"loss"}); }, ErrorCode::kNotFound, "",
                               "did you mean 'train/loss'?") == "");
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {}, {"trian/loss"}); },
                               ErrorCode::kNotFound, "",
                               "target 'trian/loss' is not a node of the graph; did you mean "
                               "'train/loss'?") == "");
  // Nothing close: no suggestion.
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {"zzz"}); }, ErrorCode::kNotFound, "",
                               "no node named 'zzz' in the graph") == "");
  try {
    session.Run(feeds, {"zzz"});
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("did you mean") == std::string::npos);
  }
  // One output, in the singular.
  CHECK(testing::ErrorMismatch([&] { session.Run(feeds, {"images:1"}); }, ErrorCode::kNotFound,
                               "images", "the node has 1 output") == "");
}

TEST_CASE("a PlaceholderWithDefault whose default breaks its declared shape names the node",
          "[session][hostile]") {
  // The default's shape is known only when `x` is fed: the plan for that
  // feed's shape runs the shape function again and refuses it.
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1}));
  ops::PlaceholderWithDefault(root.WithOpName("opt"), x, PartialShape({2}));
  Session session(g);
  CHECK(session.Run({{"x", Tensor::FromVector<float>({1, 2})}}, {"opt"})[0].num_elements() == 2);
  CHECK(testing::ErrorMismatch(
            [&] { session.Run({{"x", Tensor::FromVector<float>({1, 2, 3})}}, {"opt"}); },
            ErrorCode::kInvalidArgument, "opt",
            "default value of shape [3] does not match the declared shape [2]") ==
        "");
}

// --- the memory limit -----------------------------------------------------------

TEST_CASE("a memory limit refuses a plan whose inferred output is too large, before running",
          "[session][hostile][memory]") {
  // 200 bytes of graph asking for 1 GiB: the padded shape is known when the
  // plan is compiled, so nothing runs.
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {1});
  ops::Pad(root.WithOpName("pad"), x, {{0, (int64_t{1} << 28) - 1}});
  Session session(g, {.memory_limit_bytes = 64 << 20});
  Allocator* host = CpuDevice()->allocator();  // what kernels allocate from
  host->ResetPeak();
  const int64_t before = host->GetStats().peak_bytes_in_use;
  CHECK(testing::ErrorMismatch([&] { session.Run({{"x", Tensor::FromVector<float>({1})}}, {"pad"}); },
                               ErrorCode::kResourceExhausted, "pad",
                               "output 0 (float[268435456], 1073741824 bytes) is over the "
                               "session's memory limit of 67108864 bytes") == "");
  CHECK(host->GetStats().peak_bytes_in_use - before < (1 << 20));
}

TEST_CASE("a memory limit refuses an output computed at run time before allocating it",
          "[session][hostile][memory]") {
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {1});
  const Output paddings = ops::Placeholder(root.WithOpName("paddings"), DT_INT32, {1, 2});
  ops::Pad(root.WithOpName("pad"), x, paddings);
  Session session(g, {.memory_limit_bytes = 64 << 20});
  const FeedList small = {{"x", Tensor::FromVector<float>({1})},
                          {"paddings", Tensor::FromVector<int32_t>({0, 1023}, {1, 2})}};
  CHECK(session.Run(small, {"pad"})[0].num_elements() == 1024);
  const FeedList huge = {{"x", Tensor::FromVector<float>({1})},
                         {"paddings", Tensor::FromVector<int32_t>({0, (1 << 28) - 1}, {1, 2})}};
  Allocator* host = CpuDevice()->allocator();  // what kernels allocate from
  host->ResetPeak();
  const int64_t before = host->GetStats().peak_bytes_in_use;
  CHECK(testing::ErrorMismatch([&] { session.Run(huge, {"pad"}); }, ErrorCode::kResourceExhausted,
                               "pad",
                               "output 0 (float[268435456], 1073741824 bytes) would take this "
                               "Run's tensors to more than the session's memory limit of "
                               "67108864 bytes") == "");
  CHECK(host->GetStats().peak_bytes_in_use - before < (1 << 20));
}

TEST_CASE("a memory limit counts the tensors alive at once, not all a Run made",
          "[session][memory]") {
  // Twelve 4 MiB results, one alive at a time (each freed after its last
  // use): a 10 MiB limit holds; keeping three alive at once breaks it.
  constexpr int64_t kElements = 1 << 20;
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kElements});
  Output chain = ops::Exp(root, x);
  for (int i = 0; i < 11; ++i) chain = ops::Exp(root, chain);
  const Output a = ops::Exp(root.WithOpName("a"), x);
  const Output b = ops::Exp(root.WithOpName("b"), x);
  const Output c = ops::Exp(root.WithOpName("c"), x);
  Session session(g, {.memory_limit_bytes = 10 << 20});
  const Tensor zeros = Tensor::Zeros(DT_FLOAT, Shape{kElements});
  // The caller's feed is not counted; the chain computes in place or frees.
  CHECK(session.Run({{x, zeros}}, {chain})[0].num_elements() == kElements);
  CHECK(session.Run({{x, zeros}}, {a, b})[0].num_elements() == kElements);
  CHECK(testing::ErrorMismatch([&] { session.Run({{x, zeros}}, {a, b, c}); },
                               ErrorCode::kResourceExhausted, "",
                               "8388608 already in use") == "");
  // Each Run starts with nothing charged.
  CHECK(session.Run({{x, zeros}}, {a, b})[1].num_elements() == kElements);
}

TEST_CASE("an import memory limit refuses constants that together are too large",
          "[graph][hostile][memory]") {
  // Each constant is allowed on its own; the third takes the total over.
  Graph g;
  Scope root(g);
  for (const char* name : {"c0", "c1", "c2"}) {
    ops::Const(root.WithOpName(name), Tensor::Zeros(DT_FLOAT, Shape{1 << 18}));  // 1 MiB
  }
  const proto::GraphDef def = ToGraphDef(g);
  CHECK(FromGraphDef(def, {.memory_limit_bytes = 3 << 20})->num_nodes() == 3);
  CHECK(testing::ErrorMismatch([&] { FromGraphDef(def, {.memory_limit_bytes = (5 << 20) / 2}); },
                               ErrorCode::kResourceExhausted, "c2",
                               "would take the graph's constants past the memory limit") == "");
  // A few bytes of file can ask for 1 GiB: one float_val fills the shape.
  proto::GraphDef tiny;
  proto::NodeDef& fill = *tiny.add_node();
  fill.set_name("filled");
  fill.set_op("Const");
  (*fill.mutable_attr())["dtype"].set_type(proto::DT_FLOAT);
  proto::TensorProto& value = *(*fill.mutable_attr())["value"].mutable_tensor();
  value.set_dtype(proto::DT_FLOAT);
  value.mutable_tensor_shape()->add_dim()->set_size(int64_t{1} << 28);
  value.add_float_val(1);
  Allocator* host = CpuDevice()->allocator();  // what kernels allocate from
  host->ResetPeak();
  const int64_t before = host->GetStats().peak_bytes_in_use;
  CHECK(testing::ErrorMismatch([&] { FromGraphDef(tiny, {.memory_limit_bytes = 64 << 20}); },
                               ErrorCode::kResourceExhausted, "filled",
                               "a float tensor of shape [268435456] would take the graph's "
                               "constants past the memory limit (67108864 bytes left)") == "");
  CHECK(host->GetStats().peak_bytes_in_use - before < (1 << 20));
  // A file larger than the limit is not read.
  const auto path = std::filesystem::temp_directory_path() / "tg_memory_limit_consts.pb";
  WriteGraphDef(def, path);
  CHECK(testing::ErrorMismatch([&] { ReadGraphDef(path, {.memory_limit_bytes = 1 << 20}); },
                               ErrorCode::kResourceExhausted, "",
                               "more than the memory limit of 1048576") == "");
  std::filesystem::remove(path);
}
