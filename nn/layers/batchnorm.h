// BatchNorm1d and BatchNorm2d with PyTorch's semantics and defaults (eps 1e-5, momentum 0.1,
// affine, track_running_stats). Training with affine parameters runs the fused batch_norm op
// (autograd/ops/batch_norm.h); the other modes are composed of autograd ops. Either way first
// and second derivatives flow through the batch statistics.
//
// Per channel c, over the batch (and the spatial positions):
//   training:  y = (x - mean_B) / sqrt(var_B + eps) * weight + bias    (var_B biased, / n)
//              running_mean = (1 - m) running_mean + m mean_B
//              running_var  = (1 - m) running_var  + m var_B * n / (n - 1)  (unbiased)
//              num_batches_tracked += 1
//   eval:      y = (x - running_mean) / sqrt(running_var + eps) * weight + bias
// m = momentum, or 1 / num_batches_tracked (a cumulative average) when momentum is nullopt.
// Without track_running_stats there are no buffers and batch statistics are used in eval too.
//
// Shapes: BatchNorm1d x [N, C] or [N, C, L]; BatchNorm2d x [N, C, H, W]; y like x.
//
// Synchronised (data-parallel training over S shards, gan/distributed.h): while a
// BatchNormSync is alive on a thread, training-mode BatchNorm there takes mean_B and var_B over
// the rows of all S shards: mean_B = all_reduce_sum(sum x) / (S n), var_B = all_reduce_sum(
// sum (x - mean_B)^2) / (S n), and the running statistics follow those (unbiased by S n). The
// backward reduces the two gradient sums the same way (autograd/collective.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autograd/collective.h"
#include "nn/module.h"

namespace nash::nn {

struct BatchNormOptions {
  int64_t num_features = 0;             // C
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;  // nullopt: cumulative moving average
  bool affine = true;                    // learnable weight (ones) and bias (zeros)
  bool track_running_stats = true;
};

// The shared implementation; use BatchNorm1d or BatchNorm2d.
class BatchNorm : public Module {
 public:
  Variable weight;                  // [C]; undefined without affine
  Variable bias;                    // [C]; undefined without affine
  Tensor running_mean;              // [C] zeros; undefined without track_running_stats
  Tensor running_var;               // [C] ones
  Tensor num_batches_tracked;       // [] int64
  BatchNormOptions options;

  void reset_running_stats();
  void reset_parameters();  // running stats, then weight = 1, bias = 0
  Variable forward(const Variable& x) override;
  // "64, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true"
  std::string extra_repr() const override;

 protected:
  // input_dims: the accepted ranks (2 and 3 for BatchNorm1d, 4 for BatchNorm2d).
  BatchNorm(const char* type_name, const BatchNormOptions& options, std::vector<int64_t> input_dims,
            const char* expected);

 private:
  std::vector<int64_t> input_dims_;
  const char* expected_;  // "[N, C] or [N, C, L]", for the error message
};

// Makes the BatchNorm layers of this thread synchronised over `shards` shards whose per-channel
// sums `sum` adds up (every shard calls it at the same layers, in the same order). Nests.
class BatchNormSync {
 public:
  BatchNormSync(int shards, CollectiveSum sum);
  ~BatchNormSync();
  BatchNormSync(const BatchNormSync&) = delete;
  BatchNormSync& operator=(const BatchNormSync&) = delete;
  // The innermost on this thread, or nullptr.
  static const BatchNormSync* current();
  int shards() const { return shards_; }
  const CollectiveSum& sum() const { return sum_; }

 private:
  int shards_;
  CollectiveSum sum_;
  const BatchNormSync* prev_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options);
  explicit BatchNorm1d(int64_t num_features);
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options);
  explicit BatchNorm2d(int64_t num_features);
};

}  // namespace nash::nn
