// SpectralNorm: parameter takeover at construction; the power iteration on plain tensors (no
// graph); sigma = u^T W v and W / sigma as Variable ops so the gradient sees sigma's dependence.
#include "nn/layers/spectral_norm.h"

#include <algorithm>
#include <cmath>

#include "nn/layers/common.h"
#include "tensor/ops.h"

namespace nash::nn {

namespace {
// x / max(||x||, eps)
Tensor normalize(const Tensor& x, double eps) {
  const double norm = std::sqrt(nash::sum(nash::mul(x, x)).item());
  return nash::div(x, std::max(norm, eps));
}
}  // namespace

SpectralNorm::SpectralNorm(std::shared_ptr<Module> layer, Variable* weight, Variable* bias,
                           const SpectralNormOptions& o, Rng& rng)
    : Module("SpectralNorm"), options(o), module(std::move(layer)), layer_weight_(weight) {
  NASH_CHECK(module != nullptr && weight->defined(), "SpectralNorm: expected a layer with a weight");
  const std::string what = module->type_name() + "(" + module->extra_repr() + ")";
  // PyTorch's default: dim 1 for transposed convolutions (weight [C, O, ...]), 0 otherwise.
  dim_ = o.dim.value_or(module->type_name().rfind("ConvTranspose", 0) == 0 ? 1 : 0);
  NASH_CHECK(o.n_power_iterations >= 0, "SpectralNorm(", what,
             "): n_power_iterations must be >= 0, got ", o.n_power_iterations);
  NASH_CHECK(o.eps > 0.0, "SpectralNorm(", what, "): eps must be positive, got ", o.eps);
  NASH_CHECK(weight->dim() >= 2 && dim_ >= 0 && dim_ < weight->dim(), "SpectralNorm(", what,
             "): dim ", dim_, " is out of range for weight ", weight->shape());
  // Only weight and bias are carried over; anything else would silently drop out of the tree.
  for (const auto& [name, p] : module->named_parameters())
    NASH_CHECK(name == "weight" || (name == "bias" && bias != nullptr), "SpectralNorm(", what,
               "): can only wrap a layer whose parameters are weight and bias, found '", name,
               "'");
  NASH_CHECK(module->named_buffers().empty(), "SpectralNorm(", what,
             "): cannot wrap a layer with buffers (", module->named_buffers()[0].first, ")");

  register_parameter("weight_orig", weight_orig, weight->value(), weight->requires_grad());
  *layer_weight_ = weight_orig.detach();
  if (bias != nullptr && bias->defined())
    register_parameter("bias", *bias, bias->value(), bias->requires_grad());
  const Tensor w = weight_matrix(weight_orig.value());  // [rows, cols]
  register_buffer("weight_u", weight_u,
                  normalize(normal({w.size(0)}, 0.0, 1.0, rng, w.dtype()), o.eps));
  register_buffer("weight_v", weight_v,
                  normalize(normal({w.size(1)}, 0.0, 1.0, rng, w.dtype()), o.eps));
}

Tensor SpectralNorm::weight_matrix(const Tensor& w) const {
  if (dim_ == 0) return nash::reshape(w, {w.size(0), -1});
  Shape perm{dim_};  // dim first, the others in order
  for (int64_t d = 0; d < w.dim(); ++d)
    if (d != dim_) perm.push_back(d);
  return nash::reshape(w.permute(perm), {w.size(dim_), -1});
}

Variable SpectralNorm::normalized_weight() {
  Tensor u, v;  // fresh tensors: graphs built earlier keep the u, v they were built with
  if (is_training() && options.n_power_iterations > 0) {
    NoGradGuard no_grad;
    const Tensor w = weight_matrix(weight_orig.value());  // [rows, cols]
    const Tensor wt = w.t();
    u = weight_u;
    for (int64_t i = 0; i < options.n_power_iterations; ++i) {
      v = normalize(nash::matmul(wt, u), options.eps);  // [cols]
      u = normalize(nash::matmul(w, v), options.eps);   // [rows]
    }
    copy_(weight_u, u);
    copy_(weight_v, v);
  } else {
    u = weight_u.clone();
    v = weight_v.clone();
  }
  // sigma = u^T W v, differentiable in W only.
  Variable w_mat;
  if (dim_ == 0) {
    w_mat = reshape(weight_orig, {weight_orig.size(0), -1});
  } else {
    Shape perm{dim_};
    for (int64_t d = 0; d < weight_orig.dim(); ++d)
      if (d != dim_) perm.push_back(d);
    w_mat = reshape(permute(weight_orig, perm), {weight_orig.size(dim_), -1});
  }
  Variable wv = matmul(w_mat, Variable(nash::reshape(v, {-1, 1})));  // [rows, 1]
  Variable sigma = sum(Variable(nash::reshape(u, {-1, 1})) * wv);     // []
  return weight_orig / sigma;
}

Variable SpectralNorm::forward(const Variable& x) {
  // The layer reads its `weight` field: point it at the normalised weight for this call only,
  // and leave the detached value behind (what torch's module.weight holds between calls).
  struct Restore {
    Variable* field;
    ~Restore() { *field = field->detach(); }
  } restore{layer_weight_};
  *layer_weight_ = normalized_weight();
  return module->forward(x);
}

void SpectralNorm::train(bool on) {
  Module::train(on);
  module->train(on);
}

std::string SpectralNorm::extra_repr() const {
  return module->type_name() + "(" + module->extra_repr() + ")" +
         ", n_power_iterations=" + std::to_string(options.n_power_iterations) +
         ", dim=" + std::to_string(dim_) + ", eps=" + repr::real(options.eps);
}

}  // namespace nash::nn
