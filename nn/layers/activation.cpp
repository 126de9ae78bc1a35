// Activation layers' constructors, reprs and Softplus's beta/threshold composition.
#include "nn/layers/activation.h"

#include "nn/layers/common.h"
#include "tensor/ops.h"

namespace nash::nn {

LeakyReLU::LeakyReLU(double slope) : Module("LeakyReLU"), negative_slope(slope) {}
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + repr::real(negative_slope); }

ELU::ELU(double a) : Module("ELU"), alpha(a) {}
std::string ELU::extra_repr() const { return "alpha=" + repr::real(alpha); }

Softplus::Softplus(double b, double t) : Module("Softplus"), beta(b), threshold(t) {
  NASH_CHECK(beta > 0.0, "Softplus: beta must be positive, got ", beta);
}

Variable Softplus::forward(const Variable& x) {
  Variable bx = beta == 1.0 ? x : x * beta;
  Variable y = beta == 1.0 ? softplus(x) : softplus(bx) / beta;
  // Past the threshold PyTorch returns x itself (linear; derivative 1).
  Tensor linear_part = nash::gt(bx.value(), threshold);  // 0/1 in x's dtype
  return where(linear_part, x, y);
}

GELU::GELU(GeluApproximation a) : Module("GELU"), approximate(a) {}
std::string GELU::extra_repr() const {
  return approximate == GeluApproximation::Tanh ? "approximate='tanh'" : "approximate='none'";
}

PReLU::PReLU(int64_t n, double init_value) : Module("PReLU"), num_parameters(n), init(init_value) {
  NASH_CHECK(n >= 1, "PReLU: num_parameters must be >= 1, got ", n);
  register_parameter("weight", weight, full({n}, init_value));
}
void PReLU::reset_parameters() {
  NoGradGuard no_grad;
  fill_(weight.mutable_value(), init);
}
std::string PReLU::extra_repr() const { return "num_parameters=" + std::to_string(num_parameters); }

std::string Softplus::extra_repr() const {
  return "beta=" + repr::real(beta) + ", threshold=" + repr::real(threshold);
}

}  // namespace nash::nn
