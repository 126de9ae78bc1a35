// batch_norm as one Variable op: forward and first derivatives on the fused kernels of
// tensor/batch_norm.h; under create_graph the same derivatives composed of differentiable ops
// (the kernels' values are constants to the graph, the composed form is not).
#include "autograd/ops/batch_norm.h"

#include <cmath>
#include <memory>
#include <vector>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/batch_norm.h"
#include "tensor/creation.h"
#include "tensor/ops.h"

namespace nash {
namespace {

std::vector<int64_t> reduced_dims(int64_t dim) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < dim; ++d) dims.push_back(d);
  return dims;
}

Shape channel_shape(int64_t dim, int64_t c) {  // [1, C, 1, ...]
  Shape s(static_cast<size_t>(dim), 1);
  s[1] = c;
  return s;
}

// What the derivatives share: the statistics and, per backward pass, the two sums of dy.
struct Saved {
  Tensor x, weight, mean, inv_std;  // inv_std [C] in x's dtype
  double eps;
  int64_t m;
  Tensor sums_for;  // the dy the cached sums belong to, at storage version sums_version
  uint64_t sums_version = 0;
  ChannelGradSums sums;
  // The three derivatives of one backward pass get the same dy: its sums are computed once.
  const ChannelGradSums& sums_of(const Tensor& dy) {
    if (!sums_for.defined() || !same_tensor(sums_for, dy) ||
        sums_version != dy.storage()->version()) {
      sums = batch_norm_backward_sums(dy, x, mean);
      sums_for = dy;
      sums_version = dy.storage()->version();
    }
    return sums;
  }
  static bool same_tensor(const Tensor& a, const Tensor& b) {
    return a.storage() == b.storage() && a.offset() == b.offset() && a.shape() == b.shape() &&
           a.strides() == b.strides();
  }
};

// The composed first derivatives (create_graph): xhat from x through differentiable ops.
struct Composed {
  Variable xhat, scale;  // scale = weight * inv_std as [1, C, 1, ...]
  std::vector<int64_t> dims;
};
Composed compose(const Variable& x, const Variable& weight, double eps) {
  Composed c;
  c.dims = reduced_dims(x.dim());
  const Variable centred = x - mean(x, c.dims, /*keepdim=*/true);
  const Variable inv_std = rdiv(sqrt(mean(centred * centred, c.dims, true) + eps), 1.0);
  c.xhat = centred * inv_std;
  c.scale = inv_std * reshape(weight, channel_shape(x.dim(), x.size(1)));
  return c;
}

}  // namespace

BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                           double eps) {
  NASH_CHECK(x.dim() >= 2, "batch_norm: expected x [N, C, ...], got ", x.shape());
  NASH_CHECK(weight.defined() && bias.defined() && weight.shape() == Shape{x.size(1)} &&
                 bias.shape() == Shape{x.size(1)},
             "batch_norm: expected weight and bias [", x.size(1), "] for x ", x.shape());
  NASH_CHECK(eps > 0, "batch_norm: eps must be positive, got ", eps);
  const ChannelStats st = batch_norm_stats(x.value());
  auto saved = std::allocate_shared<Saved>(PoolAllocator<Saved>());  // pooled: no heap in a step
  saved->x = x.value();
  saved->weight = weight.value();
  saved->mean = st.mean;
  saved->inv_std = nash::div(ones_like(st.var), nash::sqrt(nash::add(st.var, eps)));
  saved->eps = eps;
  saved->m = x.numel() / std::max<int64_t>(x.size(1), 1);
  const Tensor scale = nash::mul(weight.value(), saved->inv_std);
  const Tensor shift = nash::sub(bias.value(), nash::mul(st.mean, scale));
  Tensor y = batch_norm_normalize(x.value(), scale, shift);

  // dx = w inv (dy - sum dy / m - xc inv^2 sum(dy xc) / m)
  //    = a dy + b xc + d with a = w inv, b = -w inv^3 sum(dy xc) / m, d = -w inv sum(dy) / m
  auto dx = [saved, x, weight](const Variable& dy) {
    if (grad_enabled()) {
      const Composed c = compose(x, weight, saved->eps);
      return c.scale * (dy - mean(dy, c.dims, true) - c.xhat * mean(dy * c.xhat, c.dims, true));
    }
    const ChannelGradSums& s = saved->sums_of(dy.value());
    const double inv_m = 1.0 / static_cast<double>(saved->m);
    const Tensor a = nash::mul(saved->weight, saved->inv_std);
    const Tensor inv2 = nash::mul(saved->inv_std, saved->inv_std);
    const Tensor b = nash::mul(nash::mul(nash::mul(a, inv2), s.dy_xc), -inv_m);
    const Tensor d = nash::mul(nash::mul(a, s.dy), -inv_m);
    return Variable(batch_norm_input_grad(dy.value(), saved->x, saved->mean, a, b, d));
  };
  // dw = sum dy xhat = inv sum(dy xc)
  auto dw = [saved, x, weight](const Variable& dy) {
    if (grad_enabled()) {
      const Composed c = compose(x, weight, saved->eps);
      return sum(dy * c.xhat, c.dims);
    }
    return Variable(nash::mul(saved->sums_of(dy.value()).dy_xc, saved->inv_std));
  };
  // db = sum dy
  auto db = [saved](const Variable& dy) {
    if (grad_enabled()) return sum(dy, reduced_dims(dy.dim()));
    return Variable(saved->sums_of(dy.value()).dy);
  };
  return {make_op("batch_norm", std::move(y), {x, weight, bias}, {dx, dw, db}), st.mean, st.var};
}

}  // namespace nash
