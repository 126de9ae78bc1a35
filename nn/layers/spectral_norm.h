// Spectral normalisation (Miyato et al. 2018) as torch.nn.utils.spectral_norm: the wrapped
// layer runs with weight = weight_orig / sigma, sigma the largest singular value of weight_orig
// viewed as a matrix [rows, cols] (rows = its size along `dim`), estimated by power iteration.
//
//   training: n_power_iterations times (no graph, eps 1e-12):
//               v = normalize(W^T u),  u = normalize(W v)        (u, v kept in buffers)
//   always:   sigma = u^T W v with u, v constants, weight = weight_orig / sigma
//   eval:     no power iteration; the stored u, v are used.
// The gradient flows through sigma (as in PyTorch), and so do second derivatives.
//
// The wrapper takes over the layer's parameters under PyTorch's names: "weight_orig", "bias"
// (registered on the layer's own `bias` field, so the layer keeps using it), buffers "weight_u" [rows] and "weight_v" [cols] drawn from
// N(0, 1) and normalised. The layer's `weight` field is set to the normalised weight for each
// forward and left holding its detached value after.
//
//   auto d = std::make_shared<nash::nn::Sequential>(
//       nash::nn::spectral_norm(std::make_shared<nash::nn::Linear>(784, 512)),
//       std::make_shared<nash::nn::LeakyReLU>(0.2));
//   // named_parameters: "0.weight_orig" [512, 784], "0.bias" [512]
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct SpectralNormOptions {
  int64_t n_power_iterations = 1;
  double eps = 1e-12;          // normalize(x) = x / max(||x||, eps)
  std::optional<int64_t> dim = std::nullopt;  // the output dim of the weight: 1 for ConvTranspose2d, else 0
};

class SpectralNorm : public Module {
 public:
  Variable weight_orig;  // the trained weight (the wrapped layer's weight shape)
  Tensor weight_u;       // [rows]
  Tensor weight_v;       // [cols]
  SpectralNormOptions options;
  std::shared_ptr<Module> module;  // the wrapped layer

  // M: a layer with a `Variable weight` (and optionally `Variable bias`) and no other
  // parameters or buffers (Linear, Conv2d, ConvTranspose2d, Maxout, Embedding, ...).
  template <class M>
  explicit SpectralNorm(std::shared_ptr<M> layer, const SpectralNormOptions& options = {},
                        Rng& rng = default_rng())
      : SpectralNorm(layer, &layer->weight, bias_field(layer.get()), options, rng) {}

  // weight_orig / sigma, running the power iteration first when training.
  Variable normalized_weight();
  Variable forward(const Variable& x) override;
  void train(bool on = true) override;
  // "Linear(in_features=784, out_features=512, bias=true), n_power_iterations=1, dim=0, eps=1e-12"
  std::string extra_repr() const override;

 private:
  SpectralNorm(std::shared_ptr<Module> layer, Variable* weight, Variable* bias,
               const SpectralNormOptions& options, Rng& rng);
  template <class M>
  static Variable* bias_field(M* m) {
    if constexpr (requires { m->bias; }) return &m->bias;
    else return nullptr;
  }
  Tensor weight_matrix(const Tensor& w) const;  // [rows, cols] view/copy of w
  Variable* layer_weight_;                       // the wrapped layer's `weight` field
  int64_t dim_;
};

// Like torch.nn.utils.spectral_norm(module): wraps `layer`.
template <class M>
std::shared_ptr<SpectralNorm> spectral_norm(std::shared_ptr<M> layer,
                                            const SpectralNormOptions& options = {},
                                            Rng& rng = default_rng()) {
  return std::make_shared<SpectralNorm>(std::move(layer), options, rng);
}

}  // namespace nash::nn
