// Data-parallel training. A step's global batch of B samples is split into N shards of B/N rows
// (shard k holds rows [k B/N, (k+1) B/N)). Each shard's loss is its batch mean times (B/N) / B, so
// the shards' gradients add up to the whole batch's. A process computes some of the shards (all N
// in the one-process twin, `nash train --shards N`; N/P each under `mpirun -np P`), and a
// ShardReducer adds every shard's vector — gradients, BatchNorm running statistics, the step's
// figures — in shard order 0, 1, ..., N-1. Every process, and the twin, thus holds the same bits.
//
//   auto shards = gan::local_shards(2);        // the twin; MPI: gan/mpi/mpi_shards.h
//   run.set_shards(shards);                    // before load() and step()
//
// What a shard does not share with the whole batch (details in docs/distributed.md):
//   BatchNorm  normalises by its shard's statistics (as PyTorch's DDP does); the running
//              statistics are averaged over the shards after every D and G step. With
//              RunConfig::sync_batchnorm it normalises by the whole batch's statistics instead,
//              summed over the shards inside the forward (nn::BatchNormSync); local shards then
//              take turns in lock step (gan/lockstep.h) to meet at each BatchNorm layer.
//   Dropout    shard 0 draws from the layer's stream, shard k > 0 from a stream keyed by k; with
//              sync_batchnorm every shard draws the whole batch's masks from the layer's stream
//              and keeps its rows (nn::ShardRows), so the shards train as the whole batch.
// Real data, noise, labels and WGAN-GP's epsilons are drawn for the global batch, so they do
// not depend on N.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "nn/layers/dropout.h"
#include "nn/module.h"

namespace nash::gan {

class ShardReducer {
 public:
  virtual ~ShardReducer() = default;
  int shards() const { return shards_; }                   // N
  const std::vector<int>& local() const { return local_; }  // this process's shards, ascending
  int process() const { return process_; }                  // 0 writes the run's files
  int processes() const { return processes_; }
  // parts[i] is shard local()[i]'s vector (all of one length): returns the sum over all N shards,
  // added in shard order ((s_0 + s_1) + s_2) + ... on every process.
  virtual std::vector<float> sum(const std::vector<std::vector<float>>& parts) = 0;
  // True on every process if `flag` is true on any (a stop they all agree on).
  virtual bool any(bool flag) = 0;
  // Wall time spent in sum() so far: the communication, and the wait for the slowest process.
  double sum_seconds() const { return sum_seconds_; }

  // Gradient buckets (GradientBuckets): with one local shard and bucket_bytes() > 0 the
  // gradients are summed bucket by bucket while backward runs. start_sum(part) begins the sum of
  // one bucket (without waiting, where the reducer can), finish_sum(ticket) waits for it and
  // returns what sum({part}) would, bit for bit; progress() lets started sums advance. Every
  // process starts its buckets in the same order. The defaults sum at once.
  virtual size_t bucket_bytes() const { return 0; }
  virtual int start_sum(std::vector<float> part);
  virtual std::vector<float> finish_sum(int ticket);
  virtual void progress() {}

 protected:
  int shards_ = 1, process_ = 0, processes_ = 1;
  double sum_seconds_ = 0;
  std::vector<int> local_;

 private:
  std::vector<std::vector<float>> finished_;  // the default start_sum's results, by ticket
};

// All N shards in this process: the twin of `mpirun -np N`.
std::shared_ptr<ShardReducer> local_shards(int n);

// A tensor's values as floats, and back into a tensor of a shape (the collectives' vectors).
std::vector<float> float_values(const Tensor& t);
Tensor from_float_values(const std::vector<float>& values, const Shape& shape);

// ((parts[0] + parts[1]) + parts[2]) + ..., elementwise, in float: the one summation order.
std::vector<float> sum_in_order(const std::vector<const float*>& parts, size_t length);

// A step's vector of one shard: the gradients of `params` (zeros where undefined), the float
// buffers, then the figures. unpack_shard_sum stores the sum back: gradients as summed, buffers
// divided by N (their average), figures as summed.
std::vector<float> pack_shard(const std::vector<Variable>& params, const std::vector<Tensor>& buffers,
                              const std::vector<double>& figures);
void unpack_shard_sum(const std::vector<float>& sum, int shards, const std::vector<Variable>& params,
                      const std::vector<Tensor>& buffers, std::vector<double>& figures);

// The float buffers (BatchNorm running statistics) and Dropout layers of some modules.
std::vector<Tensor> float_buffers(const std::vector<nn::Module*>& modules);
std::vector<nn::Dropout*> dropout_layers(const std::vector<nn::Module*>& modules);

// What a shard changes in the networks besides the weights: the buffers, the Dropout streams and
// the parameters' gradients. Captured when a D or G step begins for the local shards `shards`;
// every local shard starts from the captured buffers, its Dropout streams keyed for it (with
// whole_batch_masks: the layers' own streams, nn::ShardRows) and no gradients. enter(i) puts local shard i's state into the networks, leave(i) takes it out again
// (around each turn, when shards take turns in lock step). finish() leaves the last shard's
// buffers in the networks and gives the Dropout streams their own keys back, at the position the
// last shard reached; gradients stay empty until the shards' sum is stored.
class ShardState {
 public:
  ShardState(const std::vector<nn::Module*>& modules, const std::vector<int>& shards, bool whole_batch_masks);
  void enter(size_t i);
  void leave(size_t i);
  void finish();

 private:
  struct Slot {
    std::vector<Tensor> buffers;
    std::vector<uint64_t> dropout_offsets;
    std::vector<Variable> grads;
  };
  std::vector<Tensor> buffers_;
  std::vector<nn::Dropout*> dropouts_;
  std::vector<uint64_t> seeds_;
  std::vector<Variable> params_;
  std::vector<int> shards_;
  bool whole_batch_masks_;
  std::vector<Slot> slots_;
};

// One local shard's gradients summed over every shard bucket by bucket, while its backward runs.
// The parameters are split from the last to the first (backward finishes the last layers first)
// into buckets of about `bytes`; a bucket's sum starts (ShardReducer::start_sum) once every one
// of its gradients is final — ready(), from an autograd LeafGradListener — in bucket order, so
// every process starts the same sums in the same order. Each value is summed over the shards in
// shard order as sum() would, so the result is bitwise the same as without buckets.
class GradientBuckets {
 public:
  GradientBuckets(ShardReducer& reducer, std::vector<Variable> params, size_t bytes);
  void ready(const Variable& leaf);  // leaf's gradient is final (others are ignored)
  void flush();                      // backward ended: start the rest (missing gradients = 0)
  void finish();                     // wait for every bucket; each .grad becomes its sum
  size_t buckets() const { return ranges_.size(); }

 private:
  void start_ready();
  std::vector<float> pack(size_t bucket) const;
  ShardReducer& reducer_;
  std::vector<Variable> params_;
  std::vector<std::pair<size_t, size_t>> ranges_;  // bucket b: params [first, second)
  std::unordered_map<const VariableImpl*, size_t> bucket_of_;  // a parameter's bucket
  std::vector<size_t> waiting_;                                // per bucket: gradients not final
  std::vector<int> tickets_;
  size_t started_ = 0;
};

}  // namespace nash::gan
