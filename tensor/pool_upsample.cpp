// Nearest-neighbour upsampling by an integer factor and its backward (the sum over each s x s
// block). One (n, c) plane per task; each block is summed in the fixed order (row, column).
#include <algorithm>
#include <cstring>

#include "tensor/creation.h"
#include "tensor/parallel.h"
#include "tensor/pool.h"

namespace nash {
namespace {

constexpr int64_t kParallelMin = 1 << 14;  // elements below which loops stay serial

void check_input(const Tensor& t, int64_t scale, const char* op, const char* name) {
  NASH_CHECK(t.defined(), op, ": ", name, " is undefined");
  NASH_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op,
             ": expected a float32 or float64 ", name, ", got ", dtype_name(t.dtype()));
  NASH_CHECK(t.dim() == 4, op, ": expected ", name, " with 4 dims [N, C, H, W], got ", t.shape());
  NASH_CHECK(scale >= 1, op, ": scale must be >= 1, got ", scale);
}

// y [planes, H*s, W*s] from x [planes, H, W]: build each output row once, copy it s-1 times.
template <class T>
void upsample_planes(const T* x, int64_t planes, int64_t H, int64_t W, int64_t s, T* y) {
  const int64_t OW = W * s;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && planes * H * W * s * s >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t h = 0; h < H; ++h) {
      const T* src = x + (pl * H + h) * W;
      T* row = y + (pl * H + h) * s * OW;
      for (int64_t w = 0; w < W; ++w) std::fill(row + w * s, row + (w + 1) * s, src[w]);
      for (int64_t r = 1; r < s; ++r) std::memcpy(row + r * OW, row, sizeof(T) * OW);
    }
}

// dx [planes, H, W] = block sums of dy [planes, H*s, W*s].
template <class T>
void upsample_backward_planes(const T* dy, int64_t planes, int64_t H, int64_t W, int64_t s, T* dx) {
  const int64_t OW = W * s;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && planes * H * W * s * s >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t h = 0; h < H; ++h) {
      T* d = dx + (pl * H + h) * W;
      const T* block = dy + (pl * H + h) * s * OW;
      for (int64_t w = 0; w < W; ++w) {
        T acc = 0;
        for (int64_t r = 0; r < s; ++r)
          for (int64_t c = 0; c < s; ++c) acc += block[r * OW + w * s + c];
        d[w] = acc;
      }
    }
}

}  // namespace

Tensor upsample_nearest2d(const Tensor& x_in, int64_t scale) {
  const char* op = "upsample_nearest2d";
  check_input(x_in, scale, op, "input");
  const Shape& xs = x_in.shape();
  Tensor y = empty({xs[0], xs[1], xs[2] * scale, xs[3] * scale}, x_in.dtype());
  if (y.numel() == 0) return y;
  const Tensor x = x_in.contiguous();
  if (x.dtype() == DType::Float64)
    upsample_planes<double>(x.data<double>(), xs[0] * xs[1], xs[2], xs[3], scale, y.data<double>());
  else
    upsample_planes<float>(x.data<float>(), xs[0] * xs[1], xs[2], xs[3], scale, y.data<float>());
  return y;
}

Tensor upsample_nearest2d_backward(const Tensor& dy_in, int64_t scale) {
  const char* op = "upsample_nearest2d_backward";
  check_input(dy_in, scale, op, "dy");
  const Shape& ds = dy_in.shape();
  NASH_CHECK(ds[2] % scale == 0 && ds[3] % scale == 0, op, ": dy ", ds,
             " has spatial sizes that are not multiples of scale ", scale);
  const int64_t H = ds[2] / scale, W = ds[3] / scale;
  Tensor dx = empty({ds[0], ds[1], H, W}, dy_in.dtype());
  if (dx.numel() == 0) return dx;
  const Tensor dy = dy_in.contiguous();
  if (dy.dtype() == DType::Float64)
    upsample_backward_planes<double>(dy.data<double>(), ds[0] * ds[1], H, W, scale, dx.data<double>());
  else
    upsample_backward_planes<float>(dy.data<float>(), ds[0] * ds[1], H, W, scale, dx.data<float>());
  return dx;
}

}  // namespace nash
