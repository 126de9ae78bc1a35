// Adam and AdamW: torch.optim.Adam / AdamW's algorithms and defaults. Per parameter, at step t:
//   g = -g if maximize
//   Adam:  g += weight_decay p            AdamW:  p *= 1 - lr weight_decay (decoupled decay)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
//   v_hat = max(v_hat, v) if amsgrad (the running maximum), else v
//   p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
// State: "step", "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad only).
#pragma once
#include "nn/optim/optimizer.h"

namespace nash::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2: added to the gradient
  bool amsgrad = false;
  bool maximize = false;
};

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p *= 1 - lr weight_decay
  bool amsgrad = false;
  bool maximize = false;
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Variable> params, AdamOptions options = {});
  const AdamOptions& options() const { return options_; }
  void set_options(const AdamOptions& options);  // checked like the constructor's

 protected:
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
  OptionValues option_values() const override;
  std::vector<std::string> check_option_values(const OptionValues& values) const override;
  void assign_option_values(const OptionValues& values) override;

 private:
  AdamOptions options_;
};

class AdamW : public Optimizer {
 public:
  explicit AdamW(std::vector<Variable> params, AdamWOptions options = {});
  const AdamWOptions& options() const { return options_; }
  void set_options(const AdamWOptions& options);

 protected:
  void update(Tensor& p, const Tensor& g, ParamState& state) override;
  OptionValues option_values() const override;
  std::vector<std::string> check_option_values(const OptionValues& values) const override;
  void assign_option_values(const OptionValues& values) override;

 private:
  AdamWOptions options_;
};

}  // namespace nash::optim
