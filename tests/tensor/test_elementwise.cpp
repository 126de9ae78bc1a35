// Elementwise ops: hand-worked values, broadcasting, in-place forms, stability and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "tensor/ops.h"
#include "tensor_test_util.h"

using namespace nash;
using Catch::Contains;

namespace {
std::vector<double> v(const Tensor& t) { return t.to_vector(); }
bool near(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-6) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - b[i]) <= tol * (1 + std::abs(b[i])))) return false;
  return true;
}
}  // namespace

TEST_CASE("unary ops: hand-worked values", "[tensor]") {
  Tensor x = tensor({-2, -0.5, 0, 1, 4});
  CHECK(v(neg(x)) == std::vector<double>{2, 0.5, 0, -1, -4});
  CHECK(v(abs(x)) == std::vector<double>{2, 0.5, 0, 1, 4});
  CHECK(v(relu(x)) == std::vector<double>{0, 0, 0, 1, 4});
  CHECK(v(sign(x)) == std::vector<double>{-1, -1, 0, 1, 1});
  CHECK(v(square(x)) == std::vector<double>{4, 0.25, 0, 1, 16});
  CHECK(v(leaky_relu(x, 0.1)) == v(tensor({-0.2, -0.05, 0, 1, 4})));
  CHECK(v(clamp(x, -1, 1)) == std::vector<double>{-1, -0.5, 0, 1, 1});
  CHECK(v(pow(x, 2.0)) == std::vector<double>{4, 0.25, 0, 1, 16});
  CHECK(v(pow(tensor({-2, 3}), 3.0)) == std::vector<double>{-8, 27});
  CHECK(near(v(pow(tensor({4, 9}), 1.5)), {8, 27}));
  Tensor p = tensor({1, 4, 0.25});
  CHECK(v(sqrt(p)) == std::vector<double>{1, 2, 0.5});
  CHECK(v(rsqrt(p)) == std::vector<double>{1, 0.5, 2});
  CHECK(v(reciprocal(p)) == std::vector<double>{1, 0.25, 4});
  CHECK(near(v(exp(tensor({0, 1, -1}))), {1, std::exp(1.0), std::exp(-1.0)}));
  CHECK(near(v(log(tensor({1, std::exp(2.0)}))), {0, 2}));
  CHECK(near(v(log1p(tensor({0, 1e-7}))), {0, 1e-7}, 1e-5));
  CHECK(near(v(expm1(tensor({0, 1e-7}))), {0, 1e-7}, 1e-5));
  CHECK(near(v(tanh(tensor({0, 1, -20}))), {0, std::tanh(1.0), -1}));
  CHECK(near(v(sigmoid(tensor({0, 2}))), {0.5, 1 / (1 + std::exp(-2.0))}));
  CHECK(near(v(sin(tensor({0, 1.5}))), {0, std::sin(1.5)}));
  CHECK(near(v(cos(tensor({0, 1.5}))), {1, std::cos(1.5)}));
  CHECK(near(v(elu(tensor({-1, 2}), 0.5)), {0.5 * (std::exp(-1.0) - 1), 2}));
  CHECK(near(v(softplus(tensor({0, 1}))), {std::log(2.0), std::log1p(std::exp(1.0))}));
  CHECK(near(v(log_sigmoid(tensor({0, -1}))), {-std::log(2.0), -std::log1p(std::exp(1.0))}));
}

TEST_CASE("softplus, log_sigmoid and sigmoid are stable at +-1000", "[tensor]") {
  for (DType dt : {DType::Float32, DType::Float64}) {
    Tensor x = tensor({-1000, -100, 100, 1000}, dt);
    // e^-100 ~ 3.7e-44 survives as a float denormal: compare with an absolute margin.
    CHECK(near(v(softplus(x)), {0, 0, 100, 1000}, 1e-30));
    CHECK(near(v(log_sigmoid(x)), {-1000, -100, 0, 0}, 1e-30));
    CHECK(near(v(sigmoid(x)), {0, 0, 1, 1}, 1e-30));
    for (const Tensor& y : {softplus(x), log_sigmoid(x), sigmoid(x), elu(x), tanh(x), exp(-abs(x))})
      for (double e : v(y)) CHECK(std::isfinite(e));
  }
}

TEST_CASE("binary ops with broadcasting", "[tensor]") {
  Tensor a = arange(6).reshape({2, 3});
  Tensor row = tensor({10, 20, 30});
  Tensor col = tensor({100, 200}).reshape({2, 1});
  CHECK(v(a + row) == std::vector<double>{10, 21, 32, 13, 24, 35});
  CHECK(v(a + col) == std::vector<double>{100, 101, 102, 203, 204, 205});
  CHECK(v(row + col) == std::vector<double>{110, 120, 130, 210, 220, 230});
  CHECK((row + col).shape() == Shape{2, 3});
  CHECK(v(a - row) == std::vector<double>{-10, -19, -28, -7, -16, -25});
  CHECK(v(a * col) == std::vector<double>{0, 100, 200, 600, 800, 1000});
  CHECK(v(row / tensor({10})) == std::vector<double>{1, 2, 3});
  CHECK(v(pow(tensor({2, 3}), tensor({3, 2}))) == std::vector<double>{8, 9});
  CHECK(v(maximum(a, tensor({2}))) == std::vector<double>{2, 2, 2, 3, 4, 5});
  CHECK(v(minimum(a, tensor({2}))) == std::vector<double>{0, 1, 2, 2, 2, 2});
  // scalar forms and operators
  CHECK(v(a + 1.0) == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(v(1.0 - a) == std::vector<double>{1, 0, -1, -2, -3, -4});
  CHECK(v(2.0 * a) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(v(a / 2.0) == std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5});
  CHECK(v(a - 1.0) == std::vector<double>{-1, 0, 1, 2, 3, 4});
  CHECK(v(-a) == std::vector<double>{0, -1, -2, -3, -4, -5});
  CHECK(v(rsub(a, 10)) == std::vector<double>{10, 9, 8, 7, 6, 5});
  CHECK(v(maximum(a, 2.5)) == std::vector<double>{2.5, 2.5, 2.5, 3, 4, 5});
  CHECK(v(minimum(a, 2.5)) == std::vector<double>{0, 1, 2, 2.5, 2.5, 2.5});
  // 0-d with anything; broadcast on a transposed operand
  CHECK(v(scalar_tensor(3) * a) == std::vector<double>{0, 3, 6, 9, 12, 15});
  CHECK(v(a.t() + tensor({1, 2})) == std::vector<double>{1, 5, 2, 6, 3, 7});
  // float64
  Tensor d = tensor({1, 2}, DType::Float64);
  CHECK((d + d).dtype() == DType::Float64);
  CHECK(v(d * d) == std::vector<double>{1, 4});
}

TEST_CASE("maximum/minimum propagate NaN", "[tensor]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor a = tensor({nan, 1, 2});
  Tensor b = tensor({0, nan, 1});
  auto mx = v(maximum(a, b)), mn = v(minimum(a, b));
  CHECK(std::isnan(mx[0]));
  CHECK(std::isnan(mx[1]));
  CHECK(mx[2] == 2);
  CHECK(std::isnan(mn[0]));
  CHECK(std::isnan(mn[1]));
  CHECK(mn[2] == 1);
  // Long enough for the vector path: NaN must propagate there too.
  Tensor big = zeros({67});
  Tensor slot = big.narrow(0, 5, 1);
  copy_(slot, tensor({nan}));
  Tensor mxb = maximum(big, ones({67})), mnb = minimum(ones({67}), big);
  CHECK(std::isnan(mxb.at({5})));
  CHECK(mxb.at({6}) == 1);
  CHECK(std::isnan(mnb.at({5})));
  CHECK(v(ne(big, big))[5] == 1);
  CHECK(v(ne(big, big))[6] == 0);
  CHECK(std::isnan(amax(big).item()));
  CHECK(std::isnan(amin(big.reshape({1, 67}), {1}).item()));
  CHECK(std::isnan(v(relu(a))[0]));
  CHECK(std::isnan(v(clamp(a, 0, 1))[0]));
}

TEST_CASE("comparisons return 0/1 in the input dtype; where selects", "[tensor]") {
  Tensor a = tensor({1, 2, 3});
  Tensor b = tensor({3, 2, 1});
  CHECK(v(eq(a, b)) == std::vector<double>{0, 1, 0});
  CHECK(v(ne(a, b)) == std::vector<double>{1, 0, 1});
  CHECK(v(lt(a, b)) == std::vector<double>{1, 0, 0});
  CHECK(v(le(a, b)) == std::vector<double>{1, 1, 0});
  CHECK(v(gt(a, b)) == std::vector<double>{0, 0, 1});
  CHECK(v(ge(a, b)) == std::vector<double>{0, 1, 1});
  CHECK(v(gt(a, 1.5)) == std::vector<double>{0, 1, 1});
  CHECK(v(le(a, 2)) == std::vector<double>{1, 1, 0});
  CHECK(v(eq(a, 3)) == std::vector<double>{0, 0, 1});
  CHECK(v(lt(a, 2)) == std::vector<double>{1, 0, 0});
  CHECK(v(ge(a, 2)) == std::vector<double>{0, 1, 1});
  CHECK(gt(a, b).dtype() == DType::Float32);
  Tensor i = tensor({1, 5}, DType::Int64);
  Tensor eqi = eq(i, tensor({1, 4}, DType::Int64));
  CHECK(eqi.dtype() == DType::Int64);
  CHECK(eqi.values<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(eq(i, 5).values<int64_t>() == std::vector<int64_t>{0, 1});
  CHECK(lt(i, 3).dtype() == DType::Int64);
  CHECK(v(where(gt(a, 1.5), a, b)) == std::vector<double>{3, 2, 3});
  CHECK(v(where(tensor({1, 0}).reshape({2, 1}), tensor({5, 6, 7}), tensor({-1}))) ==
        std::vector<double>{5, 6, 7, -1, -1, -1});
  CHECK(v(where(tensor({0, 1, 0}, DType::Int64), 1.0, 2.0)) == std::vector<double>{2, 1, 2});
  CHECK(v(where(lt(a, 2), 0.5, -0.5)) == std::vector<double>{0.5, -0.5, -0.5});
}

TEST_CASE("in-place ops broadcast y into x", "[tensor]") {
  Tensor x = arange(6).reshape({2, 3});
  add_(x, tensor({1, 1, 1}));
  CHECK(v(x) == std::vector<double>{1, 2, 3, 4, 5, 6});
  sub_(x, tensor({1, 2}).reshape({2, 1}));
  CHECK(v(x) == std::vector<double>{0, 1, 2, 2, 3, 4});
  mul_(x, scalar_tensor(2));
  CHECK(v(x) == std::vector<double>{0, 2, 4, 4, 6, 8});
  div_(x, tensor({1, 2, 4}));
  CHECK(v(x) == std::vector<double>{0, 1, 1, 4, 3, 2});
  add_(x, 1.0);
  mul_(x, 0.5);
  CHECK(v(x) == std::vector<double>{0.5, 1, 1, 2.5, 2, 1.5});
  clamp_(x, 1, 2);
  CHECK(v(x) == std::vector<double>{1, 1, 1, 2, 2, 1.5});
  axpy_(x, -2.0, ones({2, 3}));
  CHECK(v(x) == std::vector<double>{-1, -1, -1, 0, 0, -0.5});
  zero_(x);
  CHECK(v(x) == std::vector<double>{0, 0, 0, 0, 0, 0});
  fill_(x, 3);
  CHECK(v(x) == std::vector<double>{3, 3, 3, 3, 3, 3});
  // In place through a strided view writes only the view.
  Tensor m = zeros({3, 4});
  Tensor cols = m.slice(1, 0, 4, 2);
  add_(cols, tensor({1, 2}));
  CHECK(v(m) == std::vector<double>{1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0});
  REQUIRE_THROWS_WITH(add_(x, zeros({3, 3})), Contains("add_: cannot broadcast [2, 3] with [3, 3]"));
  Tensor small = zeros({3});
  REQUIRE_THROWS_WITH(add_(small, zeros({2, 3})), Contains("add_: cannot broadcast [2, 3] to [3]"));
  REQUIRE_THROWS_WITH(axpy_(x, 1.0, zeros({3})), Contains("axpy_: shapes differ: x is [2, 3], y is [3]"));
}

TEST_CASE("in-place aliasing: identical view runs in place, overlapping views read y first", "[tensor]") {
  Tensor x = tensor({1, 2, 3, 4});
  add_(x, x);
  CHECK(v(x) == std::vector<double>{2, 4, 6, 8});
  // y = x shifted by one: with y read first, x[i] += old x[i+1].
  Tensor base = tensor({1, 2, 3, 4, 5});
  Tensor head = base.narrow(0, 0, 4);
  add_(head, base.narrow(0, 1, 4));
  CHECK(v(base) == std::vector<double>{3, 5, 7, 9, 5});
  Tensor r = arange(4);
  Tensor rv = r.narrow(0, 1, 3);
  copy_(rv, r.narrow(0, 0, 3));
  CHECK(v(r) == std::vector<double>{0, 0, 1, 2});
}

TEST_CASE("copy_ broadcasts and converts dtype", "[tensor]") {
  Tensor d = zeros({2, 3}, DType::Float64);
  copy_(d, tensor({1.5, 2.5, 3.5}));
  CHECK(v(d) == std::vector<double>{1.5, 2.5, 3.5, 1.5, 2.5, 3.5});
  Tensor i = zeros({3}, DType::Int64);
  copy_(i, tensor({1.9, -1.9, 7}));
  CHECK(i.values<int64_t>() == std::vector<int64_t>{1, -1, 7});
  Tensor t = zeros({3, 2});
  copy_(t, arange(6).reshape({2, 3}).t());
  CHECK(v(t) == std::vector<double>{0, 3, 1, 4, 2, 5});
  REQUIRE_THROWS_WITH(copy_(t, zeros({3})), Contains("copy_: cannot broadcast [3, 2] with [3]"));
}

TEST_CASE("elementwise errors name the op, dtypes and shapes", "[tensor]") {
  REQUIRE_THROWS_WITH(add(zeros({64, 784}), zeros({10})), Contains("add: cannot broadcast [64, 784] with [10]"));
  REQUIRE_THROWS_WITH(add(zeros({2, 3}), zeros({3}, DType::Float64)),
                      Contains("add: dtype mismatch: float32 [2, 3] and float64 [3]"));
  REQUIRE_THROWS_WITH(add(zeros({2}, DType::Int64), zeros({2}, DType::Int64)),
                      Contains("add: expected a float tensor, got int64"));
  REQUIRE_THROWS_WITH(exp(zeros({2}, DType::Int64)), Contains("exp: expected a float tensor, got int64"));
  REQUIRE_THROWS_WITH(mul(Tensor(), zeros({2})), Contains("mul: tensor is undefined"));
  REQUIRE_THROWS_WITH(relu(Tensor()), Contains("relu: tensor is undefined"));
  REQUIRE_THROWS_WITH(clamp(zeros({2}), 1, 0), Contains("clamp: lo 1 is greater than hi 0"));
  REQUIRE_THROWS_WITH(where(zeros({2}), zeros({3}), zeros({3})), Contains("where: cannot broadcast [2] with [3]"));
  REQUIRE_THROWS_WITH(where(zeros({2}), zeros({2}), zeros({2}, DType::Float64)),
                      Contains("where: dtype mismatch: float32 [2] and float64 [2]"));
}

TEST_CASE("allclose and equal", "[tensor]") {
  Tensor a = tensor({1, 2, 3});
  CHECK(allclose(a, a + 1e-7));
  CHECK_FALSE(allclose(a, a + 1e-3));
  CHECK(allclose(a, a + 1e-3, 0, 1e-2));
  CHECK(allclose(ones({2, 3}), tensor({1})));
  CHECK(equal(a, tensor({1, 2, 3})));
  CHECK_FALSE(equal(a, tensor({1, 2, 3}, DType::Float64)));
  CHECK_FALSE(equal(a, tensor({1, 2, 4})));
  CHECK_FALSE(equal(a, a.reshape({3, 1})));
  CHECK(equal(arange(6).reshape({2, 3}).t(), arange(6).reshape({2, 3}).t().contiguous()));
}
