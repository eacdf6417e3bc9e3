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
