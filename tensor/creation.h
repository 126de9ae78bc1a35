// Creating tensors: empty/zeros/ones/full, ranges, and tensors from host values.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace nash {

Tensor empty(const Shape& shape, DType dtype = DType::Float32);
Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
Tensor ones(const Shape& shape, DType dtype = DType::Float32);
Tensor full(const Shape& shape, double value, DType dtype = DType::Float32);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor empty_like(const Tensor& x);
Tensor full_like(const Tensor& x, double value);
Tensor scalar_tensor(double value, DType dtype = DType::Float32);  // shape []
// [start, end) in steps of step, like torch.arange.
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::Float32);
Tensor arange(int64_t end, DType dtype = DType::Float32);
// steps evenly spaced values from start to end inclusive, like torch.linspace.
Tensor linspace(double start, double end, int64_t steps, DType dtype = DType::Float32);
// Copies host values; values.size() must equal the shape's element count.
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
Tensor from_vector(const std::vector<double>& values, const Shape& shape);
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape);
// A 1-D tensor, e.g. tensor({1, 2, 3}).
Tensor tensor(std::initializer_list<double> values, DType dtype = DType::Float32);

}  // namespace nash
