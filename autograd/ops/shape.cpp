// Shape ops: views in forward, their adjoints in backward (reshape back, permute back, scatter a
// slice into zeros, sum an expansion). Joining (cat, stack) splits the gradient back up.
#include <algorithm>
#include <numeric>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

// dx = reshape(dy, x.shape)
Variable reshape(const Variable& x, const Shape& shape) {
  return make_op("reshape", nash::reshape(x.value(), shape), {x},
                 {[sx = x.shape()](const Variable& dy) { return reshape(dy, sx); }});
}
Variable view(const Variable& x, const Shape& shape) {
  return make_op("view", nash::view(x.value(), shape), {x},
                 {[sx = x.shape()](const Variable& dy) { return reshape(dy, sx); }});
}
Variable flatten(const Variable& x, int64_t start_dim, int64_t end_dim) {
  return reshape(x, nash::flatten(x.value(), start_dim, end_dim).shape());
}
Variable squeeze(const Variable& x, int64_t dim) {
  return reshape(x, nash::squeeze(x.value(), dim).shape());
}
Variable unsqueeze(const Variable& x, int64_t dim) {
  return reshape(x, nash::unsqueeze(x.value(), dim).shape());
}

// dx = permute(dy, inverse(dims))
Variable permute(const Variable& x, const Shape& dims) {
  Tensor y = nash::permute(x.value(), dims);
  Shape inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], x.dim(), "permute")] = i;
  return make_op("permute", std::move(y), {x},
                 {[inverse](const Variable& dy) { return permute(dy, inverse); }});
}

// dx = transpose(dy, d0, d1)
Variable transpose(const Variable& x, int64_t d0, int64_t d1) {
  return make_op("transpose", nash::transpose(x.value(), d0, d1), {x},
                 {[d0, d1](const Variable& dy) { return transpose(dy, d0, d1); }});
}

namespace {
// The adjoint of slice: dy written into the sliced places of zeros(shape).
Variable slice_scatter(const Variable& dy, const Shape& shape, int64_t dim, int64_t start,
                       int64_t end, int64_t step) {
  Tensor out = zeros(shape, dy.dtype());
  Tensor window = nash::slice(out, dim, start, end, step);
  copy_(window, dy.value());
  return make_op("slice_backward", std::move(out), {dy},
                 {[dim, start, end, step](const Variable& ddx) { return slice(ddx, dim, start, end, step); }});
}
}  // namespace

// dx = dy scattered into zeros at the sliced places
Variable slice(const Variable& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return make_op("slice", nash::slice(x.value(), dim, start, end, step), {x},
                 {[sx = x.shape(), dim, start, end, step](const Variable& dy) {
                   return slice_scatter(dy, sx, dim, start, end, step);
                 }});
}
Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length) {
  NASH_CHECK(length >= 0, "narrow: length must be >= 0, got ", length, " for ", x.shape());
  Tensor probe = nash::narrow(x.value(), dim, start, length);  // validates
  int64_t d = wrap_dim(dim, x.dim(), "narrow");
  int64_t s = start < 0 ? start + x.size(d) : start;
  return slice(x, d, s, s + length, 1);
}
Variable select(const Variable& x, int64_t dim, int64_t index) {
  int64_t d = wrap_dim(dim, x.dim(), "select");
  Tensor probe = nash::select(x.value(), d, index);  // validates the index
  int64_t i = index < 0 ? index + x.size(d) : index;
  return squeeze(slice(x, d, i, i + 1, 1), d);
}

// dx = sum_to(dy, x.shape)
Variable expand(const Variable& x, const Shape& shape) {
  return make_op("expand", nash::expand(x.value(), shape), {x},
                 {[sx = x.shape()](const Variable& dy) { return sum_to(dy, sx); }});
}

// dx = dy
Variable contiguous(const Variable& x) {
  return make_op("contiguous", nash::contiguous(x.value()), {x},
                 {[](const Variable& dy) { return dy; }});
}

// y = a copy of x;  dx = dy
Variable clone(const Variable& x) {
  return make_op("clone", x.value().clone(), {x}, {[](const Variable& dy) { return dy; }});
}

// y = x summed down to shape;  dx = expand(dy, x.shape). Identity when the shapes agree.
Variable sum_to(const Variable& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return make_op("sum_to", nash::sum_to(x.value(), shape), {x},
                 {[sx = x.shape()](const Variable& dy) { return expand(dy, sx); }});
}

// dx_i = narrow(dy, dim, offset_i, size_i)
Variable cat(const std::vector<Variable>& xs, int64_t dim) {
  NASH_CHECK(!xs.empty(), "cat: expected at least one variable");
  // The values in a per-thread list kept between calls (cleared on the way out): no heap
  // allocation per cat in a training loop.
  thread_local std::vector<Tensor> values;
  struct Clear {
    ~Clear() { values.clear(); }
  } clear_values;
  for (const auto& x : xs) values.push_back(x.value());
  Tensor y = nash::cat(values, dim);
  int64_t d = wrap_dim(dim, xs[0].dim(), "cat");
  OpDerivatives derivatives;
  int64_t offset = 0;
  for (const auto& x : xs) {
    int64_t len = x.size(d);
    derivatives.push_back([d, offset, len](const Variable& dy) { return narrow(dy, d, offset, len); });
    offset += len;
  }
  return make_op("cat", std::move(y), OpInputs(xs.begin(), xs.end()), std::move(derivatives));
}

Variable stack(const std::vector<Variable>& xs, int64_t dim) {
  NASH_CHECK(!xs.empty(), "stack: expected at least one variable");
  int64_t d = wrap_dim(dim, xs[0].dim() + 1, "stack");
  std::vector<Variable> expanded;
  for (const auto& x : xs) {
    NASH_CHECK(x.shape() == xs[0].shape(), "stack: all shapes must match, got ", xs[0].shape(),
               " and ", x.shape());
    expanded.push_back(unsqueeze(x, d));
  }
  return cat(expanded, d);
}

// ---- pieces, tiles and reversals: compositions of narrow, expand and index_select -------------

std::vector<Variable> split(const Variable& x, const std::vector<int64_t>& sizes, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    NASH_CHECK(s >= 0, "split: sizes must be >= 0, got ", Shape(sizes), " for ", x.shape());
    total += s;
  }
  NASH_CHECK(total == x.size(d), "split: sizes ", Shape(sizes), " sum to ", total, " but dim ",
             d, " of ", x.shape(), " has ", x.size(d));
  std::vector<Variable> pieces;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    pieces.push_back(narrow(x, d, offset, s));
    offset += s;
  }
  return pieces;
}

std::vector<Variable> split(const Variable& x, int64_t split_size, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  NASH_CHECK(split_size > 0 || (split_size == 0 && x.size(d) == 0), "split: split_size must be ",
             "> 0, got ", split_size, " for ", x.shape());
  std::vector<int64_t> sizes;
  for (int64_t left = x.size(d); left > 0; left -= split_size)
    sizes.push_back(std::min(split_size, left));
  if (sizes.empty()) sizes.push_back(0);  // torch: one empty piece of an empty dim
  return split(x, sizes, d);
}

std::vector<Variable> chunk(const Variable& x, int64_t chunks, int64_t dim) {
  NASH_CHECK(chunks > 0, "chunk: chunks must be > 0, got ", chunks, " for ", x.shape());
  const int64_t d = wrap_dim(dim, x.dim(), "chunk");
  const int64_t size = (x.size(d) + chunks - 1) / chunks;  // ceil
  return split(x, std::max<int64_t>(size, x.size(d) == 0 ? 0 : 1), d);
}

// y = x tiled: each dim d viewed as [1, s_d], expanded to [r_d, s_d], merged to r_d s_d;
// dx = the expansion summed back (expand's adjoint)
Variable repeat(const Variable& x, const Shape& reps) {
  const int64_t extra = static_cast<int64_t>(reps.size()) - x.dim();
  NASH_CHECK(extra >= 0, "repeat: ", reps.size(), " repeats for a tensor of ", x.dim(),
             " dims ", x.shape(), " (need at least one per dim)");
  for (int64_t r : reps)
    NASH_CHECK(r >= 0, "repeat: repeats must be >= 0, got ", reps, " for ", x.shape());
  Shape interleaved, expanded, out;
  for (size_t i = 0; i < reps.size(); ++i) {
    const int64_t s = static_cast<int64_t>(i) < extra ? 1 : x.size(i - extra);
    interleaved.insert(interleaved.end(), {1, s});
    expanded.insert(expanded.end(), {reps[i], s});
    out.push_back(reps[i] * s);
  }
  return reshape(expand(reshape(x, interleaved), expanded), out);
}

// y = x reversed along dims (index_select with n-1 .. 0 per dim);  dx = dy reversed the same way
Variable flip(const Variable& x, const Shape& dims) {
  Variable y = x;
  std::vector<bool> seen(x.dim(), false);
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, x.dim(), "flip");
    NASH_CHECK(!seen[d], "flip: dim ", d, " appears twice in ", Shape(dims), " for ", x.shape());
    seen[d] = true;
    const int64_t n = x.size(d);
    if (n > 1) y = index_select(y, d, arange(static_cast<double>(n - 1), -1.0, -1.0, DType::Int64));
  }
  return y;
}

}  // namespace nash
