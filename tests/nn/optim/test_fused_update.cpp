// The fused optimizer updates (tensor/kernels/optim_update.h) against the same updates composed from tensor
// ops, as the optimizers were written before they were fused: bitwise equal parameters and state
// after every step, for float32 and float64, lengths around the SIMD width (vector body and
// scalar tail), strided parameter and gradient views, and every option that changes the update.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/optim.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::nn::optim;

namespace {

// ---- the reference: each update composed from whole-tensor ops ---------------------------------
template <class O>
void adam_reference(Tensor& p, const Tensor& grad, ParamState& state, const O& o, bool decoupled) {
  Tensor g = o.maximize ? neg(grad) : grad;
  const int64_t t = increment_step(state);
  if (o.weight_decay != 0.0) {
    if (decoupled) {
      mul_(p, 1.0 - o.lr * o.weight_decay);
    } else {
      g = g.clone();
      axpy_(g, o.weight_decay, p);
    }
  }
  Tensor& m = state_tensor(state, "exp_avg", p);
  Tensor& v = state_tensor(state, "exp_avg_sq", p);
  mul_(m, o.beta1);
  axpy_(m, 1.0 - o.beta1, g);
  mul_(v, o.beta2);
  axpy_(v, 1.0 - o.beta2, square(g));
  const double bias_correction1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
  const double bias_correction2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
  Tensor v_hat = v;
  if (o.amsgrad) {
    Tensor& v_max = state_tensor(state, "max_exp_avg_sq", p);
    copy_(v_max, maximum(v_max, v));
    v_hat = v_max;
  }
  Tensor denom = div(sqrt(v_hat), std::sqrt(bias_correction2));
  add_(denom, o.eps);
  axpy_(p, -(o.lr / bias_correction1), div(m, denom));
}

void rmsprop_reference(Tensor& p, const Tensor& grad, ParamState& state, const RMSpropOptions& o) {
  Tensor g = o.maximize ? neg(grad) : grad;
  increment_step(state);
  if (o.weight_decay != 0.0) {
    g = g.clone();
    axpy_(g, o.weight_decay, p);
  }
  Tensor& v = state_tensor(state, "square_avg", p);
  mul_(v, o.alpha);
  axpy_(v, 1.0 - o.alpha, square(g));
  Tensor d;
  if (o.centered) {
    Tensor& a = state_tensor(state, "grad_avg", p);
    mul_(a, o.alpha);
    axpy_(a, 1.0 - o.alpha, g);
    d = v.clone();
    axpy_(d, -1.0, square(a));
    d = sqrt(d);
  } else {
    d = sqrt(v);
  }
  add_(d, o.eps);
  if (o.momentum > 0.0) {
    Tensor& b = state_tensor(state, "momentum_buffer", p);
    mul_(b, o.momentum);
    add_(b, div(g, d));
    axpy_(p, -o.lr, b);
  } else {
    axpy_(p, -o.lr, div(g, d));
  }
}

void sgd_reference(Tensor& p, const Tensor& grad, ParamState& state, const SGDOptions& o) {
  Tensor g = o.maximize ? neg(grad) : grad;
  if (o.weight_decay != 0.0) {
    g = g.clone();
    axpy_(g, o.weight_decay, p);
  }
  if (o.momentum != 0.0) {
    auto it = state.find("momentum_buffer");
    if (it == state.end()) {
      it = state.emplace("momentum_buffer", g.clone()).first;
    } else {
      mul_(it->second, o.momentum);
      axpy_(it->second, 1.0 - o.dampening, g);
    }
    if (o.nesterov) {
      g = g.clone();
      axpy_(g, o.momentum, it->second);
    } else {
      g = it->second;
    }
  }
  axpy_(p, -o.lr, g);
}

// ---- the comparison ----------------------------------------------------------------------------
using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Variable>)>;
using Reference = std::function<void(Tensor& p, const Tensor& g, ParamState& state)>;

template <class O, class Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<Variable> ps) { return std::make_unique<O>(std::move(ps), options); };
}

// [2, n] values in dtype; a transposed [n, 2] tensor (a strided view) when `strided`.
Tensor values(int64_t n, bool strided, DType dtype, Rng& rng) {
  if (strided) return normal({n, 2}, 0.0, 1.0, rng, dtype).t();
  return normal({2, n}, 0.0, 1.0, rng, dtype);
}

// Four steps of the optimizer and of the reference from the same parameter and gradients.
void require_same_steps(const std::string& label, const MakeOptimizer& make_optimizer,
                        const Reference& reference) {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (int64_t n : {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 53}) {
      for (bool strided : {false, true}) {
        INFO(label << ", " << dtype_name(dtype) << ", n " << n << (strided ? ", strided" : ""));
        Rng rng(static_cast<uint64_t>(1000 * n + (strided ? 1 : 0)));
        Variable p(values(n, strided, dtype, rng), true);
        Tensor p_ref = p.value().clone();
        ParamState state_ref;
        auto opt = make_optimizer({p});
        for (int step = 0; step < 4; ++step) {
          const Tensor g = values(n, strided, dtype, rng);
          p.set_grad(Variable(g));
          opt->step();
          reference(p_ref, g, state_ref);
          INFO("step " << step << ": p " << p.value() << ", reference " << p_ref);
          REQUIRE(equal(p.value(), p_ref));
          const ParamState& state = opt->state(0);
          REQUIRE(state.size() == state_ref.size());
          for (const auto& [key, t] : state_ref) {
            INFO("state " << key << ": " << state.at(key) << ", reference " << t);
            REQUIRE(state.count(key) == 1);
            REQUIRE(equal(state.at(key), t));
          }
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("fused Adam and AdamW equal the composed update bitwise", "[nn][optim]") {
  const AdamOptions adam_cases[] = {
      {.lr = 1e-2},
      {.lr = 0.1, .beta1 = 0.5, .weight_decay = 0.1, .maximize = true},
      {.lr = 0.05, .eps = 1e-3, .weight_decay = 0.2, .amsgrad = true},
  };
  for (const AdamOptions& o : adam_cases)
    require_same_steps("Adam", make<Adam>(o), [o](Tensor& p, const Tensor& g, ParamState& s) {
      adam_reference(p, g, s, o, false);
    });
  const AdamWOptions adamw_cases[] = {{.lr = 1e-2}, {.lr = 0.1, .amsgrad = true, .maximize = true}};
  for (const AdamWOptions& o : adamw_cases)
    require_same_steps("AdamW", make<AdamW>(o), [o](Tensor& p, const Tensor& g, ParamState& s) {
      adam_reference(p, g, s, o, true);
    });
}

TEST_CASE("fused RMSprop equals the composed update bitwise", "[nn][optim]") {
  const RMSpropOptions cases[] = {
      {.lr = 1e-2},
      {.lr = 0.05, .alpha = 0.9, .weight_decay = 0.1, .momentum = 0.8},
      {.lr = 0.05, .eps = 1e-4, .centered = true, .maximize = true},
      {.lr = 0.01, .weight_decay = 0.05, .momentum = 0.5, .centered = true},
  };
  for (const RMSpropOptions& o : cases)
    require_same_steps("RMSprop", make<RMSprop>(o), [o](Tensor& p, const Tensor& g, ParamState& s) {
      rmsprop_reference(p, g, s, o);
    });
}

TEST_CASE("fused SGD equals the composed update bitwise", "[nn][optim]") {
  const SGDOptions cases[] = {
      {.lr = 0.1},
      {.lr = 0.1, .momentum = 0.9, .dampening = 0.3, .maximize = true},
      {.lr = 0.05, .momentum = 0.8, .weight_decay = 0.01, .nesterov = true},
  };
  for (const SGDOptions& o : cases)
    require_same_steps("SGD", make<SGD>(o), [o](Tensor& p, const Tensor& g, ParamState& s) {
      sgd_reference(p, g, s, o);
    });
}

TEST_CASE("fused update: a gradient that is the parameter itself, and version bumps", "[nn][optim]") {
  // p's gradient shares p's storage: it is read in full before p is written (p -= 0.5 p).
  Variable p(from_vector(std::vector<float>{2, -4, 8}, {3}), true);
  p.set_grad(Variable(p.value()));
  SGD opt({p}, {.lr = 0.5});
  const uint64_t before = p.value().storage()->version();
  opt.step();
  REQUIRE(p.value().values<float>() == std::vector<float>{1, -2, 4});
  REQUIRE(p.value().storage()->version() > before);  // autograd sees the in-place write
}
