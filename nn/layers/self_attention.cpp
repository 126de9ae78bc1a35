// SAGAN self-attention: four 1x1 convs, a batched softmax(f^T g) attention over positions, and
// a zero-initialised residual gain. Autograd ops only (batched matmul, softmax).
#include "nn/layers/self_attention.h"

#include <algorithm>

#include "nn/layers/common.h"
#include "nn/layers/conv.h"
#include "nn/layers/spectral_norm.h"
#include "tensor/creation.h"

namespace nash::nn {
namespace {
std::shared_ptr<Module> conv1x1(int64_t in, int64_t out, bool sn, Rng& rng) {
  auto conv = std::make_shared<Conv2d>(
      Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = 1}, rng);
  if (!sn) return conv;
  return spectral_norm(conv, {}, rng);
}
}  // namespace

SelfAttention::SelfAttention(const SelfAttentionOptions& o, Rng& rng)
    : Module("SelfAttention"), options(o) {
  NASH_CHECK(o.channels >= 8 && o.max_positions >= 1,
             "SelfAttention: channels must be >= 8 (the query width is C/8), got ", o.channels);
  const int64_t c = o.channels;
  query = register_module("query", conv1x1(c, c / 8, o.spectral_norm, rng));
  key = register_module("key", conv1x1(c, c / 8, o.spectral_norm, rng));
  value = register_module("value", conv1x1(c, c / 2, o.spectral_norm, rng));
  out = register_module("out", conv1x1(c / 2, c, o.spectral_norm, rng));
  register_parameter("gamma", gamma, zeros({1}));
}

Variable SelfAttention::forward(const Variable& x) {
  const int64_t c = options.channels;
  NASH_CHECK(x.dim() == 4 && x.size(1) == c && x.size(2) * x.size(3) <= options.max_positions,
             "SelfAttention(", extra_repr(), "): expected input [N, ", c, ", H, W] with H W <= ",
             options.max_positions, ", got ", x.shape());
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3), l = h * w;
  Variable f = reshape(query->forward(x), {n, c / 8, l});  // [N, C/8, L]
  Variable g = reshape(key->forward(x), {n, c / 8, l});
  Variable v = reshape(value->forward(x), {n, c / 2, l});  // [N, C/2, L]
  // logits[j, i] = g_j . f_i; softmax over i (the last dim).
  Variable beta = softmax(matmul(transpose(g, 1, 2), f), 2);         // [N, L(j), L(i)]
  Variable attended = matmul(v, transpose(beta, 1, 2));              // [N, C/2, L(j)]
  Variable o = out->forward(reshape(attended, {n, c / 2, h, w}));    // [N, C, H, W]
  return x + o * reshape(gamma, {1, 1, 1, 1});
}

std::string SelfAttention::extra_repr() const {
  return std::to_string(options.channels) +
         ", spectral_norm=" + repr::boolean(options.spectral_norm);
}

}  // namespace nash::nn
