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

int ShardReducer::start_sum(std::vector<float> part) {
  std::vector<std::vector<float>> parts;
  parts.push_back(std::move(part));
  finished_.push_back(sum(parts));
  return static_cast<int>(finished_.size()) - 1;
}

std::vector<float> ShardReducer::finish_sum(int ticket) {
  NASH_CHECK(ticket >= 0 && static_cast<size_t>(ticket) < finished_.size(), "shards: no sum ", ticket);
  std::vector<float> out = std::move(finished_[static_cast<size_t>(ticket)]);
  if (static_cast<size_t>(ticket) + 1 == finished_.size()) finished_.clear();
  return out;
}

std::vector<float> float_values(const Tensor& t) {
  NASH_CHECK(t.dtype() == DType::Float32, "shards: expected float values, got ", dtype_name(t.dtype()));
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data<float>(), c.data<float>() + c.numel());
}

Tensor from_float_values(const std::vector<float>& values, const Shape& shape) {
  Tensor t = empty(shape);
  NASH_CHECK(static_cast<size_t>(t.numel()) == values.size(), "shards: ", values.size(),
             " values for shape ", shape);
  std::memcpy(t.data<float>(), values.data(), values.size() * sizeof(float));
  return t;
}

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

ShardState::ShardState(const std::vector<nn::Module*>& modules, const std::vector<int>& shards,
                       bool whole_batch_masks)
    : dropouts_(dropout_layers(modules)), shards_(shards), whole_batch_masks_(whole_batch_masks) {
  Slot start;
  for (nn::Module* m : modules) {  // every buffer, num_batches_tracked included
    for (auto& [name, b] : m->named_buffers()) {
      buffers_.push_back(b);
      start.buffers.push_back(b.clone());
    }
    for (const auto& p : m->parameters()) params_.push_back(p);
  }
  start.grads.resize(params_.size());
  for (nn::Dropout* d : dropouts_) {
    seeds_.push_back(d->rng.seed());
    start.dropout_offsets.push_back(d->rng.offset());
  }
  for (size_t i = 0; i < shards_.size(); ++i) {
    slots_.push_back(start);
    if (i > 0)
      for (auto& b : slots_.back().buffers) b = b.clone();
  }
}

void ShardState::enter(size_t i) {
  const Slot& s = slots_.at(i);
  for (size_t j = 0; j < buffers_.size(); ++j) copy_(buffers_[j], s.buffers[j]);
  for (size_t j = 0; j < dropouts_.size(); ++j)
    dropouts_[j]->rng.set_state(whole_batch_masks_ ? seeds_[j] : shard_key(seeds_[j], shards_[i]),
                                s.dropout_offsets[j]);
  for (size_t j = 0; j < params_.size(); ++j) {
    if (s.grads[j].defined()) params_[j].set_grad(s.grads[j]);
    else params_[j].zero_grad();
  }
}

void ShardState::leave(size_t i) {
  Slot& s = slots_.at(i);
  for (size_t j = 0; j < buffers_.size(); ++j) copy_(s.buffers[j], buffers_[j]);
  for (size_t j = 0; j < dropouts_.size(); ++j) s.dropout_offsets[j] = dropouts_[j]->rng.offset();
  for (size_t j = 0; j < params_.size(); ++j) {
    s.grads[j] = params_[j].grad();
    params_[j].zero_grad();
  }
}

void ShardState::finish() {
  const Slot& s = slots_.back();
  for (size_t j = 0; j < buffers_.size(); ++j) copy_(buffers_[j], s.buffers[j]);
  for (size_t j = 0; j < dropouts_.size(); ++j) dropouts_[j]->rng.set_state(seeds_[j], s.dropout_offsets[j]);
  for (auto& p : params_) p.zero_grad();
}

GradientBuckets::GradientBuckets(ShardReducer& reducer, std::vector<Variable> params, size_t bytes)
    : reducer_(reducer), params_(std::move(params)) {
  size_t end = params_.size(), size = 0;
  for (size_t j = params_.size(); j-- > 0;) {  // from the last parameter to the first
    size += static_cast<size_t>(params_[j].numel()) * sizeof(float);
    if (size >= bytes || j == 0) {
      ranges_.push_back({j, end});
      end = j;
      size = 0;
    }
  }
  waiting_.resize(ranges_.size());
  for (size_t b = 0; b < ranges_.size(); ++b) {
    for (size_t j = ranges_[b].first; j < ranges_[b].second; ++j) bucket_of_[params_[j].impl().get()] = b;
    waiting_[b] = ranges_[b].second - ranges_[b].first;
  }
}

std::vector<float> GradientBuckets::pack(size_t b) const {
  std::vector<Variable> ps(params_.begin() + static_cast<std::ptrdiff_t>(ranges_[b].first),
                           params_.begin() + static_cast<std::ptrdiff_t>(ranges_[b].second));
  return pack_shard(ps, {}, {});
}

void GradientBuckets::start_ready() {
  while (started_ < ranges_.size() && waiting_[started_] == 0) {
    tickets_.push_back(reducer_.start_sum(pack(started_)));
    ++started_;
  }
}

void GradientBuckets::ready(const Variable& leaf) {
  auto it = bucket_of_.find(leaf.impl().get());
  if (it != bucket_of_.end() && waiting_[it->second] > 0) {
    --waiting_[it->second];
    start_ready();
  }
  reducer_.progress();
}

void GradientBuckets::flush() {
  std::fill(waiting_.begin(), waiting_.end(), 0);
  start_ready();
}

void GradientBuckets::finish() {
  NASH_CHECK(started_ == ranges_.size(), "GradientBuckets: finish() before flush()");
  for (size_t b = 0; b < ranges_.size(); ++b) {
    std::vector<Variable> ps(params_.begin() + static_cast<std::ptrdiff_t>(ranges_[b].first),
                             params_.begin() + static_cast<std::ptrdiff_t>(ranges_[b].second));
    std::vector<double> none;
    unpack_shard_sum(reducer_.finish_sum(tickets_[b]), reducer_.shards(), ps, {}, none);
  }
}

}  // namespace nash::gan
