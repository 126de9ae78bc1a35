// The optimisers' one-pass updates (Adam/AdamW, RMSprop, SGD): one loop over a parameter's
// contiguous data that reads its gradient and updates the parameter and its state tensors element
// by element, with no temporary tensors. Each update is written once, as a generic lambda that
// runs on xsimd batches (the vector body) and on plain floats or doubles (the scalar tail, which
// is also the reference the tests compare against). Every operation in it rounds as the tensor op
// it replaces: x * s as mul_, x + y as add_, fma(a, b, c) = a b + c rounded once (kernels/fma.h)
// as axpy_, and fma(V(1), y, x * s) as x * s + y with the product rounded on its own. So an
// update is bitwise the one composed from tensor ops.
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

#include "tensor/kernels/fma.h"
#include "tensor/kernels/functors.h"
#include "tensor/kernels/map.h"
#include "tensor/tensor.h"

namespace nash::kernels {

// ---- one step's numbers, and each update's element function ------------------------------------
// make_*_element<T>(step) returns f(g, p, s...): g read (a copy), p and the state slots s read and
// written, for V = Batch<T> and V = T alike. Constants are rounded to T once, here. Every
// multiply-add is kernels::fma, spelled out: unqualified, a batch would find xsimd::fma.

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
      else g = kernels::fma(V(wd), p, g);      // Adam: g + wd p
    }
    m = kernels::fma(V(rest1), g, m * V(beta1));      // m = beta1 m + (1 - beta1) g
    v = kernels::fma(V(rest2), g * g, v * V(beta2));  // v = beta2 v + (1 - beta2) g^2
    V v_hat = v;
    if (amsgrad) v_hat = v_max = fn::maximum(v_max, v);  // the running maximum
    const V denom = xsimd::sqrt(v_hat) / V(bc2_sqrt) + V(eps);  // sqrt(v_hat) / sqrt(bc2) + eps
    p = kernels::fma(V(neg_step), m / denom, p);  // p -= lr / bc1 * m / denom
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
    if (decay) g = kernels::fma(V(wd), p, g);  // g + wd p
    v = kernels::fma(V(rest), g * g, v * V(alpha));  // v = alpha v + (1 - alpha) g^2
    V d;
    if (centered) {
      a = kernels::fma(V(rest), g, a * V(alpha));       // a = alpha a + (1 - alpha) g
      d = xsimd::sqrt(kernels::fma(V(-1), a * a, v));  // sqrt(v - a^2)
    } else {
      d = xsimd::sqrt(v);
    }
    d = d + V(eps);
    if (momentum) {
      b = kernels::fma(V(1), g / d, b * V(mu));  // b = momentum b + g / d
      p = kernels::fma(V(neg_lr), b, p);          // p -= lr b
    } else {
      p = kernels::fma(V(neg_lr), g / d, p);  // p -= lr g / d
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
    if (decay) g = kernels::fma(V(wd), p, g);  // g + wd p
    if (momentum) {
      if (first) b = g;
      else b = kernels::fma(V(keep), g, b * V(mu));  // b = momentum b + (1 - dampening) g
      if (nesterov) g = kernels::fma(V(mu), b, g);  // g + momentum b
      else g = b;
    }
    p = kernels::fma(V(neg_lr), g, p);  // p -= lr g
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

// One step of the loop at element i, V = Batch<T> (kWidth<T> elements) or T (one). A
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
  constexpr int64_t W = kWidth<T>;
  constexpr auto I = std::make_index_sequence<K>{};
  int64_t i = 0;
  for (; i + W <= n; i += W) detail::update_at<Batch<T>>(i, f, g, p, s, I);
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
