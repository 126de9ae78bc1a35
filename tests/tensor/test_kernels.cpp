// Every elementwise kernel's vector path equals its scalar reference (the same functor applied
// to one T) at sizes 0, 1, W-1, W, W+1, 3W+5 and on non-contiguous views. Exact for arithmetic,
// within a few ulp for the transcendental functions (xsimd's vs libm's).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "tensor/kernels/functors.h"
#include "tensor/kernels/map.h"
#include "tensor/kernels/reduce.h"
#include "tensor/ops.h"
#include "tensor_test_util.h"

using namespace nash;

namespace {
template <class T>
std::vector<int64_t> sizes() {
  const int64_t W = kernels::kWidth<T>;
  return {0, 1, W - 1, W, W + 1, 3 * W + 5};
}

template <class T>
bool close(T got, T want, double rel) {
  if (std::isnan(want)) return std::isnan(got);
  if (got == want) return true;
  return std::abs(double(got) - double(want)) <= rel * (std::abs(double(want)) + 1e-30) + 1e-300;
}

template <class T>
std::vector<T> random_values(int64_t n, uint64_t seed, double lo, double hi) {
  return test::rand_tensor({n}, seed, dtype_of<T>(), lo, hi).template values<T>();
}

// rel: tolerance in relative units for the vector path; 0 = bitwise.
struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  double lo, hi, rel32, rel64;
};

template <class T, class F>
void check_unary_kernel(const char* name, F f, double lo, double hi, double rel) {
  for (int64_t n : sizes<T>()) {
    const std::vector<T> x = random_values<T>(n, 7 + n, lo, hi);
    std::vector<T> y(n + 1, T(-12345));
    kernels::map(x.data(), y.data(), n, f);
    INFO(name << " n=" << n);
    for (int64_t i = 0; i < n; ++i) CHECK(close<T>(y[i], static_cast<T>(f(x[i])), rel));
    CHECK(y[n] == T(-12345));  // nothing written past the end
  }
}

// Through the tensor op: contiguous, sliced with step 2, and transposed inputs.
template <class T, class F>
void check_unary_tensor(const UnaryCase& c, F f, double rel) {
  const int64_t W = kernels::kWidth<T>;
  const DType dt = dtype_of<T>();
  std::vector<Tensor> inputs = {
      test::rand_tensor({3 * W + 5}, 1, dt, c.lo, c.hi),
      test::rand_tensor({2 * (3 * W + 5)}, 2, dt, c.lo, c.hi).slice(0, 1, 2 * (3 * W + 5), 2),
      test::rand_tensor({W + 1, 5}, 3, dt, c.lo, c.hi).t(),
      test::rand_tensor({4, W + 3}, 4, dt, c.lo, c.hi).slice(1, 1, W + 3),
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    Tensor y = c.op(x);
    REQUIRE(y.shape() == x.shape());
    const std::vector<T> xv = x.values<T>(), yv = y.values<T>();
    INFO(c.name << " input " << k << " dtype " << dtype_name(dt));
    for (size_t i = 0; i < xv.size(); ++i) CHECK(close<T>(yv[i], static_cast<T>(f(xv[i])), rel));
  }
}
}  // namespace

#define UNARY(name, fnobj, lo, hi, r32, r64)                                               \
  do {                                                                                     \
    UnaryCase c{#name, [](const Tensor& x) { return nash::name(x); }, lo, hi, r32, r64}; \
    check_unary_kernel<float>(#name, fnobj, lo, hi, r32);                                  \
    check_unary_kernel<double>(#name, fnobj, lo, hi, r64);                                 \
    check_unary_tensor<float>(c, fnobj, r32);                                              \
    check_unary_tensor<double>(c, fnobj, r64);                                             \
  } while (0)

TEST_CASE("unary kernels: vector path == scalar reference", "[tensor][kernels]") {
  UNARY(neg, fn::neg, -3, 3, 0, 0);
  UNARY(abs, fn::abs, -3, 3, 0, 0);
  UNARY(square, fn::square, -3, 3, 0, 0);
  UNARY(relu, fn::relu, -3, 3, 0, 0);
  UNARY(sign, fn::sign, -3, 3, 0, 0);
  UNARY(sqrt, fn::sqrt, 0.01, 9, 0, 0);
  UNARY(rsqrt, fn::rsqrt, 0.01, 9, 0, 0);
  UNARY(reciprocal, fn::reciprocal, 0.01, 9, 0, 0);
  UNARY(exp, fn::exp, -20, 20, 4e-7, 1e-15);
  UNARY(log, fn::log, 1e-3, 1e3, 4e-7, 1e-15);
  UNARY(log1p, fn::log1p, -0.9, 10, 4e-7, 1e-15);
  UNARY(expm1, fn::expm1, -5, 5, 4e-7, 1e-15);
  UNARY(tanh, fn::tanh, -10, 10, 1e-6, 1e-15);  // float: the same rational form in both paths
  UNARY(sigmoid, fn::sigmoid, -20, 20, 4e-7, 1e-15);
  UNARY(sin, fn::sin, -6, 6, 1e-6, 1e-14);
  UNARY(cos, fn::cos, -6, 6, 1e-6, 1e-14);
  UNARY(erf, fn::erf, -5, 5, 1e-6, 1e-14);
  UNARY(softplus, fn::softplus, -30, 30, 1e-6, 1e-14);
  UNARY(log_sigmoid, fn::log_sigmoid, -30, 30, 1e-6, 1e-14);
}

TEST_CASE("parameterised unary kernels: vector path == scalar reference", "[tensor][kernels]") {
  {
    UnaryCase c{"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, -3, 3, 0, 0};
    check_unary_kernel<float>(c.name, fn::leaky_relu(0.2), -3, 3, 0);
    check_unary_tensor<float>(c, fn::leaky_relu(0.2), 0);
    check_unary_tensor<double>(c, fn::leaky_relu(0.2), 0);
  }
  {
    UnaryCase c{"elu", [](const Tensor& x) { return elu(x, 1.5); }, -3, 3, 0, 0};
    check_unary_kernel<float>(c.name, fn::elu(1.5), -3, 3, 1e-6);
    check_unary_tensor<float>(c, fn::elu(1.5), 1e-6);
    check_unary_tensor<double>(c, fn::elu(1.5), 1e-14);
  }
  {
    UnaryCase c{"clamp", [](const Tensor& x) { return clamp(x, -0.5, 1); }, -3, 3, 0, 0};
    check_unary_kernel<double>(c.name, fn::clamp(-0.5, 1), -3, 3, 0);
    check_unary_tensor<float>(c, fn::clamp(-0.5, 1), 0);
    check_unary_tensor<double>(c, fn::clamp(-0.5, 1), 0);
  }
  for (double e : {2.0, 3.0, 0.5, -1.0, 1.7}) {
    UnaryCase c{"pow", [e](const Tensor& x) { return pow(x, e); }, 0.1, 4, 0, 0};
    const double r32 = e == 1.7 ? 1e-6 : 0, r64 = e == 1.7 ? 1e-14 : 0;
    check_unary_kernel<float>(c.name, fn::pow_scalar(e), 0.1, 4, r32);
    check_unary_tensor<float>(c, fn::pow_scalar(e), r32);
    check_unary_tensor<double>(c, fn::pow_scalar(e), r64);
  }
  {
    UnaryCase c{"add scalar", [](const Tensor& x) { return x + 0.3; }, -3, 3, 0, 0};
    check_unary_tensor<float>(c, fn::add_scalar(0.3), 0);
    UnaryCase d{"rsub scalar", [](const Tensor& x) { return 0.3 - x; }, -3, 3, 0, 0};
    check_unary_tensor<double>(d, fn::rsub_scalar(0.3), 0);
  }
}

namespace {
// a op b through the tensor op on several layouts vs the functor on scalars.
template <class T, class F>
void check_binary(const char* name, Tensor (*op)(const Tensor&, const Tensor&), F f, double rel) {
  const int64_t W = kernels::kWidth<T>;
  const DType dt = dtype_of<T>();
  struct Pair { Tensor a, b; };
  std::vector<Pair> pairs;
  for (int64_t n : sizes<T>()) {
    pairs.push_back({test::rand_tensor({n}, 10 + n, dt, 0.5, 2), test::rand_tensor({n}, 20 + n, dt, 0.5, 2)});
    pairs.push_back({test::rand_tensor({3, n}, 30 + n, dt, 0.5, 2), test::rand_tensor({n}, 40 + n, dt, 0.5, 2)});     // (1,1) rows
    pairs.push_back({test::rand_tensor({3, n}, 50 + n, dt, 0.5, 2), test::rand_tensor({3, 1}, 60 + n, dt, 0.5, 2)});  // (1,0)
    pairs.push_back({test::rand_tensor({3, 1}, 70 + n, dt, 0.5, 2), test::rand_tensor({3, n}, 80 + n, dt, 0.5, 2)});  // (0,1)
  }
  const int64_t n = 3 * W + 5;
  pairs.push_back({test::rand_tensor({n, 4}, 90, dt, 0.5, 2).t(), test::rand_tensor({4, n}, 91, dt, 0.5, 2)});  // strided
  pairs.push_back({test::rand_tensor({2 * n}, 92, dt, 0.5, 2).slice(0, 0, 2 * n, 2), test::rand_tensor({n}, 93, dt, 0.5, 2)});
  pairs.push_back({test::rand_tensor({4, 1, n}, 94, dt, 0.5, 2), test::rand_tensor({3, 1}, 95, dt, 0.5, 2)});
  for (size_t k = 0; k < pairs.size(); ++k) {
    const Tensor& a = pairs[k].a;
    const Tensor& b = pairs[k].b;
    const Tensor y = op(a, b);
    const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
    REQUIRE(y.shape() == shape);
    const std::vector<T> av = broadcast_to(a, shape).values<T>(), bv = broadcast_to(b, shape).values<T>();
    const std::vector<T> yv = y.values<T>();
    INFO(name << " pair " << k << " a " << shape_str(a.shape()) << " b " << shape_str(b.shape()));
    for (size_t i = 0; i < yv.size(); ++i) CHECK(close<T>(yv[i], static_cast<T>(f(av[i], bv[i])), rel));
  }
}
}  // namespace

TEST_CASE("binary kernels: vector rows (1,1), (1,0), (0,1) and strided == scalar reference", "[tensor][kernels]") {
  check_binary<float>("add", nash::add, fn::add, 0);
  check_binary<double>("add", nash::add, fn::add, 0);
  check_binary<float>("sub", nash::sub, fn::sub, 0);
  check_binary<float>("mul", nash::mul, fn::mul, 0);
  check_binary<double>("mul", nash::mul, fn::mul, 0);
  check_binary<float>("div", nash::div, fn::div, 0);
  check_binary<float>("maximum", nash::maximum, fn::maximum, 0);
  check_binary<double>("minimum", nash::minimum, fn::minimum, 0);
  check_binary<float>("pow", nash::pow, fn::pow, 1e-6);
  check_binary<float>("lt", nash::lt, fn::lt, 0);
  check_binary<double>("ge", nash::ge, fn::ge, 0);
  check_binary<float>("eq", nash::eq, fn::eq, 0);
}

TEST_CASE("in-place kernels: vector rows == scalar reference on views", "[tensor][kernels]") {
  const int64_t W = kernels::kWidth<float>;
  for (int64_t n : sizes<float>()) {
    Tensor x = test::rand_tensor({3, n}, 100 + n);
    Tensor y = test::rand_tensor({n}, 200 + n);
    const std::vector<float> xv = x.values<float>(), yv = y.values<float>();
    add_(x, y);
    const std::vector<float> got = x.values<float>();
    for (int64_t i = 0; i < 3 * n; ++i) CHECK(got[i] == xv[i] + yv[i % n]);
  }
  Tensor base = test::rand_tensor({3 * W + 5, 6}, 300);
  Tensor view = base.t().slice(0, 0, 6, 2);  // [3, 3W+5], strides (2, 6)
  const std::vector<float> before = view.values<float>();
  mul_(view, 3.0);
  const std::vector<float> after = view.values<float>();
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i] * 3.0f);
  CHECK(base.at({0, 1}) == test::rand_tensor({3 * W + 5, 6}, 300).at({0, 1}));  // untouched column
}

TEST_CASE("reduction kernels: vector path == scalar reference", "[tensor][kernels]") {
  for (int64_t n : sizes<float>()) {
    for (int64_t m : {n, n + 32 * kernels::kWidth<float> + 3}) {
      const std::vector<float> x = random_values<float>(m, 500 + m, -1, 1);
      CHECK(kernels::sum_contiguous(x.data(), m) ==
            Approx(kernels::sum_reference(x.data(), m)).margin(1e-4));
      if (m > 0) {
        CHECK(kernels::extreme_contiguous(x.data(), m, true) == kernels::extreme_reference(x.data(), m, true));
        CHECK(kernels::extreme_contiguous(x.data(), m, false) == kernels::extreme_reference(x.data(), m, false));
      }
    }
  }
  std::vector<double> d = random_values<double>(1000, 9, -1, 1);
  CHECK(kernels::sum_contiguous(d.data(), 1000) == Approx(kernels::sum_reference(d.data(), 1000)).epsilon(1e-12));
  d[777] = std::nan("");
  CHECK(std::isnan(kernels::extreme_contiguous(d.data(), 1000, true)));
  CHECK(std::isnan(kernels::extreme_reference(d.data(), 1000, false)));
}

TEST_CASE("float tanh approximation is within 8 ulp of libm and saturates exactly", "[tensor][kernels]") {
  Tensor x = linspace(-12, 12, 2400001);
  const std::vector<float> xv = x.values<float>(), yv = nash::tanh(x).values<float>();
  double worst_ulp = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    const double want = std::tanh(static_cast<double>(xv[i]));
    const double ulp = std::abs(std::nextafter(static_cast<float>(want), 2.0f) - static_cast<float>(want));
    worst_ulp = std::max(worst_ulp, std::abs(yv[i] - want) / ulp);
  }
  CHECK(worst_ulp < 8.0);  // 4.6 when xsimd's fma (mul + add on AVX-512) is contracted, 6.6 if not
  Tensor edge = tensor({9, -9, 50, -INFINITY, 1e-5, -0.0, NAN});
  const std::vector<float> e = nash::tanh(edge).values<float>();
  CHECK(e[0] == 1.0f);
  CHECK(e[1] == -1.0f);
  CHECK(e[2] == 1.0f);
  CHECK(e[3] == -1.0f);
  CHECK(e[4] == 1e-5f);
  CHECK(std::signbit(e[5]));
  CHECK(std::isnan(e[6]));
}
