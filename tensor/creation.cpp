// Creating tensors: fresh contiguous storage, filled with a constant, a range or host values.
#include "tensor/creation.h"

#include <cmath>
#include <cstring>

#include "tensor/checked_size.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/ops.h"

namespace nash {

Tensor empty(const Shape& shape, DType dtype) {
  const uint64_t nbytes = checked_nbytes(shape, dtype_size(dtype), "empty");
  auto storage = make_storage(static_cast<size_t>(nbytes));
  return Tensor(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw_data(), 0, static_cast<size_t>(t.numel()) * dtype_size(dtype));
  return t;
}

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  fill_(t, value);
  return t;
}

Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor zeros_like(const Tensor& x) {
  kernels::check_defined(x, "zeros_like");
  return zeros(x.shape(), x.dtype());
}
Tensor ones_like(const Tensor& x) {
  kernels::check_defined(x, "ones_like");
  return ones(x.shape(), x.dtype());
}
Tensor empty_like(const Tensor& x) {
  kernels::check_defined(x, "empty_like");
  return empty(x.shape(), x.dtype());
}
Tensor full_like(const Tensor& x, double value) {
  kernels::check_defined(x, "full_like");
  return full(x.shape(), value, x.dtype());
}

Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  NASH_CHECK(step != 0.0 && std::isfinite(step) && std::isfinite(start) && std::isfinite(end),
             "arange: need finite start, end and nonzero step, got ", start, ", ", end, ", ", step);
  NASH_CHECK((end - start) / step >= 0 || end == start, "arange: step ", step,
             " has the wrong sign for [", start, ", ", end, ")");
  const double count = std::ceil((end - start) / step);
  NASH_CHECK(count < 9.2e18, "arange: too many elements");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  Tensor t = empty({n}, dtype);
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = kernels::value_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor arange(int64_t end, DType dtype) {
  NASH_CHECK(end >= 0, "arange: end must be >= 0, got ", end);
  Tensor t = empty({end}, dtype);
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < end; ++i) p[i] = static_cast<T>(i);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  NASH_CHECK(steps >= 0, "linspace: steps must be >= 0, got ", steps);
  Tensor t = empty({steps}, dtype);
  const double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    // Fill from both ends (like torch) so the last value is exactly `end`.
    const int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = kernels::value_cast<T>(i < half ? start + delta * static_cast<double>(i)
                                     : end - delta * static_cast<double>(steps - 1 - i));
  });
  return t;
}

namespace {
template <class T>
Tensor from_host(const std::vector<T>& values, const Shape& shape) {
  const int64_t n = numel_of(shape, "from_vector");
  NASH_CHECK(static_cast<int64_t>(values.size()) == n, "from_vector: ", values.size(),
             " values for shape ", shape, " (", n, " elements)");
  Tensor t = empty(shape, dtype_of<T>());
  if (n > 0) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}
}  // namespace

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
  return from_host(values, shape);
}
Tensor from_vector(const std::vector<double>& values, const Shape& shape) {
  return from_host(values, shape);
}
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape) {
  return from_host(values, shape);
}

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  Tensor t = empty({static_cast<int64_t>(values.size())}, dtype);
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (double v : values) *p++ = kernels::value_cast<T>(v);
  });
  return t;
}

}  // namespace nash
