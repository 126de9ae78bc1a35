// Strided iteration shared by every elementwise op: N operands of one logical shape, each with
// its own element strides. Dims that can be merged for every operand are merged (size-1 dims
// dropped), so contiguous operands become one row and [N, D] + [D] becomes N rows of D.
// The callback sees one innermost row at a time: f(offsets, n, inner_strides).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace nash::kernels {

template <size_t N>
struct Loop {
  Shape shape;                   // coalesced sizes, innermost last; at least one dim
  std::array<Shape, N> strides;  // per operand, in elements, same length as shape
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t d = 0; d + 1 < shape.size(); ++d) r *= shape[d];
    return r;
  }
};

// Coalesce `shape` (the common logical shape) with each operand's strides.
template <size_t N>
Loop<N> make_loop(const Shape& shape, const std::array<Shape, N>& strides) {
  Loop<N> l;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) {  // empty: one row of length 0
      l.shape = {0};
      for (auto& s : l.strides) s = {0};
      return l;
    }
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!l.shape.empty()) {
      bool merge = true;
      for (size_t k = 0; k < N; ++k)
        if (l.strides[k].back() != strides[k][d] * shape[d]) merge = false;
      if (merge) {
        l.shape.back() *= shape[d];
        for (size_t k = 0; k < N; ++k) l.strides[k].back() = strides[k][d];
        continue;
      }
    }
    l.shape.push_back(shape[d]);
    for (size_t k = 0; k < N; ++k) l.strides[k].push_back(strides[k][d]);
  }
  if (l.shape.empty()) {  // a single element
    l.shape = {1};
    for (auto& s : l.strides) s = {1};
  }
  return l;
}

// Calls f(offsets, n, inner_strides) for rows [row_begin, row_end) of the loop, in row-major order.
template <size_t N, class F>
void for_each_row(const Loop<N>& l, int64_t row_begin, int64_t row_end, F&& f) {
  const int64_t nd = static_cast<int64_t>(l.shape.size());
  const int64_t n = l.shape.back();
  if (n == 0 || row_begin >= row_end) return;
  std::array<int64_t, N> inner;
  std::array<int64_t, N> off{};
  for (size_t k = 0; k < N; ++k) inner[k] = l.strides[k].back();
  Shape idx(nd > 1 ? nd - 1 : 0, 0);
  // Position the counter at row_begin.
  int64_t r = row_begin;
  for (int64_t d = nd - 2; d >= 0; --d) {
    idx[d] = r % l.shape[d];
    r /= l.shape[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * l.strides[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    f(off, n, inner);
    for (int64_t d = nd - 2; d >= 0; --d) {
      if (++idx[d] < l.shape[d]) {
        for (size_t k = 0; k < N; ++k) off[k] += l.strides[k][d];
        break;
      }
      for (size_t k = 0; k < N; ++k) off[k] -= l.strides[k][d] * (l.shape[d] - 1);
      idx[d] = 0;
    }
  }
}

template <size_t N, class F>
void for_each_row(const Loop<N>& l, F&& f) {
  for_each_row(l, 0, l.rows(), f);
}

}  // namespace nash::kernels
