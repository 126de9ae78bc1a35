// RMSprop: torch.optim.RMSprop's algorithm and defaults. Per parameter, with g its gradient:
//   g = -g if maximize;  g += weight_decay p
//   v = alpha v + (1 - alpha) g^2
//   centered:  a = alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps,  else d = sqrt(v) + eps
//   momentum > 0:  b = momentum b + g / d;  p -= lr b        else  p -= lr g / d
// State: "step", "square_avg" (v), "grad_avg" (a, centered only), "momentum_buffer" (b, momentum
// > 0 only), all zeros before the first step.
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(std::vector<Variable> params, RMSpropOptions options = {});
  const RMSpropOptions& options() const { return options_; }
  void set_options(const RMSpropOptions& options);  // checked like the constructor's

 protected:
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
  OptionValues option_values() const override;
  std::vector<std::string> check_option_values(const OptionValues& values) const override;
  void assign_option_values(const OptionValues& values) override;

 private:
  RMSpropOptions options_;
};

}  // namespace nash::optim
