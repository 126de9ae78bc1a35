// DataLoader: per-epoch seeded permutations, batches gathered with index_select.
#include "nn/data/loader.h"

#include <algorithm>

#include "tensor/ops.h"
#include "tensor/random.h"

namespace nash::nn {

DataLoader::DataLoader(Tensor x, Tensor labels, DataLoaderOptions options)
    : x_(std::move(x)), labels_(std::move(labels)), options_(options) {
  NASH_CHECK(x_.defined() && x_.dim() >= 1 && x_.size(0) > 0,
             "DataLoader: expected a non-empty data tensor [N, ...]");
  check();
}

DataLoader::DataLoader(ByteImages images, Tensor labels, DataLoaderOptions options)
    : labels_(std::move(labels)), options_(options), bytes_(std::move(images)) {
  NASH_CHECK(!bytes_.shape.empty() && bytes_.size() > 0,
             "DataLoader: expected non-empty images [N, ...], got ", bytes_.shape);
  NASH_CHECK(static_cast<int64_t>(bytes_.pixels.size()) == numel_of(bytes_.shape),
             "DataLoader: images ", bytes_.shape, " need ", numel_of(bytes_.shape),
             " bytes, got ", bytes_.pixels.size());
  check();
}

void DataLoader::check() {
  const Shape data_shape = bytes_.shape.empty() ? x_.shape() : bytes_.shape;
  NASH_CHECK(!labels_.defined() || (labels_.dim() == 1 && labels_.size(0) == size()),
             "DataLoader: labels ", labels_.defined() ? labels_.shape() : Shape{},
             " do not match data ", data_shape);
  NASH_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be >= 1, got ",
             options_.batch_size);
  NASH_CHECK(!options_.drop_last || options_.batch_size <= size(), "DataLoader: batch_size ",
             options_.batch_size, " exceeds the data set size ", size(), " with drop_last");
  make_order();
}

int64_t DataLoader::batches_per_epoch() const {
  int64_t n = size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::make_order() {
  if (!options_.shuffle) {
    order_ = arange(size(), DType::Int64);
    return;
  }
  // Epoch e's permutation comes from its own stream: seed mixed with e (splitmix64).
  uint64_t z = options_.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch_ + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  Rng rng(z ^ (z >> 31));
  // Rng::permutation's Fisher-Yates (the same draws, so the same order), written into the order
  // tensor in place: a new epoch in a training loop allocates nothing.
  const int64_t n = size();
  if (!order_.defined() || order_.numel() != n || order_.storage().use_count() != 1)
    order_ = empty({n}, DType::Int64);
  int64_t* p = order_.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto r = philox4x32(rng.seed(), rng.reserve(1));
    const uint64_t x = (static_cast<uint64_t>(r[1]) << 32) | r[0];
    std::swap(p[i], p[x % static_cast<uint64_t>(i + 1)]);
  }
}

Batch DataLoader::next() {
  if (position_ >= batches_per_epoch()) {
    ++epoch_;
    position_ = 0;
    make_order();
  }
  int64_t start = position_ * options_.batch_size;
  int64_t len = std::min(options_.batch_size, size() - start);
  ++position_;
  Tensor idx = narrow(order_, 0, start, len);
  Batch b;
  if (bytes_.shape.empty())
    b.x = index_select(x_, 0, idx);
  else
    b.x = bytes_.to_float(order_.data<int64_t>() + start, len);
  if (labels_.defined()) b.labels = index_select(labels_, 0, idx);
  return b;
}

void DataLoader::restore(int64_t epoch, int64_t position) {
  NASH_CHECK(epoch >= 0 && position >= 0 && position <= batches_per_epoch(),
             "DataLoader: cannot restore epoch ", epoch, " position ", position, " (",
             batches_per_epoch(), " batches per epoch)");
  epoch_ = epoch;
  position_ = position;
  make_order();
}

}  // namespace nash::nn
