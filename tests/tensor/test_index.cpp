// cat, stack, index_select, gather and their adjoints index_add, scatter_add; one_hot.
#include <catch2/catch.hpp>

#include "tensor/ops.h"
#include "tensor_test_util.h"

using namespace nash;
using Catch::Contains;

namespace {
Tensor idx(std::vector<int64_t> v, Shape s = {}) {
  if (s.empty()) s = {static_cast<int64_t>(v.size())};
  return from_vector(v, s);
}
}  // namespace

TEST_CASE("cat and stack", "[tensor]") {
  Tensor a = arange(6).reshape({2, 3});
  Tensor b = arange(6, 9, 1).reshape({1, 3});
  CHECK(cat({a, b}, 0).shape() == Shape{3, 3});
  CHECK(cat({a, b}, 0).to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  Tensor c = tensor({10, 20}).reshape({2, 1});
  CHECK(cat({a, c}, -1).to_vector() == std::vector<double>{0, 1, 2, 10, 3, 4, 5, 20});
  CHECK(cat({a.t(), a.t()}, 1).to_vector() == std::vector<double>{0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5});
  Tensor i = cat({idx({1, 2}), idx({3})}, 0);
  CHECK(i.dtype() == DType::Int64);
  CHECK(i.values<int64_t>() == std::vector<int64_t>{1, 2, 3});
  Tensor s = stack({tensor({1, 2}), tensor({3, 4})}, 0);
  CHECK(s.shape() == Shape{2, 2});
  CHECK(s.to_vector() == std::vector<double>{1, 2, 3, 4});
  Tensor s1 = stack({tensor({1, 2}), tensor({3, 4})}, 1);
  CHECK(s1.to_vector() == std::vector<double>{1, 3, 2, 4});
  CHECK(stack({a, a, a}, -1).shape() == Shape{2, 3, 3});
  REQUIRE_THROWS_WITH(cat({a, c}, 0), Contains("cat: shapes [2, 3] and [2, 1] differ outside dim 0"));
  REQUIRE_THROWS_WITH(cat({a, a.to(DType::Float64)}, 0), Contains("cat: dtype mismatch: float32 [2, 3] and float64 [2, 3]"));
  REQUIRE_THROWS_WITH(cat({}, 0), Contains("cat: expected a non-empty list"));
  REQUIRE_THROWS_WITH(cat({a, a}, 2), Contains("cat: dim 2 out of range for a tensor of 2 dims [2, 3]"));
  REQUIRE_THROWS_WITH(stack({a, b}, 0), Contains("stack: shapes differ: [2, 3] and [1, 3]"));
}

TEST_CASE("index_select and index_add", "[tensor]") {
  Tensor x = arange(12).reshape({4, 3});
  Tensor r = index_select(x, 0, idx({3, 0, 3}));
  CHECK(r.shape() == Shape{3, 3});
  CHECK(r.to_vector() == std::vector<double>{9, 10, 11, 0, 1, 2, 9, 10, 11});
  CHECK(index_select(x, 1, idx({2, 0})).to_vector() == std::vector<double>{2, 0, 5, 3, 8, 6, 11, 9});
  CHECK(index_select(x.t(), 0, idx({1})).to_vector() == std::vector<double>{1, 4, 7, 10});
  CHECK(index_select(idx({5, 6, 7}), 0, idx({2, 2})).values<int64_t>() == std::vector<int64_t>{7, 7});
  // index_add is the adjoint: rows of src summed into the indexed rows.
  Tensor src = ones({3, 3});
  Tensor g = index_add({4, 3}, 0, idx({3, 0, 3}), src);
  CHECK(g.to_vector() == std::vector<double>{1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2});
  Tensor g1 = index_add({2, 3}, 1, idx({0, 0}), arange(4).reshape({2, 2}));
  CHECK(g1.to_vector() == std::vector<double>{1, 0, 0, 5, 0, 0});
  REQUIRE_THROWS_WITH(index_select(x, 0, idx({4})), Contains("index_select: index 4 out of range for dim 0 of [4, 3]"));
  REQUIRE_THROWS_WITH(index_select(x, 0, tensor({1})), Contains("index_select: index must be int64, got float32"));
  REQUIRE_THROWS_WITH(index_add({4, 3}, 0, idx({0}), src), Contains("index_add: src is [3, 3], expected [1, 3]"));
  REQUIRE_THROWS_WITH(index_add({4, 3}, 0, idx({0, 1, 9}), src), Contains("index_add: index 9 out of range"));
}

TEST_CASE("gather and scatter_add", "[tensor]") {
  Tensor x = arange(6).reshape({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor i1 = idx({2, 0, 1, 1}, {2, 2});
  CHECK(gather(x, 1, i1).to_vector() == std::vector<double>{2, 0, 4, 4});
  Tensor i0 = idx({1, 0, 1}, {1, 3});
  CHECK(gather(x, 0, i0).to_vector() == std::vector<double>{3, 1, 5});
  CHECK(gather(x.t(), 0, idx({1, 0}, {1, 2})).to_vector() == std::vector<double>{1, 3});
  // scatter_add is gather's adjoint: <gather(x, i), y> == <x, scatter_add(i, y)>.
  Tensor y = tensor({1, 10, 100, 1000}).reshape({2, 2});
  Tensor s = scatter_add({2, 3}, 1, i1, y);
  CHECK(s.to_vector() == std::vector<double>{10, 0, 1, 0, 1100, 0});
  const Tensor xr = test::rand_tensor({2, 3}, 3);
  CHECK(sum(gather(xr, 1, i1) * y).item() == Approx(sum(xr * s).item()));
  REQUIRE_THROWS_WITH(gather(x, 1, idx({3}, {1, 1})), Contains("gather: index 3 out of range for dim 1 of [2, 3]"));
  REQUIRE_THROWS_WITH(gather(x, 1, idx({0}, {1})), Contains("gather: index [1] and input [2, 3] must have the same number of dims"));
  REQUIRE_THROWS_WITH(scatter_add({2, 3}, 1, i1, ones({1, 2})), Contains("scatter_add: index [2, 2] is larger than src [1, 2]"));
  REQUIRE_THROWS_WITH(scatter_add({2, 3}, 1, idx({-1}, {1, 1}), y), Contains("scatter_add: index -1 out of range"));
}

TEST_CASE("one_hot", "[tensor]") {
  Tensor o = one_hot(idx({2, 0, 1}), 4);
  CHECK(o.shape() == Shape{3, 4});
  CHECK(o.dtype() == DType::Float32);
  CHECK(o.to_vector() == std::vector<double>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  CHECK(one_hot(idx({1, 0}, {2, 1}), 2, DType::Float64).shape() == Shape{2, 1, 2});
  CHECK(one_hot(idx({0, 2}), -1).shape() == Shape{2, 3});
  REQUIRE_THROWS_WITH(one_hot(idx({4}), 4), Contains("one_hot: class 4 out of range for 4 classes"));
  REQUIRE_THROWS_WITH(one_hot(tensor({1}), 4), Contains("one_hot: index must be int64, got float32"));
}
