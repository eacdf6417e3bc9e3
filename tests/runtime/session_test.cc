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
  Session session(g);
  Tensor feed = Tensor::Zeros(DT_FLOAT, Shape{kElements});
  session.Run({{x, feed}}, {y});  // compile the plan outside the measurement

  Allocator* host = CpuAllocator();
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
  // The default's shape is known only when `x` is fed, after the shape
  // function accepted it.
  Graph g;
  Scope root(g);
  const Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, PartialShape({-1}));
  ops::PlaceholderWithDefault(root.WithOpName("opt"), x, PartialShape({2}));
  Session session(g);
  CHECK(session.Run({{"x", Tensor::FromVector<float>({1, 2})}}, {"opt"})[0].num_elements() == 2);
  CHECK(testing::ErrorMismatch(
            [&] { session.Run({{"x", Tensor::FromVector<float>({1, 2, 3})}}, {"opt"}); },
            ErrorCode::kInvalidArgument, "opt",
            "the default value has shape [3], which does not match the declared shape [2]") ==
        "");
}
