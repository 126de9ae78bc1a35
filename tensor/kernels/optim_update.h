// The optimisers' one-pass updates (Adam/AdamW, RMSprop, SGD): one loop over a parameter's
// contiguous data that reads its gradient and updates the parameter and its state tensors element
// by element, with no temporary tensors. Each update is written once, as a generic lambda that
// runs on xsimd batches (the vector body) and on plain floats or doubles (the scalar tail, which
// is also the reference the tests compare against). Every operation in it rounds as the tensor op
// it replaces (x * s as mul_, x + y as add_, mul_add as axpy_), so an update is bitwise the one
// composed from tensor ops.
//
// Shapes: p, g and every state tensor hold the same n elements (any shape, p's).
//
//   kernels::sgd_update_("SGD", p, g, buffer, {.lr = 0.01, .momentum = 0.9});
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "tensor/kernels/functors.h"
#include "tensor/kernels/map.h"
#include "tensor/tensor.h"

namespace nash::kernels {

// ---- the batch and the multiply-add --------------------------------------------------------------
// The updates run on the widest xsimd batch whose fma is one fused instruction. xsimd 8.1 has no
// AVX-512 fma (its generic one is x * y + z, which the compiler may or may not fuse, and may fuse
// with the wrong product), so on AVX-512 targets the updates use AVX2 + FMA3 batches: the loop is
// memory-bound and runs as fast (bench/bench_optim.cpp).
#if XSIMD_WITH_AVX512F && XSIMD_WITH_FMA3_AVX2
using OptimArch = xsimd::fma3<xsimd::avx2>;
#else
using OptimArch = xsimd::default_arch;
#endif
template <class T>
using OptimBatch = xsimd::batch<T, OptimArch>;
template <class T>
inline constexpr int64_t kOptimWidth = static_cast<int64_t>(OptimBatch<T>::size);

// c + a b, rounded as the tensor ops' axpy_ (x += alpha y) rounds it. The compiler fuses that
// multiply-add into one FMA wherever the target has FMA instructions, so mul_add does so
// explicitly there (std::fma, xsimd::fma on an FMA3 batch: the instruction, which nothing fuses
// further), and multiplies then adds elsewhere. Every multiply-add of an update goes through it:
// in a plain `x * s + y * t` the compiler may fuse either product, and the update would not round
// like the tensor ops. mul_add(V(1), y, x * s) is x * s + y with the product rounded on its own.
template <class V>
V mul_add(const V& a, const V& b, const V& c) {
#ifdef __FMA__
  if constexpr (std::is_floating_point_v<V>) return std::fma(a, b, c);
  else return xsimd::fma(a, b, c);
#else
  return a * b + c;  // no FMA instructions: nothing is fused
#endif
}

// ---- one step's numbers, and each update's element function ------------------------------------
// make_*_element<T>(step) returns f(g, p, s...): g read (a copy), p and the state slots s read and
// written, for V = OptimBatch<T> and V = T alike. Constants are rounded to T once, here.

// Adam (torch's single-tensor algorithm); AdamW with `decoupled`. t is the step count (1 first).
struct AdamStep {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool amsgrad = false, maximize = false, decoupled = false;
  int64_t t = 1;
};
template <class T>
auto make_adam_element(const AdamStep& s) {
  const bool maximize = s.maximize, decay = s.weight_decay != 0.0, amsgrad = s.amsgrad;
  const bool decoupled = s.decoupled;
  const double bias_correction1 = 1.0 - std::pow(s.beta1, static_cast<double>(s.t));
  const double bias_correction2 = 1.0 - std::pow(s.beta2, static_cast<double>(s.t));
  const T wd = T(s.weight_decay), shrink = T(1.0 - s.lr * s.weight_decay);
  const T beta1 = T(s.beta1), rest1 = T(1.0 - s.beta1);
  const T beta2 = T(s.beta2), rest2 = T(1.0 - s.beta2);
  const T bc2_sqrt = T(std::sqrt(bias_correction2)), eps = T(s.eps);
  const T neg_step = T(-(s.lr / bias_correction1));
  return [=](auto g, auto& p, auto& m, auto& v, auto& v_max) {
    using V = decltype(g);
    if (maximize) g = -g;
    if (decay) {
      if (decoupled) p = p * V(shrink);  // AdamW: p *= 1 - lr wd
      else g = mul_add(V(wd), p, g);      // Adam: g + wd p
    }
    m = mul_add(V(rest1), g, m * V(beta1));      // m = beta1 m + (1 - beta1) g
    v = mul_add(V(rest2), g * g, v * V(beta2));  // v = beta2 v + (1 - beta2) g^2
    V v_hat = v;
    if (amsgrad) v_hat = v_max = fn::maximum(v_max, v);  // the running maximum
    const V denom = xsimd::sqrt(v_hat) / V(bc2_sqrt) + V(eps);  // sqrt(v_hat) / sqrt(bc2) + eps
    p = mul_add(V(neg_step), m / denom, p);  // p -= lr / bc1 * m / denom
  };
}

// RMSprop (torch's single-tensor algorithm).
struct RMSpropStep {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0.0, momentum = 0.0;
  bool centered = false, maximize = false;
};
template <class T>
auto make_rmsprop_element(const RMSpropStep& s) {
  const bool maximize = s.maximize, decay = s.weight_decay != 0.0, centered = s.centered;
  const bool momentum = s.momentum > 0.0;
  const T wd = T(s.weight_decay), alpha = T(s.alpha), rest = T(1.0 - s.alpha);
  const T eps = T(s.eps), mu = T(s.momentum), neg_lr = T(-s.lr);
  return [=](auto g, auto& p, auto& v, auto& a, auto& b) {
    using V = decltype(g);
    if (maximize) g = -g;
    if (decay) g = mul_add(V(wd), p, g);  // g + wd p
    v = mul_add(V(rest), g * g, v * V(alpha));  // v = alpha v + (1 - alpha) g^2
    V d;
    if (centered) {
      a = mul_add(V(rest), g, a * V(alpha));       // a = alpha a + (1 - alpha) g
      d = xsimd::sqrt(mul_add(V(-1), a * a, v));  // sqrt(v - a^2)
    } else {
      d = xsimd::sqrt(v);
    }
    d = d + V(eps);
    if (momentum) {
      b = mul_add(V(1), g / d, b * V(mu));  // b = momentum b + g / d
      p = mul_add(V(neg_lr), b, p);          // p -= lr b
    } else {
      p = mul_add(V(neg_lr), g / d, p);  // p -= lr g / d
    }
  };
}

// SGD (torch.optim.SGD). `first`: the momentum buffer is new and takes the gradient as it is.
struct SGDStep {
  double lr = 1e-2, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false, maximize = false, first = false;
};
template <class T>
auto make_sgd_element(const SGDStep& s) {
  const bool maximize = s.maximize, decay = s.weight_decay != 0.0, nesterov = s.nesterov;
  const bool momentum = s.momentum != 0.0, first = s.first;
  const T wd = T(s.weight_decay), mu = T(s.momentum), keep = T(1.0 - s.dampening);
  const T neg_lr = T(-s.lr);
  return [=](auto g, auto& p, auto& b) {
    using V = decltype(g);
    if (maximize) g = -g;
    if (decay) g = mul_add(V(wd), p, g);  // g + wd p
    if (momentum) {
      if (first) b = g;
      else b = mul_add(V(keep), g, b * V(mu));  // b = momentum b + (1 - dampening) g
      if (nesterov) g = mul_add(V(mu), b, g);  // g + momentum b
      else g = b;
    }
    p = mul_add(V(neg_lr), g, p);  // p -= lr g
  };
}

// ---- the loop -------------------------------------------------------------------------------------
namespace detail {
template <class V, class T>
V load(const T* q, int64_t i) {
  if constexpr (std::is_same_v<V, T>) return q[i];
  else return V::load_unaligned(q + i);
}

template <class V, class T>
void store(const V& v, T* q, int64_t i) {
  if constexpr (std::is_same_v<V, T>) q[i] = v;
  else v.store_unaligned(q + i);
}

// One step of the loop at element i, V = OptimBatch<T> (kOptimWidth<T> elements) or T (one). A
// null state pointer is a slot the update does not use: it sees a zero and nothing is stored.
template <class V, class T, class F, size_t K, size_t... I>
void update_at(int64_t i, const F& f, const T* g, T* p, const std::array<T*, K>& s,
               std::index_sequence<I...>) {
  V pv = load<V>(p, i);
  std::array<V, K> sv{(s[I] ? load<V>(s[I], i) : V(T(0)))...};
  f(load<V>(g, i), pv, sv[I]...);
  store(pv, p, i);
  ((s[I] ? store(sv[I], s[I], i) : void()), ...);
}
}  // namespace detail

// f over elements [0, n): the vector body, then the scalar tail with the same f.
template <class T, class F, size_t K>
void update_elements(int64_t n, const F& f, const T* g, T* p, const std::array<T*, K>& s) {
  constexpr int64_t W = kOptimWidth<T>;
  constexpr auto I = std::make_index_sequence<K>{};
  int64_t i = 0;
  for (; i + W <= n; i += W) detail::update_at<OptimBatch<T>>(i, f, g, p, s, I);
  for (; i < n; ++i) detail::update_at<T>(i, f, g, p, s, I);
}

// The reference: f over elements [0, n) one at a time, on T.
template <class T, class F, size_t K>
void update_elements_scalar(int64_t n, const F& f, const T* g, T* p, const std::array<T*, K>& s) {
  for (int64_t i = 0; i < n; ++i)
    detail::update_at<T>(i, f, g, p, s, std::make_index_sequence<K>{});
}

// ---- the tensor ops ---------------------------------------------------------------------------------
// Each updates p in place from its gradient g (same shape and dtype, float32 or float64) and the
// state tensors, which are contiguous and shaped like p (an undefined one is an unused slot: v_max
// without amsgrad, a or b without centered or momentum). p and g may be any views (p is then
// updated through a contiguous copy); a g sharing storage with p or a state tensor is copied
// first. Every written tensor's version is bumped, as autograd's checks expect. `op` names the
// optimiser in errors.
void adam_update_(const char* op, Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor& v_max,
                  const AdamStep& step);
void rmsprop_update_(const char* op, Tensor& p, const Tensor& g, Tensor& v, Tensor& a, Tensor& b,
                     const RMSpropStep& step);
void sgd_update_(const char* op, Tensor& p, const Tensor& g, Tensor& b, const SGDStep& step);

}  // namespace nash::kernels
