// matmul on top of nash::gemm: 2-D views whose last two strides are row-major (stride 1 along
// columns) or column-major (stride 1 along rows) pass straight through as (pointer, trans, ld);
// any other view is copied to contiguous once. Batched operands broadcast their batch dims;
// [B..., M, K] @ [K, N] runs as one [B*M, K] @ [K, N] GEMM when a's rows can be flattened.
#include <type_traits>

#include "tensor/gemm.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/ops.h"

namespace nash {
namespace {

template <class T>
void call_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
               int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if constexpr (std::is_same_v<T, float>) gemm::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else gemm::dgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// How GEMM can read a [rows, cols] matrix with element strides (sr, sc), if it can.
struct Layout {
  bool ok = false, trans = false;
  int64_t ld = 1;
};
Layout gemm_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1)))
    return {true, false, rows <= 1 ? std::max<int64_t>(cols, 1) : sr};
  if ((sr == 1 || rows <= 1) && (cols <= 1 || sc >= std::max<int64_t>(rows, 1)))
    return {true, true, cols <= 1 ? std::max<int64_t>(rows, 1) : sc};
  return {};
}
Layout layout_of(const Tensor& m) {  // last two dims of m
  return gemm_layout(m.size(-2), m.size(-1), m.stride(-2), m.stride(-1));
}
// m itself when GEMM can read its matrices, else a contiguous copy.
Tensor gemm_ready(const Tensor& m) { return layout_of(m).ok ? m : m.contiguous(); }

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  kernels::check_same_dtype(a, b, op);
  kernels::check_float(a, op);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "matmul");
  NASH_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments must be at least 1-D, got ",
             a.shape(), " and ", b.shape());
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;   // [K] -> [1, K]
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;   // [K] -> [K, 1]
  const int64_t M = a2.size(-2), K = a2.size(-1), N = b2.size(-1);
  NASH_CHECK(b2.size(-2) == K, "matmul: inner dimensions differ: a is ", a.shape(), ", b is ",
             b.shape());
  const Shape a_batch(a2.shape().begin(), a2.shape().end() - 2);
  const Shape b_batch(b2.shape().begin(), b2.shape().end() - 2);
  const Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = empty(out_shape, a.dtype());
  const int64_t B = numel_of(batch, "matmul");

  kernels::dispatch_float(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    T* c = out.data<T>();
    if (B * M * N == 0) return;
    if (K == 0) {
      std::fill(c, c + B * M * N, T(0));
      return;
    }
    if (b_batch.empty() && !a_batch.empty()) {  // fold a's batch into rows: one GEMM
      Tensor af = gemm_ready(a2.reshape({B * M, K}));
      Tensor bf = gemm_ready(b2);
      const Layout la = layout_of(af), lb = layout_of(bf);
      call_gemm<T>(la.trans, lb.trans, B * M, N, K, T(1), af.data<T>(), la.ld, bf.data<T>(), lb.ld,
                   T(0), c, N);
      return;
    }
    Tensor ar = gemm_ready(a2), br = gemm_ready(b2);
    const Layout la = layout_of(ar), lb = layout_of(br);
    const Tensor ae = ar.expand([&] { Shape s = batch; s.push_back(M); s.push_back(K); return s; }());
    const Tensor be = br.expand([&] { Shape s = batch; s.push_back(K); s.push_back(N); return s; }());
    const T* pa = ae.data<T>();
    const T* pb = be.data<T>();
    Shape idx(batch.size(), 0);
    int64_t oa = 0, ob = 0;
    for (int64_t i = 0; i < B; ++i) {
      call_gemm<T>(la.trans, lb.trans, M, N, K, T(1), pa + oa, la.ld, pb + ob, lb.ld, T(0),
                   c + i * M * N, N);
      for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {  // next batch index
        if (++idx[d] < batch[d]) {
          oa += ae.strides()[d];
          ob += be.strides()[d];
          break;
        }
        oa -= ae.strides()[d] * (batch[d] - 1);
        ob -= be.strides()[d] * (batch[d] - 1);
        idx[d] = 0;
      }
    }
  });
  if (a.dim() == 1 && b.dim() == 1) return out.view({});
  if (a.dim() == 1) return out.squeeze(-2);
  if (b.dim() == 1) return out.squeeze(-1);
  return out;
}

void matmul_out(Tensor& out, const Tensor& a, const Tensor& b, double alpha, double beta) {
  check_operands(a, b, "matmul_out");
  kernels::check_same_dtype(out, a, "matmul_out");
  if (out.defined()) out.storage()->bump_version();
  NASH_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2,
             "matmul_out: expects 2-D tensors, got out ", out.shape(), ", a ", a.shape(), ", b ",
             b.shape());
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  NASH_CHECK(b.size(0) == K, "matmul_out: inner dimensions differ: a is ", a.shape(), ", b is ",
             b.shape());
  NASH_CHECK(out.size(0) == M && out.size(1) == N, "matmul_out: out is ", out.shape(),
             ", expected [", M, ", ", N, "] for a ", a.shape(), " and b ", b.shape());
  const Layout lc = layout_of(out);
  const bool direct = lc.ok && !lc.trans && !out.shares_storage(a) && !out.shares_storage(b);
  if (!direct) {  // compute into a row-major temporary, then copy back
    Tensor tmp = beta == 0.0 ? empty(out.shape(), out.dtype()) : out.clone();
    matmul_out(tmp, a, b, alpha, beta);
    copy_(out, tmp);
    return;
  }
  kernels::dispatch_float(a.dtype(), "matmul_out", [&](auto tag) {
    using T = decltype(tag);
    if (M == 0 || N == 0) return;
    if (K == 0) {  // empty sum: out = beta * out
      if (beta == 0.0) zero_(out);
      else mul_(out, beta);
      return;
    }
    Tensor ar = gemm_ready(a), br = gemm_ready(b);
    const Layout la = layout_of(ar), lb = layout_of(br);
    call_gemm<T>(la.trans, lb.trans, M, N, K, T(alpha), ar.data<T>(), la.ld, br.data<T>(), lb.ld,
                 T(beta), out.data<T>(), lc.ld);
  });
}

}  // namespace nash
