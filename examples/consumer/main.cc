// Builds y = x + 1 against an installed tensorgraph, runs it, and checks it.
#include <tensorgraph.h>

#include <iostream>

int main() {
  using namespace tensorgraph;
  Graph graph;
  Scope root(graph);
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  Output y = x + 1.0;
  Session session(graph);
  Tensor out = session.Run({{x, Tensor::FromVector<float>({1, 2, 3})}}, {y})[0];
  std::cout << "y = " << out.DebugString() << "\n";
  return out.ToVector<float>() == std::vector<float>{2, 3, 4} ? 0 : 1;
}
