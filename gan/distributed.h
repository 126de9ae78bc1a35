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
//              statistics are averaged over the shards after every D and G step.
//   Dropout    shard 0 draws from the layer's stream, shard k > 0 from a stream keyed by k.
// Real data, noise, labels and WGAN-GP's epsilons are drawn for the global batch, so they do
// not depend on N.
#pragma once
#include <cstdint>
#include <memory>
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

 protected:
  int shards_ = 1, process_ = 0, processes_ = 1;
  double sum_seconds_ = 0;
  std::vector<int> local_;
};

// All N shards in this process: the twin of `mpirun -np N`.
std::shared_ptr<ShardReducer> local_shards(int n);

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

// What a shard's forward changes besides gradients: the buffers and the Dropout streams.
// Captured when a D or G step begins; enter(k) puts back the captured buffers (each local shard
// starts from the same state) and keys the Dropout streams for shard k; leave() gives them their
// own keys back, at the position the shards reached.
class ShardState {
 public:
  explicit ShardState(const std::vector<nn::Module*>& modules);
  void enter(int shard);
  void leave();

 private:
  std::vector<Tensor> buffers_, saved_;
  std::vector<nn::Dropout*> dropouts_;
  std::vector<uint64_t> seeds_, offsets_;
};

}  // namespace nash::gan
