// Indexing ops and their adjoints: index_select <-> index_add, gather <-> scatter_add. The
// integer index is a plain Tensor (no gradient). embedding is index_select on rows.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

// y = x.index_select(dim, index);  dx = index_add(x.shape, dim, index, dy)
Variable index_select(const Variable& x, int64_t dim, const Tensor& index) {
  return make_op("index_select", nash::index_select(x.value(), dim, index), {x},
                 {[sx = x.shape(), dim, index](const Variable& dy) {
                   return index_add(sx, dim, index, dy);
                 }});
}

// y = zeros(shape) with src added at index along dim;  dsrc = index_select(dy, dim, index)
Variable index_add(const Shape& shape, int64_t dim, const Tensor& index, const Variable& src) {
  return make_op("index_add", nash::index_add(shape, dim, index, src.value()), {src},
                 {[dim, index](const Variable& dy) { return index_select(dy, dim, index); }});
}

// y = x.gather(dim, index);  dx = scatter_add(x.shape, dim, index, dy)
Variable gather(const Variable& x, int64_t dim, const Tensor& index) {
  return make_op("gather", nash::gather(x.value(), dim, index), {x},
                 {[sx = x.shape(), dim, index](const Variable& dy) {
                   return scatter_add(sx, dim, index, dy);
                 }});
}

// y = zeros(shape) with src added at index along dim;  dsrc = gather(dy, dim, index)
Variable scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Variable& src) {
  return make_op("scatter_add", nash::scatter_add(shape, dim, index, src.value()), {src},
                 {[dim, index](const Variable& dy) { return gather(dy, dim, index); }});
}

// weight [K, D], indices [...] int64 -> [..., D]
Variable embedding(const Variable& weight, const Tensor& indices) {
  NASH_CHECK(weight.dim() == 2, "embedding: expected weight [K, D], got ", weight.shape());
  NASH_CHECK(indices.dtype() == DType::Int64, "embedding: indices must be int64, got ",
             dtype_name(indices.dtype()), " ", indices.shape());
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  return reshape(index_select(weight, 0, nash::reshape(indices, {-1})), out_shape);
}

}  // namespace nash
