// The update ops against TensorFlow's kernels (fixtures made by
// tests/data/optimizers/generate.py in float64), and the checks their shape
// functions make when a graph is built.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tests/support/op_references.h"

namespace tensorgraph::testing {
namespace {

using Catch::Matchers::Contains;

const std::filesystem::path kDir = std::filesystem::path(TG_TEST_DATA_DIR) / "optimizers";

struct TfCase {
  std::string name, op;
  std::vector<std::string> variables;
  std::map<std::string, double> hyper;
  AttrMap attrs;
};

std::vector<TfCase> ReadCases() {
  std::ifstream in(kDir / "cases.txt");
  REQUIRE(in);
  std::vector<TfCase> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    TfCase c;
    std::string variables;
    words >> c.name >> c.op >> variables;
    std::stringstream list(variables);
    for (std::string v; std::getline(list, v, ',');) c.variables.push_back(v);
    for (std::string word; words >> word;) {
      const size_t eq = word.find('=');
      if (word[0] == '@') {
        c.attrs.emplace(word.substr(1, eq - 1), word.substr(eq + 1) == "true");
      } else {
        c.hyper[word.substr(0, eq)] = std::stod(word.substr(eq + 1));
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST_CASE("update ops match TensorFlow's kernels in float64", "[training][tf]") {
  const std::vector<TfCase> cases = ReadCases();
  REQUIRE(cases.size() == 8);
  for (const TfCase& c : cases) {
    INFO("case " << c.name);
    const OpDef& def = OpRegistry::Global().Get(c.op);
    Graph graph;
    Scope root(graph);
    std::vector<Output> inputs(def.inputs.size());
    std::vector<TargetName> assigns;
    std::vector<TensorName> reads;
    for (size_t k = 0; k < c.variables.size(); ++k) {
      const std::string& name = c.variables[k];
      const Tensor init = ReadNpy(kDir / (c.name + ".init." + name + ".npy"));
      inputs[k] = ops::VarHandleOp(root.WithOpName(name), DT_DOUBLE, PartialShape(init.shape()));
      assigns.push_back(ops::AssignVariableOp(root.WithOpName(name + "/init"), inputs[k],
                                              ops::Const(root.WithOpName(name + "/value"), init)));
      reads.push_back(ops::ReadVariableOp(root.WithOpName(name + "/read"), inputs[k], DT_DOUBLE));
    }
    const Output grad = ops::Placeholder(root.WithOpName("grad"), DT_DOUBLE);
    for (size_t i = c.variables.size(); i < def.inputs.size(); ++i) {
      const std::string& name = def.inputs[i].name;
      inputs[i] = name == "grad" || name == "delta"
                      ? grad
                      : ops::Const(root.WithOpName(name), Tensor::Scalar(c.hyper.at(name)));
    }
    Node* apply = root.WithOpName("apply").AddNode(c.op, inputs, c.attrs);
    Session session(graph);
    session.Run({}, {}, assigns);
    for (const char* g : {"grad1", "grad2"}) {
      session.Run({{grad, ReadNpy(kDir / (c.name + "." + g + ".npy"))}}, {}, {apply});
    }
    const std::vector<Tensor> got = session.Run({}, reads);
    for (size_t k = 0; k < c.variables.size(); ++k) {
      INFO("variable " << c.variables[k]);
      const Tensor want = ReadNpy(kDir / (c.name + ".out." + c.variables[k] + ".npy"));
      CHECK(Compare(got[k], FromTensor(want), {1e-12, 1e-15}) == "");
    }
  }
}

TEST_CASE("update ops check slots and hyperparameters when built", "[training]") {
  Graph graph;
  Scope root(graph);
  const Output var = ops::VarHandleOp(root.WithOpName("w"), DT_FLOAT, {3, 4});
  const Output accum = ops::VarHandleOp(root.WithOpName("w/Momentum"), DT_FLOAT, {4, 3});
  const Output other = ops::VarHandleOp(root.WithOpName("d"), DT_DOUBLE, {3, 4});
  const Output grad = ops::Placeholder(root.WithOpName("g"), DT_FLOAT, PartialShape({3, 4}));
  const Output lr = ops::ScalarConst(root.WithOpName("lr"), DT_FLOAT, 0.1);
  const Output lrs = ops::Const(root.WithOpName("lrs"), std::vector<float>{0.1f, 0.2f});

  CHECK_THROWS_WITH(ops::ResourceApplyMomentum(root.WithOpName("m"), var, accum, lr, grad, lr),
                    Contains("ResourceApplyMomentum 'm': 'accum' has shape [4,3] but the "
                             "gradient has shape [3,4]"));
  CHECK_THROWS_WITH(ops::ResourceApplyGradientDescent(root.WithOpName("sgd"), var, lrs, grad),
                    Contains("'alpha' must be a scalar, got shape [2]"));
  CHECK_THROWS_WITH(ops::ResourceApplyGradientDescent(root.WithOpName("sgd2"), other, lr, grad),
                    Contains("'var' holds double but T is float"));
  CHECK_THROWS_WITH(ops::AssignSubVariableOp(root.WithOpName("sub"), var, lrs),
                    Contains("does not fit the variable's shape [3,4]"));
}

TEST_CASE("an update op refuses one variable as two of its inputs", "[training]") {
  Graph graph;
  Scope root(graph);
  const Output var = ops::VarHandleOp(root.WithOpName("w"), DT_FLOAT, {2});
  const Output alias = ops::VarHandleOp(root.WithOpName("alias"), DT_FLOAT, {2}, "w");
  const Output grad = ops::Placeholder(root.WithOpName("g"), DT_FLOAT, PartialShape({2}));
  const Output lr = ops::ScalarConst(root.WithOpName("lr"), DT_FLOAT, 0.1);
  Node* init = ops::AssignVariableOp(root.WithOpName("init"), var,
                                     ops::Const(root, std::vector<float>{1, 2}));
  Node* apply = ops::ResourceApplyMomentum(root.WithOpName("m"), var, alias, lr, grad, lr);
  Session session(graph);
  session.Run({}, {}, {init});
  CHECK_THROWS_WITH(session.Run({{grad, Tensor::FromVector<float>({1, 1})}}, {}, {apply}),
                    Contains("'accum' is the same variable 'w' as an earlier input"));
}

}  // namespace
}  // namespace tensorgraph::testing
