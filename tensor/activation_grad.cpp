// LeakyReLU's backward pass as one elementwise kernel (see tensor/activation_grad.h).
#include "tensor/activation_grad.h"

#include <algorithm>

#include "tensor/creation.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/map.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/parallel.h"

namespace nash {

Tensor leaky_relu_backward(const Tensor& x_in, const Tensor& dy_in, double slope) {
  const char* op = "leaky_relu_backward";
  NASH_CHECK(x_in.defined() && dy_in.defined(), op, ": undefined tensor");
  NASH_CHECK(x_in.shape() == dy_in.shape() && x_in.dtype() == dy_in.dtype(), op,
             ": expected x and dy of one shape and dtype, got x ", x_in.shape(), " ",
             dtype_name(x_in.dtype()), " and dy ", dy_in.shape(), " ", dtype_name(dy_in.dtype()));
  NASH_CHECK(x_in.dtype() == DType::Float32 || x_in.dtype() == DType::Float64, op,
             ": expected float32 or float64, got ", dtype_name(x_in.dtype()));
  const Tensor x = x_in.contiguous(), dy = dy_in.contiguous();
  Tensor dx = empty(x.shape(), x.dtype());
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* gp = dy.data<T>();
    T* out = dx.data<T>();
    const auto f = [slope](auto v, auto g) {
      using V = decltype(v);
      return kernels::ifelse(v > V(0), g, g * V(slope));
    };
    constexpr int64_t kBlock = int64_t{1} << 14;  // elements per task
    const int64_t n = x.numel(), blocks = (n + kBlock - 1) / kBlock;
    const int nt = get_num_threads();
    kernels::parallel_for(blocks, nt > 1 && n >= 2 * kBlock, nt, [&](int64_t b) {
      const int64_t i0 = b * kBlock, len = std::min(kBlock, n - i0);
      kernels::zip(xp + i0, gp + i0, out + i0, len, f);
    });
  });
  return dx;
}

}  // namespace nash
