// Shared by the autograd op tests: float64 inputs from literals, a forward-value check, a thrown
// message capture, and gradcheck + gradgradcheck with the failure message shown by Catch.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "autograd/function.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tensor/ops.h"
#include "error_of.h"

namespace nash::test {

inline Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return from_vector(values, shape);
}
inline Variable leaf(const std::vector<double>& values, const Shape& shape) {
  return Variable(from_vector(values, shape), true);
}

// y has `shape` and, in row-major order, `expected` (to `tol`).
inline void check_values(const Variable& y, const Shape& shape, const std::vector<double>& expected,
                         double tol = 1e-12) {
  REQUIRE(y.shape() == shape);
  std::vector<double> got = y.value().to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(tol));
  }
}

// First and second derivatives of f at `inputs` against central differences.
inline void check_grads(const std::string& label, const GradcheckFn& f,
                        const std::vector<Tensor>& inputs, GradcheckOptions options = {}) {
  INFO(label);
  {
    GradcheckResult r = gradcheck(f, inputs, options);
    INFO(r.message);
    CHECK(r.ok);
  }
  {
    GradcheckResult r = gradgradcheck(f, inputs, options);
    INFO(r.message);
    CHECK(r.ok);
  }
}

// Uniform in [low, high), float64, no kinks to avoid.
inline Tensor random_in(const Shape& shape, Rng& rng, double low, double high) {
  return random_away_from(shape, rng, {}, 0.0, low, high);
}

}  // namespace nash::test
