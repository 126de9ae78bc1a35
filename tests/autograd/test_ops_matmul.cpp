// matmul (2-D, batched with broadcast batch dims, 1-D operands) and linear (with and without
// bias, leading dims): hand-worked values, first and second derivatives, shape errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
}

TEST_CASE("matmul and linear forward values", "[autograd][ops]") {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  check_values(matmul(a, b), {2, 2}, {4, 5, 10, 11});
  check_values(matmul(leaf({1, 2, 3}, {3}), b), {2}, {4, 5});
  check_values(matmul(a, leaf({1, 0, 1}, {3})), {2}, {4, 10});
  check_values(matmul(leaf({1, 2, 3}, {3}), leaf({4, 5, 6}, {3})), {}, {32});
  // [2, 1, 3] @ [3, 2] broadcasts the batch: each batch is one row of a times b.
  check_values(matmul(reshape(a, {2, 1, 3}), b), {2, 1, 2}, {4, 5, 10, 11});
  // linear: x [2, 3], w [2, 3] (rows are output features), b [2]
  Variable w = leaf({1, 1, 1, 0, 1, -1}, {2, 3});
  check_values(linear(a, w, leaf({0.5, -1}, {2})), {2, 2}, {6.5, -2, 15.5, -2});
  check_values(linear(a, w, Variable()), {2, 2}, {6, -1, 15, -1});
  check_values(linear(reshape(a, {2, 1, 3}), w, Variable()), {2, 1, 2}, {6, -1, 15, -1});
}

TEST_CASE("matmul gradients: 2-D, batched, broadcast, 1-D", "[autograd][ops]") {
  Rng rng(41);
  auto mm = [](const Vars& v) { return matmul(v[0], v[1]); };
  check_grads("2-D", mm, {random_in({3, 4}, rng, -1, 1), random_in({4, 5}, rng, -1, 1)});
  check_grads("batched", mm, {random_in({2, 3, 4}, rng, -1, 1), random_in({2, 4, 5}, rng, -1, 1)});
  check_grads("batch broadcast", mm, {random_in({2, 3, 4}, rng, -1, 1), random_in({4, 5}, rng, -1, 1)});
  check_grads("batch broadcast both", mm,
              {random_in({2, 1, 3, 4}, rng, -1, 1), random_in({3, 4, 2}, rng, -1, 1)});
  check_grads("1-D @ 2-D", mm, {random_in({4}, rng, -1, 1), random_in({4, 5}, rng, -1, 1)});
  check_grads("3-D @ 1-D", mm, {random_in({2, 3, 4}, rng, -1, 1), random_in({4}, rng, -1, 1)});
  check_grads("dot", mm, {random_in({4}, rng, -1, 1), random_in({4}, rng, -1, 1)});
  // A product of three, so second derivatives couple all operands.
  check_grads("chain", [](const Vars& v) { return matmul(tanh(matmul(v[0], v[1])), v[2]); },
              {random_in({2, 3}, rng, -1, 1), random_in({3, 4}, rng, -1, 1),
               random_in({4, 5}, rng, -1, 1)});
}

TEST_CASE("linear gradients with and without bias", "[autograd][ops]") {
  Rng rng(42);
  Tensor x = random_in({3, 4}, rng, -1, 1), w = random_in({5, 4}, rng, -1, 1);
  Tensor b = random_in({5}, rng, -1, 1);
  check_grads("with bias", [](const Vars& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
  check_grads("without bias", [](const Vars& v) { return linear(v[0], v[1], Variable()); }, {x, w});
  check_grads("leading dims", [](const Vars& v) { return linear(v[0], v[1], v[2]); },
              {random_in({2, 3, 4}, rng, -1, 1), w, b});
  check_grads("two layers", [](const Vars& v) {
    return linear(sigmoid(linear(v[0], v[1], v[2])), v[3], Variable());
  }, {x, w, b, random_in({2, 5}, rng, -1, 1)});
}

TEST_CASE("matmul and linear name the op and both shapes on mismatch", "[autograd][ops]") {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3}), b = leaf({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  CHECK_THAT(error_of([&] { matmul(a, b); }),
             Catch::Contains("matmul") && Catch::Contains("[2, 3]") && Catch::Contains("[4, 2]"));
  CHECK_THAT(error_of([&] { matmul(leaf({1, 2}, {2}), leaf({1, 2, 3}, {3})); }),
             Catch::Contains("matmul: inner dimensions differ: a is [2], b is [3]"));
  CHECK_THAT(error_of([&] { linear(a, b, Variable()); }),
             Catch::Contains("linear: input [2, 3] does not end in D_in = 2"));
  CHECK_THAT(error_of([&] { linear(a, leaf({1, 2, 3}, {1, 3}), leaf({1, 2}, {2})); }),
             Catch::Contains("linear: expected bias [1]"));
}
