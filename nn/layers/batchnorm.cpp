// BatchNorm: batch statistics as Variable ops (differentiable, twice), running statistics
// updated in place under no-grad so state_dict() views see them.
#include "nn/layers/batchnorm.h"

#include <algorithm>

#include "autograd/ops/batch_norm.h"
#include "nn/layers/common.h"
#include "tensor/ops.h"

namespace nash::nn {

namespace {
thread_local const BatchNormSync* t_sync = nullptr;
}  // namespace

BatchNormSync::BatchNormSync(int shards, CollectiveSum sum)
    : shards_(shards), sum_(std::move(sum)), prev_(t_sync) {
  NASH_CHECK(shards >= 1 && sum_ != nullptr, "BatchNormSync: expected a collective sum and >= 1 shards, got ",
             shards);
  t_sync = this;
}
BatchNormSync::~BatchNormSync() { t_sync = prev_; }
const BatchNormSync* BatchNormSync::current() { return t_sync; }

BatchNorm::BatchNorm(const char* type_name, const BatchNormOptions& o,
                     std::vector<int64_t> input_dims, const char* expected)
    : Module(type_name), options(o), input_dims_(std::move(input_dims)), expected_(expected) {
  NASH_CHECK(o.num_features > 0, type_name, ": num_features must be positive, got ",
             o.num_features);
  NASH_CHECK(o.eps > 0.0, type_name, ": eps must be positive, got ", o.eps);
  NASH_CHECK(!o.momentum || (*o.momentum >= 0.0 && *o.momentum <= 1.0), type_name,
             ": momentum must be in [0, 1], got ", *o.momentum);
  if (o.affine) {
    register_parameter("weight", weight, ones({o.num_features}));
    register_parameter("bias", bias, zeros({o.num_features}));
  }
  if (o.track_running_stats) {
    register_buffer("running_mean", running_mean, zeros({o.num_features}));
    register_buffer("running_var", running_var, ones({o.num_features}));
    register_buffer("num_batches_tracked", num_batches_tracked, zeros({}, DType::Int64));
  }
}

void BatchNorm::reset_running_stats() {
  if (!options.track_running_stats) return;
  zero_(running_mean);
  fill_(running_var, 1.0);
  zero_(num_batches_tracked);
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  NoGradGuard no_grad;
  fill_(weight.mutable_value(), 1.0);
  zero_(bias.mutable_value());
}

Variable BatchNorm::forward(const Variable& x) {
  const int64_t c = options.num_features;
  NASH_CHECK(std::find(input_dims_.begin(), input_dims_.end(), x.dim()) != input_dims_.end() &&
                 x.size(1) == c,
             type_name(), "(", extra_repr(), "): expected input ", expected_, " with C = ", c,
             ", got ", x.shape());
  // Reduce over every dim but the channels; parameters broadcast as [1, C, 1, ...].
  Shape dims{0};
  Shape param_shape(static_cast<size_t>(x.dim()), 1);
  param_shape[1] = c;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t n = x.numel() / c;  // values per channel

  Variable centred, inv_std;  // x - mean [like x];  1 / sqrt(var + eps) [1, C, 1, ...]
  if (is_training() || !options.track_running_stats) {
    NASH_CHECK(!is_training() || n > 1, type_name(), "(", extra_repr(),
               "): expected more than 1 value per channel when training, got input ", x.shape());
    // Synchronised: the statistics of every shard's rows (two collectives, as two passes).
    const BatchNormSync* sync = is_training() ? BatchNormSync::current() : nullptr;
    const int64_t count = sync ? n * sync->shards() : n;  // values per channel in the batch
    // Running statistics: (1 - m) running + m batch (the variance unbiased over count values).
    auto track = [&](const Tensor& batch_mean, const Tensor& batch_var) {
      if (!is_training() || !options.track_running_stats) return;
      NoGradGuard no_grad;
      fill_(num_batches_tracked, num_batches_tracked.item() + 1.0);
      const double m = options.momentum ? *options.momentum : 1.0 / num_batches_tracked.item();
      const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      mul_(running_mean, 1.0 - m);
      axpy_(running_mean, m, nash::reshape(batch_mean, {c}));
      mul_(running_var, 1.0 - m);
      axpy_(running_var, m * unbias, nash::reshape(batch_var, {c}));
    };
    if (options.affine && !sync) {  // the fused op: statistics, normalisation and derivatives in one
      BatchNormOutput out = batch_norm(x, weight, bias, options.eps);
      track(out.mean, out.var);
      return out.y;
    }
    Variable batch_mean, batch_var;
    if (sync) {
      batch_mean = all_reduce_sum(sum(x, dims, /*keepdim=*/true), sync->sum()) / static_cast<double>(count);
      centred = x - batch_mean;
      batch_var = all_reduce_sum(sum(centred * centred, dims, /*keepdim=*/true), sync->sum()) /
                  static_cast<double>(count);
    } else {
      batch_mean = mean(x, dims, /*keepdim=*/true);
      centred = x - batch_mean;
      batch_var = mean(centred * centred, dims, /*keepdim=*/true);  // biased
    }
    track(batch_mean.value(), batch_var.value());
    inv_std = rdiv(sqrt(batch_var + options.eps), 1.0);
  } else {
    centred = x - Variable(nash::reshape(running_mean, param_shape));
    Tensor s = nash::sqrt(nash::add(running_var, options.eps));
    inv_std = Variable(nash::reshape(nash::div(ones_like(s), s), param_shape));
  }
  if (!options.affine) return centred * inv_std;
  // Scale the small [1, C, 1, ...] factor first: one multiply over x instead of two.
  return centred * (inv_std * reshape(weight, param_shape)) + reshape(bias, param_shape);
}

std::string BatchNorm::extra_repr() const {
  const auto& o = options;
  return std::to_string(o.num_features) + ", eps=" + repr::real(o.eps) +
         ", momentum=" + (o.momentum ? repr::real(*o.momentum) : std::string("none")) +
         ", affine=" + repr::boolean(o.affine) +
         ", track_running_stats=" + repr::boolean(o.track_running_stats);
}

BatchNorm1d::BatchNorm1d(const BatchNormOptions& o)
    : BatchNorm("BatchNorm1d", o, {2, 3}, "[N, C] or [N, C, L]") {}
BatchNorm1d::BatchNorm1d(int64_t num_features)
    : BatchNorm1d(BatchNormOptions{.num_features = num_features}) {}

BatchNorm2d::BatchNorm2d(const BatchNormOptions& o)
    : BatchNorm("BatchNorm2d", o, {4}, "[N, C, H, W]") {}
BatchNorm2d::BatchNorm2d(int64_t num_features)
    : BatchNorm2d(BatchNormOptions{.num_features = num_features}) {}

}  // namespace nash::nn
