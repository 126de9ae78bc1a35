// Gradient and weight clipping, on the tensors in place.
#include "nn/optim/clip.h"

#include <algorithm>
#include <cmath>

#include "tensor/ops.h"
#include "tensor/sum_squares.h"

namespace nash::nn::optim {

namespace {
// A parameter's gradient as a tensor we may write in place. The engine's .grad is contiguous
// and owned; anything else (a view someone set, a graph from create_graph) is replaced by a
// detached contiguous copy first, so no other tensor or graph changes under it.
Tensor writable_grad(Variable& p) {
  const Variable& grad = p.grad();
  if (grad.requires_grad() || !grad.value().is_contiguous()) {
    p.set_grad(Variable(grad.value().clone()));
  }
  return p.grad().value();
}
}  // namespace

double clip_grad_norm_(const std::vector<Variable>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NASH_CHECK(norm_type > 0.0, "clip_grad_norm_: norm_type must be > 0 or infinity, got ",
             norm_type);
  NASH_CHECK(max_norm >= 0.0, "clip_grad_norm_: max_norm must be >= 0, got ", max_norm);
  NoGradGuard no_grad;
  std::vector<Variable> with_grad;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) with_grad.push_back(p);
  if (with_grad.empty()) return 0.0;

  // total = (sum over tensors of sum |g|^p)^(1/p): the norm of the per-tensor norms, as torch.
  double total = 0.0;
  for (const auto& p : with_grad) {
    const Tensor& g = p.grad().value();
    if (g.numel() == 0) continue;
    if (std::isinf(norm_type)) {
      total = std::max(total, amax(abs(g)).item());
    } else if (norm_type == 2.0) {
      total += sum_squares(g);
    } else if (norm_type == 1.0) {
      total += sum(abs(g)).item();
    } else {
      total += sum(pow(abs(g), norm_type)).item();
    }
  }
  if (!std::isinf(norm_type) && norm_type != 1.0) total = std::pow(total, 1.0 / norm_type);
  NASH_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of ",
             "order ", norm_type, " of the gradients of ", with_grad.size(),
             " parameters is non-finite (", total, "), so it cannot be clipped");

  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0) {
    for (auto& p : with_grad) {
      Tensor g = writable_grad(p);
      mul_(g, coef);
    }
  }
  return total;
}

double grad_norm(const std::vector<Variable>& params) {
  double total = 0;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) total += sum_squares(p.grad().value());
  return std::sqrt(total);
}

void clip_grad_value_(const std::vector<Variable>& params, double clip_value) {
  NASH_CHECK(clip_value >= 0.0, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (auto p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = writable_grad(p);
    clamp_(g, -clip_value, clip_value);
  }
}

void clamp_parameters_(const std::vector<Variable>& params, double c) {
  NASH_CHECK(c >= 0.0, "clamp_parameters_: c must be >= 0, got ", c);
  NoGradGuard no_grad;
  for (auto p : params) {
    if (!p.defined()) continue;
    clamp_(p.mutable_value(), -c, c);
  }
}

}  // namespace nash::nn::optim
