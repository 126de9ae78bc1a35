// The optimizers' update loop: one pass over a parameter's contiguous data that reads its
// gradient and updates the parameter and its state tensors element by element, with no
// temporary tensors. Each optimizer writes its update once, as a generic lambda that runs on
// xsimd batches (the vector body) and on plain floats or doubles (the scalar tail, which is also
// the reference). Every operation in it rounds as the tensor op it replaces (x * s as mul_,
// x + y as add_, mul_add as axpy_), so an update is bitwise the one composed from tensor ops.
//
//   fused_update("SGD", p, g, [&](auto tag) {
//     using T = decltype(tag);                 // float or double: constants rounded once
//     const T mu = T(o.momentum), neg_lr = T(-o.lr);
//     return [=](auto g, auto& p, auto& b) {   // g read; p and b read and written
//       using V = decltype(g);                 // batch<T> or T
//       b = mul_add(V(1), g, b * V(mu));       // b = momentum b + g
//       p = mul_add(V(neg_lr), b, p);          // p -= lr b
//     };
//   }, b);
#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "tensor/kernels/map.h"
#include "tensor/ops.h"

namespace nash::nn::optim {

// c + a b, rounded as the tensor ops' axpy_ (x += alpha y) rounds it. The compiler fuses that
// multiply-add into one FMA wherever the target has FMA instructions, so mul_add does so
// explicitly there (the hardware instruction, which nothing fuses further), and multiplies then
// adds elsewhere. Every multiply-add of an update goes through it: in a plain `x * s + y * t` the
// compiler may fuse either product, and the update would not round like the tensor ops.
// mul_add(V(1), y, x * s) is x * s + y with the product rounded on its own (1 y is exact).
template <class V>
V mul_add(const V& a, const V& b, const V& c) {
#ifdef __FMA__
  if constexpr (std::is_floating_point_v<V>) {
    return std::fma(a, b, c);
  } else if constexpr (sizeof(V) == 64) {
    // xsimd 8.1 has no AVX-512 fma (its generic one is x * y + z): the intrinsic, on the
    // batch's native register.
    if constexpr (std::is_same_v<kernels::scalar_of_t<V>, float>) return _mm512_fmadd_ps(a, b, c);
    else return _mm512_fmadd_pd(a, b, c);
  } else {
    return xsimd::fma(a, b, c);  // AVX2 / SSE4.2 with FMA3: the instruction
  }
#else
  return a * b + c;  // no FMA instructions: nothing is fused
#endif
}

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

// One step of the loop at element i, V = batch<T> (kWidth<T> elements) or T (one). A null state
// pointer is a slot the update does not use: it sees a zero and nothing is stored.
template <class V, class T, class F, size_t K, size_t... I>
void update_at(int64_t i, const F& f, const T* g, T* p, const std::array<T*, K>& s,
               std::index_sequence<I...>) {
  V pv = load<V>(p, i);
  std::array<V, K> sv{(s[I] ? load<V>(s[I], i) : V(T(0)))...};
  f(load<V>(g, i), pv, sv[I]...);
  store(pv, p, i);
  ((s[I] ? store(sv[I], s[I], i) : void()), ...);
}

// f over elements [0, n): the vector body, then the scalar tail with the same f.
template <class T, class F, size_t K>
void update_elements(int64_t n, const F& f, const T* g, T* p, const std::array<T*, K>& s) {
  constexpr int64_t W = kernels::kWidth<T>;
  constexpr auto I = std::make_index_sequence<K>{};
  int64_t i = 0;
  for (; i + W <= n; i += W) update_at<kernels::Batch<T>>(i, f, g, p, s, I);
  for (; i < n; ++i) update_at<T>(i, f, g, p, s, I);
}

}  // namespace detail

// Updates p in place from its gradient g (same shape and dtype, as Optimizer::step checks) and
// the state tensors shaped like p; an undefined state tensor is an unused slot. make_kernel(T{})
// for T = float or double returns the element update f(g, p, s...) described above. p and g may
// be any views (p is then updated through a contiguous copy); state tensors are contiguous, as
// state_tensor and load_state_dict make them.
template <class MakeKernel, class... State>
void fused_update(const char* op, Tensor& p, const Tensor& g, MakeKernel&& make_kernel,
                  State&... state) {
  static_assert(sizeof...(State) > 0 && (std::is_same_v<State, Tensor> && ...),
                "fused_update: one or more state Tensors");
  for (const Tensor* s : {&state...})
    NASH_CHECK(!s->defined() || (s->is_contiguous() && s->shape() == p.shape()), op,
               ": a state tensor ", s->shape(), " is not a contiguous tensor shaped like its "
               "parameter ", p.shape());
  Tensor work = p.is_contiguous() ? p : p.contiguous();
  // The gradient is read element by element as p is written: a g that shares p's (or a state
  // tensor's) storage is copied first, like the in-place tensor ops do.
  bool shared = g.shares_storage(work);
  for (const Tensor* s : {&state...}) shared = shared || (s->defined() && g.shares_storage(*s));
  const Tensor grad = shared ? g.clone() : g.contiguous();
  const auto run = [&](auto tag) {
    using T = decltype(tag);
    const std::array<T*, sizeof...(State)> s{
        (state.defined() ? state.template data<T>() : nullptr)...};
    detail::update_elements(work.numel(), make_kernel(tag), grad.data<T>(), work.data<T>(), s);
  };
  if (work.dtype() == DType::Float32) run(float{});
  else run(double{});
  work.storage()->bump_version();  // an in-place write, as autograd's version checks expect
  for (const Tensor* s : {&state...})
    if (s->defined()) s->storage()->bump_version();
  if (!work.shares_storage(p)) copy_(p, work);
}

}  // namespace nash::nn::optim
