// Activation layers: PyTorch's ReLU, LeakyReLU (negative_slope 0.01), ELU (alpha 1), Tanh,
// Sigmoid, Softplus (beta 1, threshold 20), GELU (exact or tanh), SiLU and PReLU (a learned
// slope). Elementwise, any shape (PReLU with one slope per channel: [N, C, ...]); each is one
// autograd op or a short composition of them.
#pragma once
#include <string>

#include "nn/module.h"

namespace nash::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Variable forward(const Variable& x) override { return relu(x); }
};

// y = x if x > 0 else negative_slope * x
class LeakyReLU : public Module {
 public:
  double negative_slope;
  explicit LeakyReLU(double negative_slope = 0.01);
  Variable forward(const Variable& x) override { return leaky_relu(x, negative_slope); }
  std::string extra_repr() const override;  // "negative_slope=0.01"
};

// y = x if x > 0 else alpha * (e^x - 1)
class ELU : public Module {
 public:
  double alpha;
  explicit ELU(double alpha = 1.0);
  Variable forward(const Variable& x) override { return elu(x, alpha); }
  std::string extra_repr() const override;  // "alpha=1.0"
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Variable forward(const Variable& x) override { return tanh(x); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Variable forward(const Variable& x) override { return sigmoid(x); }
};

// y = log(1 + e^(beta x)) / beta, and y = x where beta x > threshold (as PyTorch).
class Softplus : public Module {
 public:
  double beta, threshold;
  explicit Softplus(double beta = 1.0, double threshold = 20.0);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "beta=1.0, threshold=20.0"
};

// y = x Phi(x) (exact, erf) or its tanh approximation, as torch's GELU(approximate=...).
class GELU : public Module {
 public:
  GeluApproximation approximate;
  explicit GELU(GeluApproximation approximate = GeluApproximation::Exact);
  Variable forward(const Variable& x) override { return gelu(x, approximate); }
  std::string extra_repr() const override;  // "approximate='none'" or "approximate='tanh'"
};

// y = x sigmoid(x) (Swish)
class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Variable forward(const Variable& x) override { return silu(x); }
};

// y = x if x > 0 else weight * x: one learned slope (num_parameters 1) or one per channel
// (num_parameters C, input [N, C, ...]), initialised to `init` (torch's 0.25).
class PReLU : public Module {
 public:
  Variable weight;  // [num_parameters]
  int64_t num_parameters;
  double init;
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25);
  void reset_parameters();  // weight = init
  Variable forward(const Variable& x) override { return prelu(x, weight); }
  std::string extra_repr() const override;  // "num_parameters=1"
};

}  // namespace nash::nn
