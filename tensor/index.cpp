// Joining and indexing: cat, stack, index_select, gather, and their adjoints index_add and
// scatter_add, plus one_hot. Any dtype for the data; indices are int64 and range-checked.
#include <cstring>
#include <span>

#include "tensor/kernels/dispatch.h"
#include "tensor/ops.h"

namespace nash {
using kernels::check_defined;
using kernels::wrap_dim_of;

namespace {
void check_index(const Tensor& index, const char* op) {
  check_defined(index, op);
  NASH_CHECK(index.dtype() == DType::Int64, op, ": index must be int64, got ",
             dtype_name(index.dtype()));
}

// Calls f(pos) for every multi-index of `shape` in row-major order (pos is updated in place).
template <class F>
void for_each_index(const Shape& shape, F&& f) {
  const int64_t n = numel_of(shape);
  Shape pos(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(pos);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
}

int64_t offset_of(const Tensor& t, const Shape& pos) {
  int64_t o = 0;
  for (size_t d = 0; d < pos.size(); ++d) o += pos[d] * t.strides()[d];
  return o;
}
// The index's values, read in place from a contiguous copy (the index itself when it is one):
// no std::vector per call, so a training step's gathers take nothing from the heap.
struct IndexValues {
  Tensor values;
  std::span<const int64_t> idx;
  explicit IndexValues(const Tensor& index)
      : values(index.contiguous()),
        idx(values.data<int64_t>(), static_cast<size_t>(values.numel())) {}
};
}  // namespace

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  NASH_CHECK(!xs.empty(), "cat: expected a non-empty list of tensors");
  for (const Tensor& x : xs) check_defined(x, "cat");
  const Tensor& first = xs[0];
  NASH_CHECK(first.dim() > 0, "cat: zero-dimensional tensor ", first.shape(), " cannot be joined");
  dim = wrap_dim_of(first, dim, "cat");
  Shape shape = first.shape();
  shape[dim] = 0;
  for (const Tensor& x : xs) {
    NASH_CHECK(x.dtype() == first.dtype(), "cat: dtype mismatch: ", dtype_name(first.dtype()), " ",
               first.shape(), " and ", dtype_name(x.dtype()), " ", x.shape());
    bool ok = x.dim() == first.dim();
    for (int64_t d = 0; ok && d < x.dim(); ++d) ok = d == dim || x.shape()[d] == first.shape()[d];
    NASH_CHECK(ok, "cat: shapes ", first.shape(), " and ", x.shape(), " differ outside dim ", dim);
    shape[dim] += x.shape()[dim];
  }
  Tensor out = empty(shape, first.dtype());
  int64_t at = 0;
  for (const Tensor& x : xs) {
    Tensor part = out.narrow(dim, at, x.shape()[dim]);
    copy_(part, x);
    at += x.shape()[dim];
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  NASH_CHECK(!xs.empty(), "stack: expected a non-empty list of tensors");
  for (const Tensor& x : xs) {
    check_defined(x, "stack");
    NASH_CHECK(x.shape() == xs[0].shape(), "stack: shapes differ: ", xs[0].shape(), " and ",
               x.shape());
  }
  dim = wrap_dim_of(xs[0], dim, "stack", 1);
  std::vector<Tensor> us;
  us.reserve(xs.size());
  for (const Tensor& x : xs) us.push_back(x.unsqueeze(dim));
  return cat(us, dim);
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "index_select");
  check_index(index, "index_select");
  NASH_CHECK(index.dim() <= 1, "index_select: index must be 0-D or 1-D, got ", index.shape());
  NASH_CHECK(x.dim() > 0, "index_select: cannot index a 0-d tensor");
  dim = wrap_dim_of(x, dim, "index_select");
  const IndexValues index_values(index);
  const std::span<const int64_t> idx = index_values.idx;
  const int64_t size = x.shape()[dim];
  for (int64_t i : idx)
    NASH_CHECK(i >= 0 && i < size, "index_select: index ", i, " out of range for dim ", dim,
               " of ", x.shape());
  Shape shape = x.shape();
  shape[dim] = static_cast<int64_t>(idx.size());
  Tensor out = empty(shape, x.dtype());
  if (dim == 0 && x.is_contiguous()) {  // rows of a contiguous tensor: one memcpy each
    const size_t row = static_cast<size_t>(x.numel() / std::max<int64_t>(size, 1)) *
                       dtype_size(x.dtype());
    const char* src = static_cast<const char*>(x.raw_data());
    char* dst = static_cast<char*>(out.raw_data());
    for (size_t i = 0; i < idx.size(); ++i) std::memcpy(dst + i * row, src + idx[i] * row, row);
    return out;
  }
  for (size_t i = 0; i < idx.size(); ++i) {
    Tensor o = out.select(dim, static_cast<int64_t>(i));
    copy_(o, x.select(dim, idx[i]));
  }
  return out;
}

// out[pos] = x[pos with pos[dim] = index[pos]], out shaped like index.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "gather");
  check_index(index, "gather");
  NASH_CHECK(index.dim() == x.dim(), "gather: index ", index.shape(), " and input ", x.shape(),
             " must have the same number of dims");
  dim = wrap_dim_of(x, dim, "gather");
  for (int64_t d = 0; d < x.dim(); ++d)
    NASH_CHECK(d == dim || index.shape()[d] <= x.shape()[d], "gather: index ", index.shape(),
               " is larger than input ", x.shape(), " outside dim ", dim);
  Tensor out = empty(index.shape(), x.dtype());
  const int64_t* pi = index.data<int64_t>();
  kernels::dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    int64_t k = 0;
    for_each_index(index.shape(), [&](Shape& pos) {
      const int64_t i = pi[offset_of(index, pos)];
      const int64_t size = x.dim() ? x.shape()[dim] : 1;
      NASH_CHECK(i >= 0 && i < size, "gather: index ", i, " out of range for dim ", dim, " of ",
                 x.shape());
      int64_t o = 0;
      for (int64_t d = 0; d < x.dim(); ++d) o += (d == dim ? i : pos[d]) * x.strides()[d];
      po[k++] = px[o];
    });
  });
  return out;
}

// result[..., index[i], ...] += src[..., i, ...] along dim; result has `shape`.
Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(src, "index_add");
  check_index(index, "index_add");
  NASH_CHECK(index.dim() <= 1, "index_add: index must be 0-D or 1-D, got ", index.shape());
  Tensor out = zeros(shape, src.dtype());
  NASH_CHECK(out.dim() > 0, "index_add: result shape must have at least one dim");
  dim = wrap_dim_of(out, dim, "index_add");
  const IndexValues index_values(index);
  const std::span<const int64_t> idx = index_values.idx;
  Shape expect = shape;
  expect[dim] = static_cast<int64_t>(idx.size());
  NASH_CHECK(src.shape() == expect, "index_add: src is ", src.shape(), ", expected ", expect,
             " for ", idx.size(), " indices into ", shape);
  for (int64_t i : idx)
    NASH_CHECK(i >= 0 && i < shape[dim], "index_add: index ", i, " out of range for dim ", dim,
               " of ", shape);
  kernels::dispatch_all(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    const T* ps = src.data<T>();
    for_each_index(src.shape(), [&](Shape& pos) {
      const int64_t s = offset_of(src, pos);
      const int64_t i = pos[dim];
      pos[dim] = idx[i];
      po[offset_of(out, pos)] += ps[s];
      pos[dim] = i;
    });
  });
  return out;
}

// result[pos with pos[dim] = index[pos]] += src[pos] for every pos of index; result has `shape`.
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(src, "scatter_add");
  check_index(index, "scatter_add");
  Tensor out = zeros(shape, src.dtype());
  NASH_CHECK(index.dim() == out.dim() && src.dim() == out.dim(), "scatter_add: index ",
             index.shape(), ", src ", src.shape(), " and result ", shape,
             " must have the same number of dims");
  dim = wrap_dim_of(out, dim, "scatter_add");
  for (int64_t d = 0; d < out.dim(); ++d)
    NASH_CHECK(index.shape()[d] <= src.shape()[d] && (d == dim || index.shape()[d] <= shape[d]),
               "scatter_add: index ", index.shape(), " is larger than src ", src.shape(),
               " or result ", shape);
  const int64_t* pi = index.data<int64_t>();
  kernels::dispatch_all(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    const T* ps = src.data<T>();
    for_each_index(index.shape(), [&](Shape& pos) {
      const int64_t i = pi[offset_of(index, pos)];
      const int64_t size = out.dim() ? shape[dim] : 1;
      NASH_CHECK(i >= 0 && i < size, "scatter_add: index ", i, " out of range for dim ", dim,
                 " of ", shape);
      const T v = ps[offset_of(src, pos)];
      const int64_t keep = out.dim() ? pos[dim] : 0;
      if (out.dim()) pos[dim] = i;
      po[offset_of(out, pos)] += v;
      if (out.dim()) pos[dim] = keep;
    });
  });
  return out;
}

Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype) {
  check_index(index, "one_hot");
  const IndexValues index_values(index);
  const std::span<const int64_t> idx = index_values.idx;
  if (num_classes == -1) {  // infer, like torch
    num_classes = 0;
    for (int64_t i : idx) num_classes = std::max(num_classes, i + 1);
  }
  NASH_CHECK(num_classes >= 1, "one_hot: num_classes must be >= 1, got ", num_classes);
  Shape shape = index.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, dtype);
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    for (size_t k = 0; k < idx.size(); ++k) {
      NASH_CHECK(idx[k] >= 0 && idx[k] < num_classes, "one_hot: class ", idx[k],
                 " out of range for ", num_classes, " classes");
      po[static_cast<int64_t>(k) * num_classes + idx[k]] = T(1);
    }
  });
  return out;
}

}  // namespace nash
