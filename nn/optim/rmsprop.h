// RMSprop: torch.optim.RMSprop's algorithm and defaults. Per parameter, with g its gradient:
//   g = -g if maximize;  g += weight_decay p
//   v = alpha v + (1 - alpha) g^2
//   centered:  a = alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps,  else d = sqrt(v) + eps
//   momentum > 0:  b = momentum b + g / d;  p -= lr b        else  p -= lr g / d
// State: "step", "square_avg" (v), "grad_avg" (a, centered only), "momentum_buffer" (b, momentum
// > 0 only), all zeros before the first step.
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::nn::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;

  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("lr", o.lr);
    f("alpha", o.alpha);
    f("eps", o.eps);
    f("weight_decay", o.weight_decay);
    f("momentum", o.momentum);
    f("centered", o.centered);
    f("maximize", o.maximize);
  }
};

class RMSprop : public OptimizerWith<RMSpropOptions> {
 public:
  explicit RMSprop(std::vector<Variable> params, RMSpropOptions options = {});

 protected:
  std::vector<std::string> check_options(const RMSpropOptions& o) const override;
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
};

}  // namespace nash::nn::optim
