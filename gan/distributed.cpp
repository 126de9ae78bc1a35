// Shards of a training step (see distributed.h): the one-process reducer, the one summation
// order, a shard's vector, and the state each local shard starts from.
#include "gan/distributed.h"

#include <chrono>
#include <cstring>

#include "tensor/ops.h"

namespace nash::gan {

namespace {
class LocalShards : public ShardReducer {
 public:
  explicit LocalShards(int n) {
    NASH_CHECK(n >= 1 && n <= 4096, "shards: expected 1 to 4096 shards, got ", n);
    shards_ = n;
    for (int k = 0; k < n; ++k) local_.push_back(k);
  }
  std::vector<float> sum(const std::vector<std::vector<float>>& parts) override {
    NASH_CHECK(static_cast<int>(parts.size()) == shards_, "shards: ", parts.size(), " parts for ",
               shards_, " shards");
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<const float*> p;
    for (const auto& part : parts) {
      NASH_CHECK(part.size() == parts[0].size(), "shards: parts of ", parts[0].size(), " and ",
                 part.size(), " values");
      p.push_back(part.data());
    }
    std::vector<float> total = sum_in_order(p, parts[0].size());
    sum_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return total;
  }
  bool any(bool flag) override { return flag; }
};

// Shard 0 keeps a Dropout layer's key; shard k > 0 draws from SplitMix64(key + k).
uint64_t shard_key(uint64_t key, int shard) {
  if (shard == 0) return key;
  uint64_t z = key + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(shard);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void collect_dropouts(nn::Module& m, std::vector<nn::Dropout*>& out) {
  if (auto* d = dynamic_cast<nn::Dropout*>(&m)) out.push_back(d);
  for (auto& [name, child] : m.named_children()) collect_dropouts(*child, out);
}
}  // namespace

std::shared_ptr<ShardReducer> local_shards(int n) { return std::make_shared<LocalShards>(n); }

std::vector<float> sum_in_order(const std::vector<const float*>& parts, size_t length) {
  NASH_CHECK(!parts.empty(), "sum_in_order: no parts");
  std::vector<float> total(parts[0], parts[0] + length);
  for (size_t k = 1; k < parts.size(); ++k) {
    const float* p = parts[k];
    for (size_t i = 0; i < length; ++i) total[i] += p[i];
  }
  return total;
}

std::vector<float> pack_shard(const std::vector<Variable>& params, const std::vector<Tensor>& buffers,
                              const std::vector<double>& figures) {
  std::vector<float> out;
  for (const auto& p : params) {
    if (!p.grad().defined()) {
      out.insert(out.end(), static_cast<size_t>(p.numel()), 0.f);
      continue;
    }
    const Tensor g = p.grad().value().contiguous();
    out.insert(out.end(), g.data<float>(), g.data<float>() + g.numel());
  }
  for (const auto& b : buffers) {
    const Tensor c = b.contiguous();
    out.insert(out.end(), c.data<float>(), c.data<float>() + c.numel());
  }
  for (double f : figures) out.push_back(static_cast<float>(f));
  return out;
}

void unpack_shard_sum(const std::vector<float>& sum, int shards, const std::vector<Variable>& params,
                      const std::vector<Tensor>& buffers, std::vector<double>& figures) {
  size_t at = 0, expected = figures.size();
  for (const auto& p : params) expected += static_cast<size_t>(p.numel());
  for (const auto& b : buffers) expected += static_cast<size_t>(b.numel());
  NASH_CHECK(sum.size() == expected, "shards: a summed vector of ", sum.size(), " values for ",
             expected, " gradients, buffer values and figures");
  for (auto p : params) {  // a copy shares the parameter's node: set_grad reaches the parameter
    Tensor g = empty(p.shape());
    std::memcpy(g.data<float>(), sum.data() + at, static_cast<size_t>(g.numel()) * sizeof(float));
    at += static_cast<size_t>(g.numel());
    p.set_grad(Variable(g));
  }
  const float inv = 1.f / static_cast<float>(shards);
  for (auto b : buffers) {  // the buffers' average, written into their storage
    float* d = b.data<float>();
    for (int64_t i = 0; i < b.numel(); ++i) d[i] = shards == 1 ? sum[at + i] : sum[at + i] * inv;
    b.storage()->bump_version();
    at += static_cast<size_t>(b.numel());
  }
  for (double& f : figures) f = sum[at++];
}

std::vector<Tensor> float_buffers(const std::vector<nn::Module*>& modules) {
  std::vector<Tensor> out;
  for (nn::Module* m : modules)
    for (auto& [name, b] : m->named_buffers()) {
      if (b.dtype() != DType::Float32) continue;  // num_batches_tracked: the same on every shard
      NASH_CHECK(b.is_contiguous(), "shards: buffer ", name, " is not contiguous");
      out.push_back(b);
    }
  return out;
}

std::vector<nn::Dropout*> dropout_layers(const std::vector<nn::Module*>& modules) {
  std::vector<nn::Dropout*> out;
  for (nn::Module* m : modules) collect_dropouts(*m, out);
  return out;
}

ShardState::ShardState(const std::vector<nn::Module*>& modules) : dropouts_(dropout_layers(modules)) {
  for (nn::Module* m : modules)  // every buffer, num_batches_tracked included
    for (auto& [name, b] : m->named_buffers()) {
      buffers_.push_back(b);
      saved_.push_back(b.clone());
    }
  for (nn::Dropout* d : dropouts_) {
    seeds_.push_back(d->rng.seed());
    offsets_.push_back(d->rng.offset());
  }
}

void ShardState::enter(int shard) {
  for (size_t i = 0; i < buffers_.size(); ++i) copy_(buffers_[i], saved_[i]);
  for (size_t i = 0; i < dropouts_.size(); ++i) dropouts_[i]->rng.set_state(shard_key(seeds_[i], shard), offsets_[i]);
}

void ShardState::leave() {
  for (size_t i = 0; i < dropouts_.size(); ++i) dropouts_[i]->rng.set_state(seeds_[i], dropouts_[i]->rng.offset());
}

}  // namespace nash::gan
