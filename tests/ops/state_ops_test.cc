#include <catch2/catch.hpp>

#include <cmath>
#include <optional>

#include "runtime/npy.h"
#include "tensorgraph.h"
#include "tests/support/op_references.h"
#include "tests/support/round_trip.h"

using namespace tensorgraph;
using Catch::Contains;

namespace {

// The error `fn` throws, if any.
template <typename Fn>
std::optional<Error> ErrorFrom(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

const void* BufferOf(Session& session, const std::string& variable) {
  return session.resources().FindVariable(variable)->Read()->raw_data();
}

}  // namespace

TEST_CASE("A variable is initialized by an assign and then read", "[state]") {
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {2, 2});
  Node* init = w.Assign(root.WithOpName("init"),
                        ops::Const<float>(root, {1, 2, 3, 4}, Shape{2, 2}));
  Output read = w.Read(root.WithOpName("read"));

  CHECK(w.handle.node->name() == "w");
  CHECK(w.handle.dtype() == DT_RESOURCE);
  CHECK(w.handle.shape() == PartialShape(Shape{}));
  CHECK(read.dtype() == DT_FLOAT);

  auto steps = testing::RunAndRoundTrip(g, {{{}, {}, {init}}, {{}, {read}}});
  CHECK(steps[1][0].shape() == Shape{2, 2});
  CHECK(steps[1][0].ToVector<float>() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("A variable's name is its shared_name, else its node name", "[state]") {
  Graph g;
  Scope root(g);
  auto named = ops::VarHandleOp(root.WithOpName("a"), DT_INT32, Shape{}, "shared");
  auto unnamed = ops::VarHandleOp(root.WithOpName("b"), DT_INT32, Shape{});
  // A second handle on the same shared name reaches the same variable.
  auto alias = ops::VarHandleOp(root.WithOpName("c"), DT_INT32, Shape{}, "shared");
  Node* init_a = ops::AssignVariableOp(root, named, ops::Const<int32_t>(root, {7}, Shape{}));
  Node* init_b = ops::AssignVariableOp(root, unnamed, ops::Const<int32_t>(root, {8}, Shape{}));
  Output read_alias = ops::ReadVariableOp(root, alias, DT_INT32);

  Session session(g);
  session.Run({}, {}, {init_a, init_b});
  CHECK(session.Run({}, {read_alias})[0].scalar<int32_t>() == 7);
  const auto variables = session.resources().Variables();
  CHECK(variables.size() == 2);
  CHECK(variables.count("shared") == 1);
  CHECK(variables.count("b") == 1);
}

TEST_CASE("Variables own their buffers and AssignAddVariableOp adds in place", "[state]") {
  Graph g;
  Scope root(g);
  auto v = ops::Variable(root.WithOpName("v"), DT_FLOAT, {3});
  Output initial = ops::Const<float>(root.WithOpName("initial"), {1, 2, 3});
  Node* init = v.Assign(root.WithOpName("init"), initial);
  Node* add = v.AssignAdd(root.WithOpName("add"), ops::Const<float>(root, {10, 20, 30}));
  Output read = v.Read(root.WithOpName("read"));

  SECTION("twice, through the round trip") {
    auto steps = testing::RunAndRoundTrip(
        g, {{{}, {}, {init}}, {{}, {}, {add}}, {{}, {}, {add}}, {{}, {read, initial}}});
    CHECK(steps[3][0].ToVector<float>() == std::vector<float>{21, 42, 63});
    CHECK(steps[3][1].ToVector<float>() == std::vector<float>{1, 2, 3});
  }

  SECTION("the assignment copies the constant; both adds write in place") {
    Session session(g);
    session.Run({}, {}, {init});
    const void* assigned = BufferOf(session, "v");
    CHECK(assigned != session.Run({}, {initial})[0].raw_data());
    session.Run({}, {}, {add});
    CHECK(BufferOf(session, "v") == assigned);
    session.Run({}, {}, {add});
    CHECK(BufferOf(session, "v") == assigned);
    CHECK(session.Run({}, {read})[0].ToVector<float>() == std::vector<float>{21, 42, 63});
    CHECK(session.Run({}, {initial})[0].ToVector<float>() == std::vector<float>{1, 2, 3});
  }

  SECTION("a value read earlier is not changed under its reader") {
    Session session(g);
    session.Run({}, {}, {init});
    session.Run({}, {}, {add});
    const Tensor held = session.Run({}, {read})[0];
    session.Run({}, {}, {add});
    CHECK(held.ToVector<float>() == std::vector<float>{11, 22, 33});
    CHECK(session.Run({}, {read})[0].ToVector<float>() == std::vector<float>{21, 42, 63});
  }
}

TEST_CASE("A fed value is copied into the variable", "[state]") {
  Graph g;
  Scope root(g);
  auto v = ops::Variable(root.WithOpName("v"), DT_INT32, {2});
  Output value = ops::Placeholder(root.WithOpName("value"), DT_INT32, {2});
  Node* assign = v.Assign(root.WithOpName("assign"), value);
  Output read = v.Read(root.WithOpName("read"));

  const Tensor fed = Tensor::FromVector<int32_t>({1, 2});
  auto steps = testing::RunAndRoundTrip(g, {{{{value, fed}}, {}, {assign}}, {{}, {read}}});
  CHECK(steps[1][0].ToVector<int32_t>() == std::vector<int32_t>{1, 2});

  Session session(g);
  session.Run({{value, fed}}, {}, {assign});
  // The caller may reuse its tensor without changing the variable.
  fed.data<int32_t>()[0] = 99;
  CHECK(session.Run({}, {read})[0].ToVector<int32_t>() == std::vector<int32_t>{1, 2});
}

TEST_CASE("A read earlier in the same step keeps the old value", "[state]") {
  Graph g;
  Scope root(g);
  auto v = ops::Variable(root.WithOpName("v"), DT_INT64, {2});
  Node* init = v.Assign(root.WithOpName("init"), ops::Const<int64_t>(root, {5, 6}));
  Output before = v.Read(root.WithOpName("before"));
  Node* add = v.AssignAdd(root.WithOpName("add").WithControlDependencies({before}),
                          ops::Const<int64_t>(root, {1, 1}));
  Output after = v.Read(root.WithOpName("after"));

  auto steps = testing::RunAndRoundTrip(g, {{{}, {}, {init}}, {{}, {before}, {add}}, {{}, {after}}});
  CHECK(steps[1][0].ToVector<int64_t>() == std::vector<int64_t>{5, 6});
  CHECK(steps[2][0].ToVector<int64_t>() == std::vector<int64_t>{6, 7});
}

TEST_CASE("Reading or updating an uninitialized variable fails", "[state]") {
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {2});
  Output read = w.Read(root.WithOpName("read"));
  Node* add = w.AssignAdd(root.WithOpName("add"), ops::Const<float>(root, {1, 1}));
  Session session(g);

  const auto read_error = ErrorFrom([&] { session.Run({}, {read}); });
  REQUIRE(read_error);
  CHECK(read_error->code() == ErrorCode::kFailedPrecondition);
  CHECK(read_error->node() == "read");
  CHECK_THAT(read_error->what(),
             Contains("ReadVariableOp 'read': variable 'w' is uninitialized: run its initializer"));

  const auto add_error = ErrorFrom([&] { session.Run({}, {}, {add}); });
  REQUIRE(add_error);
  CHECK(add_error->code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(add_error->what(),
             Contains("AssignAddVariableOp 'add': variable 'w' is uninitialized: run its initializer"));
}

TEST_CASE("Variable ops check the variable's dtype when they are built", "[state]") {
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {2});
  CHECK_THROWS_WITH(ops::ReadVariableOp(root.WithOpName("read_int"), w.handle, DT_INT32),
                    Contains("ReadVariableOp 'read_int': the variable holds float, but the op's "
                             "dtype is int32"));
  CHECK_THROWS_WITH(ops::AssignVariableOp(root.WithOpName("assign_int"), w.handle,
                                          ops::Const<int32_t>(root, {1, 2})),
                    Contains("AssignVariableOp 'assign_int': the variable holds float, but the "
                             "op's dtype is int32"));
  CHECK_THROWS_WITH(ops::AssignAddVariableOp(root.WithOpName("add_int"), w.handle,
                                             ops::Const<int32_t>(root, {1, 2})),
                    Contains("AssignAddVariableOp 'add_int': the variable holds float, but the "
                             "op's dtype is int32"));
  CHECK_THROWS_WITH(w.Assign(root.WithOpName("assign_long"), ops::Const<float>(root, {1, 2, 3})),
                    Contains("AssignVariableOp 'assign_long': value of shape [3] does not fit the "
                             "variable's shape [2]"));
  CHECK(w.Read(root.WithOpName("read")).shape() == PartialShape({2}));
}

TEST_CASE("Variable ops check the variable's dtype when they run", "[state]") {
  // Two handles to one variable name with different dtypes get past
  // build-time checks; the session's variable decides.
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {2});
  Node* init = w.Assign(root.WithOpName("init"), ops::Const<float>(root, {1, 2}));
  auto w_as_int = ops::VarHandleOp(root.WithOpName("w_as_int"), DT_INT32, {2}, "w");
  Output read_w_as_int = ops::ReadVariableOp(root, w_as_int, DT_INT32);
  Node* assign_w_as_int =
      ops::AssignVariableOp(root.WithOpName("assign_w_as_int"), w_as_int, ops::Const<int32_t>(root, {1, 2}));
  Session session(g);
  session.Run({}, {}, {init});
  CHECK_THROWS_WITH(session.Run({}, {read_w_as_int}),
                    Contains("VarHandleOp 'w_as_int': variable 'w' is declared as int32[2] here "
                             "but as float[2] by 'w'"));
  CHECK_THROWS_WITH(session.Run({}, {}, {assign_w_as_int}),
                    Contains("variable 'w' is declared as int32[2] here but as float[2] by 'w'"));
}

TEST_CASE("Handles sharing a variable must agree on its shape", "[state][hostile]") {
  // Otherwise a read through the second handle would produce a value of
  // the first handle's shape where its own was inferred.
  Graph g;
  Scope root(g);
  auto a = ops::VarHandleOp(root.WithOpName("a"), DT_FLOAT, {2}, "shared");
  auto b = ops::VarHandleOp(root.WithOpName("b"), DT_FLOAT, {64}, "shared");
  Node* init_a = ops::AssignVariableOp(root.WithOpName("init_a"), a, ops::Const<float>(root, {1, 2}));
  Output read_b = ops::ReadVariableOp(root, b, DT_FLOAT);
  Session session(g);
  session.Run({}, {}, {init_a});
  try {
    session.Run({}, {read_b});
    FAIL("a read through a handle of another shape ran");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    CHECK(e.node() == "b");
    CHECK_THAT(e.message(), Contains("variable 'shared' is declared as float[64] here but as "
                                     "float[2] by 'a'"));
  }
  // A partial shape is another declaration too.
  auto c = ops::VarHandleOp(root.WithOpName("c"), DT_FLOAT, PartialShape({-1}), "shared");
  CHECK_THROWS_WITH(session.Run({}, {ops::ReadVariableOp(root, c, DT_FLOAT)}),
                    Contains("declared as float[?] here but as float[2] by 'a'"));
}

TEST_CASE("Variable ops are rejected at build time for bad inputs", "[state]") {
  Graph g;
  Scope root(g);
  auto flag = ops::Variable(root.WithOpName("flag"), DT_BOOL, {});
  CHECK_THROWS_WITH(flag.AssignAdd(root.WithOpName("add"), ops::Const<bool>(root, {true}, Shape{})),
                    Contains("AssignAddVariableOp 'add': attr 'dtype' is bool, not one of the allowed"));
  CHECK_THROWS_WITH(ops::ReadVariableOp(root.WithOpName("read"), ops::Const<float>(root, {1}),
                                        DT_FLOAT),
                    Contains("ReadVariableOp 'read': input 0 ('resource') must be resource"));
}

TEST_CASE("Assigned values must fit the declared shape", "[state]") {
  Graph g;
  Scope root(g);
  auto w = ops::Variable(root.WithOpName("w"), DT_FLOAT, {2, -1});
  Output value = ops::Placeholder(root.WithOpName("value"), DT_FLOAT);
  Node* assign = w.Assign(root.WithOpName("assign"), value);
  Node* add = w.AssignAdd(root.WithOpName("add"), value);
  Output read = w.Read(root.WithOpName("read"));
  Session session(g);

  CHECK_THROWS_WITH(session.Run({{value, Tensor::Zeros(DT_FLOAT, {3})}}, {}, {assign}),
                    Contains("AssignVariableOp 'assign': value of shape [3] does not fit the "
                             "variable's shape [2,?]"));
  // The declared [2,?] admits any second dimension.
  session.Run({{value, Tensor::Zeros(DT_FLOAT, {2, 3})}}, {}, {assign});
  session.Run({{value, Tensor::Zeros(DT_FLOAT, {2, 5})}}, {}, {assign});
  CHECK(session.Run({}, {read})[0].shape() == Shape{2, 5});

  CHECK_THROWS_WITH(session.Run({{value, Tensor::Zeros(DT_FLOAT, {2, 4})}}, {}, {add}),
                    Contains("AssignAddVariableOp 'add': cannot update variable 'w' of shape "
                             "[2,5] with a value of shape [2,4]"));
}

TEST_CASE("validate_shape keeps an initialized variable's shape", "[state]") {
  Graph g;
  Scope root(g);
  auto v = ops::VarHandleOp(root.WithOpName("v"), DT_FLOAT, PartialShape::UnknownRank());
  Output value = ops::Placeholder(root.WithOpName("value"), DT_FLOAT);
  Node* strict = ops::AssignVariableOp(root.WithOpName("strict"), v, value, true);
  Node* loose = ops::AssignVariableOp(root.WithOpName("loose"), v, value);
  Output read = ops::ReadVariableOp(root.WithOpName("read"), v, DT_FLOAT);
  Session session(g);

  // The first assignment sets the shape, validated or not.
  session.Run({{value, Tensor::FromVector<float>({1, 2})}}, {}, {strict});
  session.Run({{value, Tensor::FromVector<float>({3, 4})}}, {}, {strict});
  CHECK_THROWS_WITH(session.Run({{value, Tensor::FromVector<float>({1, 2, 3})}}, {}, {strict}),
                    Contains("AssignVariableOp 'strict': validate_shape: cannot assign a value "
                             "of shape [3] to variable 'v' of shape [2]"));
  CHECK(session.Run({}, {read})[0].ToVector<float>() == std::vector<float>{3, 4});
  session.Run({{value, Tensor::FromVector<float>({1, 2, 3})}}, {}, {loose});
  CHECK(session.Run({}, {read})[0].ToVector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("Two sessions over one graph have independent variables", "[state]") {
  Graph g;
  Scope root(g);
  auto counter = ops::Variable(root.WithOpName("counter"), DT_INT32, {});
  Node* init = counter.Assign(root.WithOpName("init"), ops::Const<int32_t>(root, {0}, Shape{}));
  Node* add = counter.AssignAdd(root.WithOpName("add"), ops::Const<int32_t>(root, {1}, Shape{}));
  Output read = counter.Read(root.WithOpName("read"));

  Session first(g), second(g);
  first.Run({}, {}, {init});
  first.Run({}, {}, {add});
  first.Run({}, {}, {add});
  CHECK_THROWS_WITH(second.Run({}, {read}), Contains("variable 'counter' is uninitialized"));
  second.Run({}, {}, {init});
  second.Run({}, {}, {add});
  CHECK(first.Run({}, {read})[0].scalar<int32_t>() == 2);
  CHECK(second.Run({}, {read})[0].scalar<int32_t>() == 1);
}

TEST_CASE("TensorFlow's variables graph runs its documented sequence", "[state]") {
  const std::string dir = TG_TEST_DATA_DIR "/tf/";
  std::unique_ptr<Graph> graph = LoadGraph(dir + "variables.pb");
  const Tensor x = ReadNpy(dir + "variables.x.npy");
  auto steps = testing::RunAndRoundTrip(*graph, {{{}, {}, {"init"}},
                                                 {{{"x:0", x}}, {"y:0"}},
                                                 {{}, {}, {"increment"}},
                                                 {{{"x:0", x}}, {"y:0"}}});
  const testing::Tolerance tol{1e-5, 1e-6};
  CHECK(testing::Compare(steps[1][0], testing::FromTensor(ReadNpy(dir + "variables.y_before.npy")), tol)
            .empty());
  CHECK(testing::Compare(steps[3][0], testing::FromTensor(ReadNpy(dir + "variables.y_after.npy")), tol)
            .empty());
}
