// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
// maximize: torch.optim.SGD's algorithm and defaults. Per parameter, with g its gradient:
//   g = -g if maximize;  g += weight_decay p
//   if momentum != 0:  b = g at the first step, else b = momentum b + (1 - dampening) g
//                      g = g + momentum b if nesterov, else b
//   p -= lr g
// State: "momentum_buffer" (only when momentum != 0).
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Variable> params, SGDOptions options = {});
  const SGDOptions& options() const { return options_; }
  void set_options(const SGDOptions& options);  // checked like the constructor's

 protected:
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
  OptionValues option_values() const override;
  std::vector<std::string> check_option_values(const OptionValues& values) const override;
  void assign_option_values(const OptionValues& values) override;

 private:
  SGDOptions options_;
};

}  // namespace nash::optim
