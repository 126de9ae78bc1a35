// Indexing ops and their adjoints: hand-worked values (repeated indices accumulate), first and
// second derivatives, errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
Tensor i64(const std::vector<int64_t>& values, const Shape& shape) { return from_vector(values, shape); }
}  // namespace

TEST_CASE("indexing forward values", "[autograd][ops]") {
  Variable x = leaf({0, 1, 2, 3, 4, 5}, {3, 2});
  check_values(index_select(x, 0, i64({2, 0, 2}, {3})), {3, 2}, {4, 5, 0, 1, 4, 5});
  check_values(index_select(x, 1, i64({1}, {1})), {3, 1}, {1, 3, 5});
  check_values(gather(x, 1, i64({1, 0, 1}, {3, 1})), {3, 1}, {1, 2, 5});
  check_values(index_add({3, 2}, 0, i64({2, 0, 2}, {3}), leaf({1, 1, 2, 2, 3, 3}, {3, 2})), {3, 2},
               {2, 2, 0, 0, 4, 4});
  check_values(scatter_add({2, 3}, 1, i64({0, 0, 2, 1}, {2, 2}), leaf({1, 2, 3, 4}, {2, 2})), {2, 3},
               {3, 0, 0, 0, 4, 3});
  check_values(embedding(x, i64({2, 0}, {1, 2})), {1, 2, 2}, {4, 5, 0, 1});

  // Repeated rows accumulate their gradients.
  sum(index_select(x, 0, i64({2, 0, 2}, {3}))).backward();
  check_values(x.grad(), {3, 2}, {1, 1, 0, 0, 2, 2});
}

TEST_CASE("indexing gradients", "[autograd][ops]") {
  Rng rng(61);
  Tensor x = random_in({2, 3, 4}, rng, -1, 1);
  Tensor rows = i64({2, 0, 2, 1}, {4});
  check_grads("index_select dim 1", [rows](const Vars& v) {
    return square(index_select(v[0], 1, rows));
  }, {x});
  Tensor idx = i64({3, 0, 1, 1, 2, 0, 0, 0, 3, 2, 1, 3}, {2, 3, 2});
  check_grads("gather dim 2", [idx](const Vars& v) { return square(gather(v[0], 2, idx)); }, {x});
  check_grads("index_add", [rows](const Vars& v) {
    return square(index_add({2, 3, 4}, 1, rows, v[0]));
  }, {random_in({2, 4, 4}, rng, -1, 1)});
  check_grads("scatter_add", [idx](const Vars& v) {
    return square(scatter_add({2, 3, 4}, 2, idx, v[0]));
  }, {random_in({2, 3, 2}, rng, -1, 1)});
  Tensor tokens = i64({1, 4, 1, 0, 2, 2}, {2, 3});
  check_grads("embedding", [tokens](const Vars& v) { return square(embedding(v[0], tokens)); },
              {random_in({5, 3}, rng, -1, 1)});
}

TEST_CASE("indexing ops reject bad indices and weights", "[autograd][ops]") {
  Variable w = leaf({0, 1, 2, 3, 4, 5}, {3, 2});
  CHECK_THAT(error_of([&] { embedding(w, f64({0, 1}, {2})); }),
             Catch::Contains("embedding: indices must be int64, got float64 [2]"));
  CHECK_THAT(error_of([&] { embedding(reshape(w, {6}), i64({0}, {1})); }),
             Catch::Contains("embedding: expected weight [K, D], got [6]"));
  CHECK_THAT(error_of([&] { index_select(w, 0, i64({3}, {1})); }), Catch::Contains("index_select"));
}
