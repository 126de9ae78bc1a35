// Adam and AdamW: torch.optim.Adam / AdamW's algorithms and defaults. Per parameter, at step t:
//   g = -g if maximize
//   Adam:  g += weight_decay p            AdamW:  p *= 1 - lr weight_decay (decoupled decay)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
//   v_hat = max(v_hat, v) if amsgrad (the running maximum), else v
//   p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
// State: "step", "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad only).
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::nn::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2: added to the gradient
  bool amsgrad = false;
  bool maximize = false;

  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("lr", o.lr);
    f("beta1", o.beta1);
    f("beta2", o.beta2);
    f("eps", o.eps);
    f("weight_decay", o.weight_decay);
    f("amsgrad", o.amsgrad);
    f("maximize", o.maximize);
  }
};

// AdamOptions with decoupled weight decay (its own type, for AdamW's default of 1e-2).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - lr weight_decay
  bool amsgrad = false;
  bool maximize = false;

  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    AdamOptions::fields(o, f);  // the same fields by the same names
  }
};

class Adam : public OptimizerWith<AdamOptions> {
 public:
  explicit Adam(std::vector<Variable> params, AdamOptions options = {});

 protected:
  std::vector<std::string> check_options(const AdamOptions& o) const override;
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
};

class AdamW : public OptimizerWith<AdamWOptions> {
 public:
  explicit AdamW(std::vector<Variable> params, AdamWOptions options = {});

 protected:
  std::vector<std::string> check_options(const AdamWOptions& o) const override;
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
};

}  // namespace nash::nn::optim
