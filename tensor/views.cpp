// Views: new shape/strides/offset over the same storage, never a copy (except reshape, which
// copies when no view exists). Also contiguous/clone/to_dtype, which copy.
#include <algorithm>
#include <optional>

#include "tensor/kernels/dispatch.h"
#include "tensor/ops.h"

namespace nash {
using kernels::check_defined;
using kernels::wrap_dim_of;

namespace {
Tensor make_view(const Tensor& x, Shape shape, Shape strides, int64_t offset) {
  return Tensor(x.storage(), std::move(shape), std::move(strides), offset, x.dtype());
}

// Replaces one -1 entry with the size that keeps numel; checks the element counts match.
Shape infer_shape(const Tensor& x, Shape shape, const char* op) {
  int64_t infer = -1, known = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      NASH_CHECK(infer < 0, op, ": only one dimension can be -1, got ", shape);
      infer = static_cast<int64_t>(d);
    } else {
      NASH_CHECK(shape[d] >= 0, op, ": negative size in shape ", shape);
      NASH_CHECK(!__builtin_mul_overflow(known, shape[d], &known), op, ": element count of ",
                 shape, " overflows int64");
    }
  }
  const int64_t n = x.numel();
  if (infer >= 0) {
    NASH_CHECK(known != 0 && n % known == 0, op, ": cannot reshape ", x.shape(), " (", n,
               " elements) into ", shape);
    shape[infer] = n / known;
  } else {
    NASH_CHECK(known == n, op, ": cannot reshape ", x.shape(), " (", n, " elements) into ", shape);
  }
  return shape;
}

// Strides that let `newshape` view data laid out as (oldshape, oldstride), if any (PyTorch's
// computeStride): each run of dims that is contiguous in memory may be regrouped freely.
std::optional<Shape> view_strides(const Shape& oldshape, const Shape& oldstride,
                                  const Shape& newshape) {
  if (oldshape.empty()) return Shape(newshape.size(), 1);
  int64_t numel = 1;
  for (int64_t s : oldshape) numel *= s;
  if (numel == 0) return contiguous_strides(newshape);
  Shape newstride(newshape.size(), 1);
  int64_t view_d = static_cast<int64_t>(newshape.size()) - 1;
  int64_t chunk_base_stride = oldstride.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(oldshape.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= oldshape[tensor_d];
    if (tensor_d == 0 || (oldshape[tensor_d - 1] != 1 &&
                          oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || newshape[view_d] == 1)) {
        newstride[view_d] = view_numel * chunk_base_stride;
        view_numel *= newshape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = oldstride[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return newstride;
}
}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  check_defined(x, "view");
  Shape s = infer_shape(x, shape, "view");
  auto st = view_strides(x.shape(), x.strides(), s);
  NASH_CHECK(st.has_value(), "view: cannot view ", x.shape(), " with strides ", x.strides(),
             " as ", s, "; use reshape");
  return make_view(x, std::move(s), std::move(*st), x.offset());
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  Shape s = infer_shape(x, shape, "reshape");
  if (auto st = view_strides(x.shape(), x.strides(), s))
    return make_view(x, std::move(s), std::move(*st), x.offset());
  Tensor c = clone(x);
  return make_view(c, s, contiguous_strides(s), 0);
}

Tensor permute(const Tensor& x, const Shape& dims) {
  check_defined(x, "permute");
  NASH_CHECK(static_cast<int64_t>(dims.size()) == x.dim(), "permute: ", dims.size(),
             " dims given for a tensor of ", x.dim(), " dims ", x.shape());
  Shape shape(dims.size()), strides(dims.size());
  SmallVector<uint8_t, 8> seen(dims.size(), 0);  // no heap for <= 8 dims
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim_of(x, dims[i], "permute");
    NASH_CHECK(!seen[d], "permute: dim ", dims[i], " repeated in ", dims);
    seen[d] = true;
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  return make_view(x, std::move(shape), std::move(strides), x.offset());
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  check_defined(x, "transpose");
  d0 = wrap_dim_of(x, d0, "transpose");
  d1 = wrap_dim_of(x, d1, "transpose");
  Shape shape = x.shape(), strides = x.strides();
  if (x.dim() > 0) {
    std::swap(shape[d0], shape[d1]);
    std::swap(strides[d0], strides[d1]);
  }
  return make_view(x, std::move(shape), std::move(strides), x.offset());
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  check_defined(x, "narrow");
  NASH_CHECK(x.dim() > 0, "narrow: cannot narrow a 0-d tensor");
  dim = wrap_dim_of(x, dim, "narrow");
  const int64_t size = x.shape()[dim];
  if (start < 0) start += size;
  NASH_CHECK(start >= 0 && start <= size && length >= 0 && length <= size - start,
             "narrow: start ", start, " and length ", length, " out of range for dim ", dim,
             " of ", x.shape());
  Shape shape = x.shape();
  shape[dim] = length;
  return make_view(x, std::move(shape), x.strides(), x.offset() + start * x.strides()[dim]);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  check_defined(x, "slice");
  NASH_CHECK(x.dim() > 0, "slice: cannot slice a 0-d tensor");
  dim = wrap_dim_of(x, dim, "slice");
  NASH_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t size = x.shape()[dim];
  // Python slicing: negative counts from the end, then clamp to [0, size].
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, 0, size);
  const int64_t length = end > start ? (end - start + step - 1) / step : 0;
  Shape shape = x.shape(), strides = x.strides();
  shape[dim] = length;
  strides[dim] *= step;
  return make_view(x, std::move(shape), std::move(strides), x.offset() + start * x.strides()[dim]);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  check_defined(x, "select");
  NASH_CHECK(x.dim() > 0, "select: cannot select from a 0-d tensor");
  dim = wrap_dim_of(x, dim, "select");
  const int64_t size = x.shape()[dim];
  NASH_CHECK(index >= -size && index < size, "select: index ", index, " out of range for dim ",
             dim, " of ", x.shape());
  if (index < 0) index += size;
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(x, std::move(shape), std::move(strides), x.offset() + index * x.strides()[dim]);
}

namespace {
Tensor expand_impl(const Tensor& x, const Shape& shape, const char* op, bool allow_keep) {
  check_defined(x, op);
  NASH_CHECK(shape.size() >= x.shape().size(), op, ": cannot expand ", x.shape(), " to ", shape);
  const size_t lead = shape.size() - x.shape().size();
  Shape out(shape.size()), strides(shape.size(), 0);
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t want = shape[d];
    if (d < lead) {
      NASH_CHECK(want >= 0, op, ": cannot expand ", x.shape(), " to ", shape);
      out[d] = want;
      continue;
    }
    const int64_t have = x.shape()[d - lead];
    if ((allow_keep && want == -1) || want == have) {
      out[d] = have;
      strides[d] = x.strides()[d - lead];
    } else {
      NASH_CHECK(have == 1 && want >= 0, op, ": cannot expand ", x.shape(), " to ", shape);
      out[d] = want;
    }
  }
  numel_of(out, op);
  return make_view(x, std::move(out), std::move(strides), x.offset());
}
}  // namespace

Tensor expand(const Tensor& x, const Shape& shape) { return expand_impl(x, shape, "expand", true); }
Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  return expand_impl(x, shape, "broadcast_to", false);
}

Tensor squeeze(const Tensor& x) {
  check_defined(x, "squeeze");
  Shape shape, strides;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (x.shape()[d] != 1) {
      shape.push_back(x.shape()[d]);
      strides.push_back(x.strides()[d]);
    }
  return make_view(x, std::move(shape), std::move(strides), x.offset());
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  check_defined(x, "squeeze");
  dim = wrap_dim_of(x, dim, "squeeze");
  if (x.dim() == 0 || x.shape()[dim] != 1) return x;
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(x, std::move(shape), std::move(strides), x.offset());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  check_defined(x, "unsqueeze");
  dim = wrap_dim_of(x, dim, "unsqueeze", 1);
  Shape shape = x.shape(), strides = x.strides();
  const int64_t st = dim < x.dim() ? x.shape()[dim] * x.strides()[dim] : 1;
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, st);
  return make_view(x, std::move(shape), std::move(strides), x.offset());
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  check_defined(x, "flatten");
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = wrap_dim_of(x, start_dim, "flatten");
  end_dim = wrap_dim_of(x, end_dim, "flatten");
  NASH_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " is after end_dim ", end_dim,
             " for ", x.shape());
  Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= x.shape()[d];
  shape.push_back(n);
  shape.insert(shape.end(), x.shape().begin() + end_dim + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor contiguous(const Tensor& x) {
  check_defined(x, "contiguous");
  return x.is_contiguous() ? x : clone(x);
}

Tensor clone(const Tensor& x) {
  check_defined(x, "clone");
  Tensor out = empty(x.shape(), x.dtype());
  copy_(out, x);
  return out;
}

Tensor to_dtype(const Tensor& x, DType dtype) {
  check_defined(x, "to");
  if (x.dtype() == dtype) return x;
  Tensor out = empty(x.shape(), dtype);
  copy_(out, x);
  return out;
}

}  // namespace nash
