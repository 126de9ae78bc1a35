// Tensor math: elementwise (NumPy broadcasting), reductions, matmul, joining and indexing.
// Float ops accept float32 and float64; both operands must have the same dtype.
// Comparison ops return 0/1 in the inputs' dtype. Every op validates its arguments and throws
// nash::Error naming the op and the shapes.
//
// Shape letters: N batch, D features, K classes, B batch of matrices; "..." any leading dims.
#pragma once
#include <vector>

#include "tensor/creation.h"
#include "tensor/tensor.h"

namespace nash {

// ---- elementwise unary: y = f(x), any shape ----------------------------------------------------
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor erf(const Tensor& x);  // 2/sqrt(pi) * integral_0^x e^(-t^2) dt
Tensor leaky_relu(const Tensor& x, double slope);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor softplus(const Tensor& x);       // log(1 + exp(x)), stable for large |x|
Tensor log_sigmoid(const Tensor& x);    // -softplus(-x), stable
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor pow(const Tensor& x, double exponent);

// ---- elementwise binary with broadcasting: out shape = broadcast(a.shape, b.shape) -------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// Scalar forms (the scalar takes the tensor's dtype).
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor rsub(const Tensor& a, double b);  // b - a
Tensor maximum(const Tensor& a, double b);
Tensor minimum(const Tensor& a, double b);
Tensor eq(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
// cond ? a : b, all three broadcast together (cond nonzero = true).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, double a, double b);

Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);

// ---- in place: x op= y, y broadcast to x's shape (x keeps its shape) ---------------------------
// Aliasing: y may be x itself (same view); a y that shares x's storage as a different view is
// copied first, so the result is as if all of y were read before x is written. x must not be
// an expanded view (stride 0 on a dim of size > 1).
Tensor& add_(Tensor& x, const Tensor& y);
Tensor& sub_(Tensor& x, const Tensor& y);
Tensor& mul_(Tensor& x, const Tensor& y);
Tensor& div_(Tensor& x, const Tensor& y);
Tensor& add_(Tensor& x, double y);
Tensor& mul_(Tensor& x, double y);
Tensor& clamp_(Tensor& x, double lo, double hi);
Tensor& fill_(Tensor& x, double value);
Tensor& zero_(Tensor& x);
Tensor& copy_(Tensor& dst, const Tensor& src);  // src broadcast to dst; dtype converted
// x += alpha * y (y same shape as x): the optimizer's workhorse.
Tensor& axpy_(Tensor& x, double alpha, const Tensor& y);

// ---- reductions over `dims` (empty = all dims), optional keepdim -------------------------------
// float32 sums add short float blocks (8 values per SIMD lane) and carry the block sums in
// double, so millions of elements stay accurate (10M x 0.1f: relative error < 1e-6).
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1), like torch.var.
Tensor var(const Tensor& x, const Shape& dims = {}, int64_t correction = 1,
           bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);  // int64 indices
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
// Sum x down to `shape` (the inverse of broadcasting): what a broadcast op's backward needs.
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- matmul ------------------------------------------------------------------------------------
// [M,K]@[K,N] -> [M,N]; batched [...,M,K]@[...,K,N] with broadcast batch dims; 1-D operands as
// in torch.matmul (a vector is promoted, then the added dim removed).
Tensor matmul(const Tensor& a, const Tensor& b);
// out = alpha * a @ b + beta * out, 2-D only, into an existing tensor.
void matmul_out(Tensor& out, const Tensor& a, const Tensor& b, double alpha = 1.0,
                double beta = 0.0);

// ---- joining and indexing ----------------------------------------------------------------------
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);  // index: int64 1-D
// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise), index int64 with x's ndim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Adjoints of the two above: result has `shape`, src values summed into indexed places.
Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
// [...] int64 class indices -> [..., K] of 0/1 in dtype.
Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype = DType::Float32);

// ---- comparisons for tests ---------------------------------------------------------------------
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);  // same shape and bitwise-equal values

}  // namespace nash
