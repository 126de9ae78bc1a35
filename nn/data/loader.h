// DataLoader: seeded minibatches over an in-memory data set (images [N, ...], labels [N]).
// Epoch e visits the samples in the order of a permutation drawn from Rng(seed) advanced
// to epoch e, so any (epoch, position) can be restored exactly (resuming a run).
//
//   auto train = load_mnist("/usr/share/datasets/fashion-mnist", true);
//   DataLoader loader(train.images, train.labels, {.batch_size = 64, .seed = 1});
//   for (int64_t i = 0; i < loader.batches_per_epoch(); ++i) { Batch b = loader.next(); ... }
// Images can also be held as bytes (ByteImages, a quarter of the memory) and converted to
// float32 per batch; the batches are bit for bit those of the converted data set:
//   MnistBytes bytes = load_mnist_bytes("/usr/share/datasets/fashion-mnist", true);
//   DataLoader loader(std::move(bytes.images), bytes.labels, {.batch_size = 64, .seed = 1});
#pragma once
#include <cstdint>
#include <vector>

#include "nn/data/idx.h"
#include "tensor/tensor.h"

namespace nash::nn {

struct Batch {
  Tensor x;       // [B, ...]
  Tensor labels;  // [B] int64 (undefined when the data set has none)
};

struct DataLoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  uint64_t seed = 0;
  bool drop_last = false;  // drop the last, smaller batch of an epoch
};

class DataLoader {
 public:
  DataLoader(Tensor x, Tensor labels, DataLoaderOptions options = {});
  // Samples kept as bytes, each batch converted to float32 [B, ...] as images.range says.
  DataLoader(ByteImages images, Tensor labels, DataLoaderOptions options = {});

  int64_t size() const { return bytes_.shape.empty() ? x_.size(0) : bytes_.size(); }
  int64_t batches_per_epoch() const;
  // The next batch; a new epoch (with a new order) starts when one is used up.
  Batch next();
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }  // batches already taken in this epoch
  // Continue exactly where a run stopped.
  void restore(int64_t epoch, int64_t position);
  const DataLoaderOptions& options() const { return options_; }

 private:
  void check();
  void make_order();
  Tensor x_, labels_;
  ByteImages bytes_;  // used instead of x_ when its shape is set
  DataLoaderOptions options_;
  int64_t epoch_ = 0, position_ = 0;
  Tensor order_;  // int64 [N]
};

}  // namespace nash::nn
