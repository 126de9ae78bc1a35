// Activation layers: PyTorch's ReLU, LeakyReLU (negative_slope 0.01), ELU (alpha 1), Tanh,
// Sigmoid and Softplus (beta 1, threshold 20). Elementwise, any shape; each is one autograd op
// (Softplus with beta != 1 composes two).
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

}  // namespace nash::nn
