// The optimiser updates as tensor ops: checks, contiguous working copies and version bumps
// around the element loops of tensor/kernels/optim_update.h.
#include "tensor/kernels/optim_update.h"

#include "tensor/ops.h"

namespace nash::kernels {

namespace {

// Runs make_element<T>(step) over p's elements with g and the state tensors (see the header).
template <class MakeElement, class... State>
void run_update(const char* op, Tensor& p, const Tensor& g, MakeElement&& make_element,
                State&... state) {
  static_assert((std::is_same_v<State, Tensor> && ...), "run_update: state Tensors");
  NASH_CHECK(p.defined() && g.defined(), op, ": undefined parameter or gradient");
  NASH_CHECK(p.dtype() != DType::Int64 && p.dtype() == g.dtype() && p.shape() == g.shape(), op,
             ": the gradient ", dtype_name(g.dtype()), " ", g.shape(),
             " does not match its float parameter ", dtype_name(p.dtype()), " ", p.shape());
  for (const Tensor* s : {&state...})
    NASH_CHECK(!s->defined() || (s->is_contiguous() && s->shape() == p.shape() &&
                                 s->dtype() == p.dtype()),
               op, ": a state tensor ", dtype_name(s->dtype()), " ", s->shape(),
               " is not a contiguous tensor shaped like its parameter ", dtype_name(p.dtype()),
               " ", p.shape());
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
    update_elements(work.numel(), make_element(tag), grad.data<T>(), work.data<T>(), s);
  };
  if (work.dtype() == DType::Float32) run(float{});
  else run(double{});
  work.storage()->bump_version();  // an in-place write, as autograd's version checks expect
  for (const Tensor* s : {&state...})
    if (s->defined()) s->storage()->bump_version();
  if (!work.shares_storage(p)) copy_(p, work);
}

}  // namespace

void adam_update_(const char* op, Tensor& p, const Tensor& g, Tensor& m, Tensor& v, Tensor& v_max,
                  const AdamStep& step) {
  run_update(op, p, g, [&](auto tag) { return make_adam_element<decltype(tag)>(step); }, m, v,
             v_max);
}

void rmsprop_update_(const char* op, Tensor& p, const Tensor& g, Tensor& v, Tensor& a, Tensor& b,
                     const RMSpropStep& step) {
  run_update(op, p, g, [&](auto tag) { return make_rmsprop_element<decltype(tag)>(step); }, v, a,
             b);
}

void sgd_update_(const char* op, Tensor& p, const Tensor& g, Tensor& b, const SGDStep& step) {
  run_update(op, p, g, [&](auto tag) { return make_sgd_element<decltype(tag)>(step); }, b);
}

}  // namespace nash::kernels
