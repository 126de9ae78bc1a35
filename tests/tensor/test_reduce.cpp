// Reductions over several dim sets with keepdim, against a naive loop; float32 sum accuracy;
// argmax/argmin; var; sum_to; errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor_test_util.h"

using namespace nash;
using Catch::Contains;

namespace {
enum class R { Sum, Max, Min, Mean };

// Naive reference: for every input position, fold into the output position with reduced dims 0.
std::vector<double> naive(const Tensor& x, std::vector<int64_t> dims, R kind) {
  const int64_t nd = x.dim();
  std::vector<bool> red(nd, dims.empty());
  for (int64_t d : dims) red[d < 0 ? d + nd : d] = true;
  Shape out_shape;
  for (int64_t d = 0; d < nd; ++d) out_shape.push_back(red[d] ? 1 : x.shape()[d]);
  const Shape st = contiguous_strides(out_shape);
  int64_t n_out = 1, count = 1;
  for (int64_t d = 0; d < nd; ++d) {
    n_out *= out_shape[d];
    if (red[d]) count *= x.shape()[d];
  }
  std::vector<double> out(n_out, kind == R::Max ? -INFINITY : kind == R::Min ? INFINITY : 0.0);
  test::for_each_pos(x.shape(), [&](const Shape& pos) {
    int64_t o = 0;
    for (int64_t d = 0; d < nd; ++d) o += (red[d] ? 0 : pos[d]) * st[d];
    const double v = x.at(pos);
    if (kind == R::Max) out[o] = std::max(out[o], v);
    else if (kind == R::Min) out[o] = std::min(out[o], v);
    else out[o] += v;
  });
  if (kind == R::Mean)
    for (double& v : out) v /= count;
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(tol).margin(tol));
}
}  // namespace

TEST_CASE("reductions over several dim sets with keepdim match a naive loop", "[tensor]") {
  const Tensor base = test::rand_tensor({3, 4, 37, 5}, 11);
  const std::vector<Tensor> inputs = {base, base.permute({2, 0, 3, 1}).contiguous(),
                                      base.transpose(1, 3), base.slice(2, 1, 37, 3)};
  const std::vector<std::vector<int64_t>> dim_sets = {{}, {0}, {3}, {-1}, {1, 2}, {0, 3}, {0, 1},
                                                      {2, 3}, {0, 2}, {1, 2, 3}, {0, 1, 2, 3}};
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    for (const auto& dims : dim_sets) {
      for (bool keepdim : {false, true}) {
        INFO("input " << k << " shape " << shape_str(x.shape()) << " dims " << shape_str(dims) << " keepdim " << keepdim);
        Tensor s = sum(x, dims, keepdim);
        Shape expect_shape;
        for (int64_t d = 0; d < x.dim(); ++d) {
          bool r = dims.empty();
          for (int64_t e : dims) r = r || (e < 0 ? e + x.dim() : e) == d;
          if (!r) expect_shape.push_back(x.shape()[d]);
          else if (keepdim) expect_shape.push_back(1);
        }
        CHECK(s.shape() == expect_shape);
        check_close(s.to_vector(), naive(x, dims, R::Sum), 1e-5);
        check_close(mean(x, dims, keepdim).to_vector(), naive(x, dims, R::Mean), 1e-5);
        check_close(amax(x, dims, keepdim).to_vector(), naive(x, dims, R::Max), 0);
        check_close(amin(x, dims, keepdim).to_vector(), naive(x, dims, R::Min), 0);
      }
    }
  }
  // float64 and a large outer reduction ([N, D] -> [D], the bias-gradient shape)
  Tensor d = test::rand_tensor({300, 70}, 12, DType::Float64);
  check_close(sum(d, {0}).to_vector(), naive(d, {0}, R::Sum), 1e-12);
  Tensor big = test::rand_tensor({1000, 300}, 13);
  check_close(sum(big, {0}).to_vector(), naive(big, {0}, R::Sum), 1e-5);
  check_close(amax(big, {0}).to_vector(), naive(big, {0}, R::Max), 0);
  check_close(sum(big, {1}).to_vector(), naive(big, {1}, R::Sum), 1e-5);
}

TEST_CASE("reductions: hand-worked values", "[tensor]") {
  Tensor x = arange(6).reshape({2, 3});
  CHECK(sum(x).item() == 15);
  CHECK(sum(x).dim() == 0);
  CHECK(sum(x, {0}).to_vector() == std::vector<double>{3, 5, 7});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  CHECK(mean(x).item() == 2.5);
  CHECK(mean(x, {1}).to_vector() == std::vector<double>{1, 4});
  CHECK(amax(x, {1}).to_vector() == std::vector<double>{2, 5});
  CHECK(amin(x).item() == 0);
  CHECK(var(tensor({1, 2, 3, 4})).item() == Approx(5.0 / 3.0));
  CHECK(var(tensor({1, 2, 3, 4}), {}, 0).item() == Approx(1.25));
  CHECK(var(x, {1}).to_vector() == std::vector<double>{1, 1});
  CHECK(var(x, {0}, 1, true).shape() == Shape{1, 3});
  CHECK(var(x, {0}, 1, true).to_vector() == std::vector<double>{4.5, 4.5, 4.5});
  CHECK(sum(zeros({0, 3}), {0}).to_vector() == std::vector<double>{0, 0, 0});
  CHECK(sum(scalar_tensor(4)).item() == 4);
  CHECK(std::isnan(mean(zeros({0})).item()));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(amax(tensor({1, nan, 3})).item()));
  CHECK(std::isnan(amin(tensor({1, 2, nan}).reshape({1, 3}), {0}).to_vector()[2]));
}

TEST_CASE("argmax/argmin: first occurrence, int64, keepdim", "[tensor]") {
  Tensor x = from_vector(std::vector<float>{1, 5, 5, 0, 2, 2, 7, 7, 1, 3, -1, -1}, {2, 2, 3});
  Tensor a = argmax(x, -1);
  CHECK(a.dtype() == DType::Int64);
  CHECK(a.shape() == Shape{2, 2});
  // (Not written as a vector literal: GCC 12.2 with AVX-512 miscompiles
  // std::vector<int64_t>{1, 1, 0, 0} into {1, 1, 1, 1} unless -fno-tree-slp-vectorize.)
  CHECK(a.at({0, 0}) == 1);
  CHECK(a.at({0, 1}) == 1);
  CHECK(a.at({1, 0}) == 0);
  CHECK(a.at({1, 1}) == 0);
  CHECK(argmin(x, 2).values<int64_t>() == std::vector<int64_t>{0, 0, 2, 1});
  CHECK(argmax(x, 0).values<int64_t>() == std::vector<int64_t>{1, 1, 0, 1, 0, 0});
  CHECK(argmax(x, 1, true).shape() == Shape{2, 1, 3});
  CHECK(argmin(x, 1, true).values<int64_t>() == std::vector<int64_t>{1, 1, 1, 1, 1, 1});
  CHECK(argmax(x.transpose(0, 2), 0).values<int64_t>() == std::vector<int64_t>{1, 0, 1, 0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(argmax(tensor({1, nan, 9}), 0).item() == 1);
  REQUIRE_THROWS_WITH(argmax(zeros({2, 0}), 1), Contains("argmax: cannot reduce over an empty dim of [2, 0]"));
  REQUIRE_THROWS_WITH(argmax(zeros({2, 3}), 2), Contains("argmax: dim 2 out of range for a tensor of 2 dims [2, 3]"));
}

TEST_CASE("float32 sum of 10M values of 0.1 is accurate to 1e-6", "[tensor]") {
  Tensor x = full({10000000}, 0.1);
  const double want = 10000000.0 * static_cast<double>(0.1f);
  CHECK(std::abs(sum(x).item() - want) / want < 1e-6);
  CHECK(std::abs(mean(x).item() - 0.1f) / 0.1 < 1e-6);
  // Same along the outer dim of a contiguous [N, D] and an inner row of a [D, N].
  Tensor col = full({2000000, 2}, 0.1);
  for (double v : sum(col, {0}).to_vector()) CHECK(std::abs(v - 2e6 * 0.1f) / (2e5) < 1e-6);
  Tensor row = full({2, 2000000}, 0.1);
  for (double v : sum(row, {1}).to_vector()) CHECK(std::abs(v - 2e6 * 0.1f) / (2e5) < 1e-6);
}

TEST_CASE("sums do not depend on the thread count", "[tensor]") {
  Tensor x = test::rand_tensor({3, 1500001}, 5);  // above kParallelMin: threads are used
  const int before = get_num_threads();
  set_num_threads(1);
  const Tensor s1 = sum(x), r1 = sum(x, {1}), c1 = sum(x.view({1500001, 3}), {0}), e1 = exp(x);
  set_num_threads(2);
  const Tensor s2 = sum(x), r2 = sum(x, {1}), c2 = sum(x.view({1500001, 3}), {0}), e2 = exp(x);
  set_num_threads(before);
  CHECK(equal(s1, s2));
  CHECK(equal(r1, r2));
  CHECK(equal(c1, c2));
  CHECK(equal(e1, e2));
}

TEST_CASE("sum_to sums a broadcast gradient back to a shape", "[tensor]") {
  Tensor g = arange(24).reshape({2, 3, 4});
  CHECK(sum_to(g, {4}).to_vector() == std::vector<double>{60, 66, 72, 78});
  CHECK(sum_to(g, {3, 1}).shape() == Shape{3, 1});
  CHECK(sum_to(g, {3, 1}).to_vector() == std::vector<double>{60, 92, 124});
  CHECK(sum_to(g, {1, 3, 4}).to_vector() == sum(g, {0}).to_vector());
  CHECK(sum_to(g, {}).item() == 276);
  CHECK(sum_to(g, {2, 3, 4}).shares_storage(g));
  REQUIRE_THROWS_WITH(sum_to(g, {5}), Contains("sum_to: cannot sum [2, 3, 4] to [5]"));
}

TEST_CASE("reduction errors", "[tensor]") {
  REQUIRE_THROWS_WITH(sum(zeros({2, 3}), {2}), Contains("sum: dim 2 out of range for a tensor of 2 dims [2, 3]"));
  REQUIRE_THROWS_WITH(sum(zeros({2, 3}), {1, -1}), Contains("sum: dim -1 appears more than once in [1, -1]"));
  REQUIRE_THROWS_WITH(amax(zeros({0, 3}), {0}), Contains("amax: cannot reduce over an empty dim of [0, 3]"));
  REQUIRE_THROWS_WITH(sum(zeros({2}, DType::Int64)), Contains("sum: expected a float tensor, got int64"));
  REQUIRE_THROWS_WITH(mean(Tensor()), Contains("mean: tensor is undefined"));
}
