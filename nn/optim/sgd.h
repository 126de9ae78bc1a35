// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
// maximize: torch.optim.SGD's algorithm and defaults. Per parameter, with g its gradient:
//   g = -g if maximize;  g += weight_decay p
//   if momentum != 0:  b = g at the first step, else b = momentum b + (1 - dampening) g
//                      g = g + momentum b if nesterov, else b
//   p -= lr g
// State: "momentum_buffer" (only when momentum != 0).
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::nn::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
  bool maximize = false;

  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("lr", o.lr);
    f("momentum", o.momentum);
    f("dampening", o.dampening);
    f("weight_decay", o.weight_decay);
    f("nesterov", o.nesterov);
    f("maximize", o.maximize);
  }
};

class SGD : public OptimizerWith<SGDOptions> {
 public:
  explicit SGD(std::vector<Variable> params, SGDOptions options = {});

 protected:
  std::vector<std::string> check_options(const SGDOptions& o) const override;
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
};

}  // namespace nash::nn::optim
