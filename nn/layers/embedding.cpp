// Embedding: index checks naming the layer, the autograd embedding op, and padding_idx handled
// by routing that row's outputs through a detached copy (same values, no gradient).
#include "nn/layers/embedding.h"

#include <span>

#include "tensor/ops.h"

namespace nash::nn {

Embedding::Embedding(const EmbeddingOptions& o, Rng& rng) : Module("Embedding"), options(o) {
  NASH_CHECK(o.num_embeddings > 0 && o.embedding_dim > 0,
             "Embedding: num_embeddings and embedding_dim must be positive, got ",
             o.num_embeddings, " and ", o.embedding_dim);
  if (o.padding_idx) {
    NASH_CHECK(*o.padding_idx >= -o.num_embeddings && *o.padding_idx < o.num_embeddings,
               "Embedding: padding_idx must be within [", -o.num_embeddings, ", ",
               o.num_embeddings, "), got ", *o.padding_idx);
    if (*options.padding_idx < 0) *options.padding_idx += o.num_embeddings;
  }
  register_parameter("weight", weight, empty({o.num_embeddings, o.embedding_dim}));
  reset_parameters(rng);
}

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, Rng& rng)
    : Embedding(EmbeddingOptions{num_embeddings, embedding_dim, std::nullopt}, rng) {}

void Embedding::reset_parameters(Rng& rng) {
  init::normal_(weight, 0.0, 1.0, rng);
  if (options.padding_idx) {
    NoGradGuard no_grad;
    Tensor row = weight.mutable_value().select(0, *options.padding_idx);
    zero_(row);
  }
}

Variable Embedding::forward(const Tensor& indices) {
  NASH_CHECK(indices.defined() && indices.dtype() == DType::Int64, "Embedding(", extra_repr(),
             "): expected int64 indices, got ",
             indices.defined() ? dtype_name(indices.dtype()) : "an undefined tensor");
  // Read in place (a contiguous view or copy from the storage cache): no heap allocation per call.
  const Tensor flat = indices.contiguous();
  const std::span<const int64_t> idx(flat.data<int64_t>(), static_cast<size_t>(flat.numel()));
  for (int64_t i : idx)
    NASH_CHECK(i >= 0 && i < options.num_embeddings, "Embedding(", extra_repr(),
               "): index ", i, " is out of range [0, ", options.num_embeddings, ") in indices ",
               indices.shape());
  Variable y = embedding(weight, indices);  // [..., D]
  if (!options.padding_idx) return y;
  // Rows looked up at padding_idx keep their value but pass no gradient to weight.
  std::vector<double> keep(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) keep[i] = idx[i] != *options.padding_idx ? 1.0 : 0.0;
  Shape mask_shape = indices.shape();
  mask_shape.push_back(1);
  Tensor mask = from_vector(keep, mask_shape).to(y.dtype());  // [..., 1]
  return where(mask, y, y.detach());
}

Variable Embedding::forward(const Variable& indices) { return forward(indices.value()); }

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(options.num_embeddings) + ", " +
                  std::to_string(options.embedding_dim);
  if (options.padding_idx) s += ", padding_idx=" + std::to_string(*options.padding_idx);
  return s;
}

}  // namespace nash::nn
