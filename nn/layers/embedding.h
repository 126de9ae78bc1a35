// Embedding: a lookup table of K vectors of size D, PyTorch's nn.Embedding with its N(0, 1)
// initialisation. Indices are int64; the row at padding_idx (if set) starts at zero and gets
// no gradient, as in PyTorch.
// Shapes: indices [...] int64 in [0, K) -> y [..., D]; weight [K, D].
//   nash::nn::Embedding labels(10, 16);                  // CGAN: 10 classes -> 16-d codes
//   Variable e = labels.forward(y);                      // y int64 [N] -> [N, 16]
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct EmbeddingOptions {
  int64_t num_embeddings = 0;          // K
  int64_t embedding_dim = 0;           // D
  std::optional<int64_t> padding_idx = std::nullopt;  // in [-K, K); negative counts from the end
};

class Embedding : public Module {
 public:
  Variable weight;  // [K, D]
  EmbeddingOptions options;

  explicit Embedding(const EmbeddingOptions& options, Rng& rng = default_rng());
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Rng& rng = default_rng());
  // weight ~ N(0, 1), then the padding row set to zero.
  void reset_parameters(Rng& rng = default_rng());
  Variable forward(const Tensor& indices);
  // For Sequential: the Variable's value must hold int64 indices (no gradient flows to them).
  Variable forward(const Variable& indices) override;
  std::string extra_repr() const override;  // "10, 16" (+ ", padding_idx=0")
};

}  // namespace nash::nn
