// Gradient checks by central differences in float64, with the semantics of PyTorch's
// torch.autograd.gradcheck / gradgradcheck. An extender proves a new op in three lines:
//
//   nash::Rng rng(1);
//   auto f = [](const auto& v) { return my_op(v[0], v[1]); };   // inputs -> one Variable
//   std::vector<nash::Tensor> in{nash::random_away_from({2, 3, 4}, rng), nash::random_away_from({4}, rng)};
//   REQUIRE(nash::gradcheck(f, in));  REQUIRE(nash::gradgradcheck(f, in));   // .message says why not
//
// What is compared (the choice made here): f's output y, of any shape, is projected on a fixed
// random upstream gradient u (uniform in [-1, 1], seeded), L(x) = <f(x), u>. The analytic
// gradient grad(y, x, u) — one backward, i.e. the vector-Jacobian product J^T u that training
// uses — is compared element by element with the numeric (L(x + eps e_i) - L(x - eps e_i)) / 2eps.
// For a random u a wrong Jacobian entry shows up with probability 1, at the cost of one backward
// instead of one per output element. An element passes when |analytic - numeric| <=
// atol + rtol |numeric|.
//
// gradgradcheck does the same one level up: with g(x, u) = grad(<f(x), u>, x) (first order),
// it checks the gradient of S(x, u) = sum_k <g_k(x, u), v_k>, for a fixed random v, computed by
// grad(..., create_graph=true), against central differences of S — with respect to every input
// AND to u, so derivatives of backward ops with respect to their upstream gradient are checked
// too (as PyTorch does with grad_outputs).
//
// Inputs must be float64 (an nash::Error otherwise). f must be deterministic: seed any Rng
// inside f. Inputs not used by f have a zero gradient. Keep inputs away from kinks (relu at 0,
// abs at 0, ties in max) with random_away_from, or the numeric side straddles the kink.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"
#include "tensor/random.h"

namespace nash {

struct GradcheckOptions {
  double eps = 1e-6;   // central-difference step
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  // On failure: which input, its worst element (flat index and multi-index), analytic vs numeric,
  // the absolute and relative errors and how many elements failed. "ok" on success.
  std::string message = "ok";
  explicit operator bool() const { return ok; }
};

using GradcheckFn = std::function<Variable(const std::vector<Variable>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          GradcheckOptions options = {});
GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                              GradcheckOptions options = {});

// A float64 tensor of `shape` uniform in [low, high) whose every element is at least `margin`
// away from each kink (values are redrawn until they are). E.g. kinks {0} for relu and abs.
Tensor random_away_from(const Shape& shape, Rng& rng, const std::vector<double>& kinks = {0.0},
                        double margin = 0.1, double low = -2.0, double high = 2.0);

}  // namespace nash
