// fma(a, b, c) = a b + c rounded once, for xsimd batches and plain floats/doubles alike: the
// multiply-add that rounds as the tensor ops' axpy_ (x += alpha y), which the compiler fuses into
// one FMA wherever the target has FMA instructions. Kernels that must round exactly as the
// tensor ops do (the optimiser updates) use it for every multiply-add: in a plain
// `x * s + y * t` the compiler may fuse either product.
//
// xsimd 8.1 covers every target but AVX-512, where its fma is a multiply then an add that the
// compiler may or may not fuse. For those batches this is the one place nash goes below xsimd:
// the AVX-512 FMA instruction on the batch's register. Without FMA instructions nothing is fused.
#pragma once
#include <cmath>
#include <type_traits>

#include "tensor/kernels/map.h"

namespace nash::kernels {

template <class V>
V fma(const V& a, const V& b, const V& c) {
#ifdef __FMA__
  if constexpr (std::is_floating_point_v<V>) {
    return std::fma(a, b, c);
  } else if constexpr (sizeof(V) == 64) {  // an AVX-512 batch
    if constexpr (std::is_same_v<scalar_of_t<V>, float>) return _mm512_fmadd_ps(a, b, c);
    else return _mm512_fmadd_pd(a, b, c);
  } else {
    return xsimd::fma(a, b, c);  // AVX2 / SSE4.2 with FMA3: the instruction
  }
#else
  return a * b + c;
#endif
}

}  // namespace nash::kernels
