// Linear: y = x W^T + b, PyTorch's nn.Linear with its default initialisation.
#pragma once
#include <cstdint>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct LinearOptions {
  int64_t in_features = 0;   // D_in
  int64_t out_features = 0;  // D_out
  bool bias = true;
};

// x [..., D_in] -> y [..., D_out]
//   nash::nn::Linear fc(784, 512);                                   // default_rng()
//   nash::nn::Linear fc2(784, 512, rng);                             // a Rng of yours
//   nash::nn::Linear head({.in_features = 512, .out_features = 1, .bias = false}, rng);
class Linear : public Module {
 public:
  Variable weight;  // [D_out, D_in]
  Variable bias;    // [D_out]; undefined (and not a parameter) when options.bias is false
  LinearOptions options;

  explicit Linear(const LinearOptions& options, Rng& rng = default_rng());
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         Rng& rng = default_rng());
  Linear(int64_t in_features, int64_t out_features, Rng& rng);

  // PyTorch's default: weight by kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(D_in), 1/sqrt(D_in)),
  // and bias U(-1/sqrt(D_in), 1/sqrt(D_in)); weight drawn first, then bias.
  void reset_parameters(Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  // act(forward(x)) as one fused op (autograd linear_act), bitwise the same; Sequential calls
  // it for a Linear followed by ReLU, LeakyReLU, Tanh or Sigmoid.
  Variable forward(const Variable& x, LinearActivation act, double slope = 0.0);
  std::string extra_repr() const override;  // "in_features=784, out_features=512, bias=true"
};

// The bias bound torch uses for Linear and the convolutions: 1/sqrt(fan_in), 0 if fan_in is 0.
void init_bias_like_torch(Variable& bias, const Variable& weight, Rng& rng);

}  // namespace nash::nn
