#include <catch2/catch.hpp>

#include "tensorgraph.h"
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
