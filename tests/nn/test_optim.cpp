// Optimizers against PyTorch, state-dict round trips, and the clipping utilities.
//
// The expected parameters below were computed with PyTorch 1.13.1 (Debian python3-torch,
// torch.optim.SGD/Adam/AdamW/RMSprop, single-tensor path) by this script, float64 unless noted:
//   c = [1, 0.5, 2]; d = [0.1, -0.3, 0.2]; p = [1, -2, 0.5]; q = [3, 4] (never gets a gradient)
//   5 times: opt.zero_grad(); (0.5 * c * p * p + d * p).sum().backward(); opt.step()
//   print(p.tolist())
// with the options written in each case.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include <unistd.h>

#include "autograd/ops.h"
#include "nn/optim.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::nn::optim;
using Catch::Matchers::Contains;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Variable>)>;

// Runs the reference problem; returns p after `steps` steps and checks q never moved.
std::vector<double> run_problem(const MakeOptimizer& make, DType dtype = DType::Float64,
                                int steps = 5) {
  Tensor c = from_vector(std::vector<double>{1.0, 0.5, 2.0}, {3}).to(dtype);
  Tensor d = from_vector(std::vector<double>{0.1, -0.3, 0.2}, {3}).to(dtype);
  Variable p(from_vector(std::vector<double>{1.0, -2.0, 0.5}, {3}).to(dtype), true);
  Variable q(from_vector(std::vector<double>{3.0, 4.0}, {2}).to(dtype), true);
  auto opt = make({p, q});
  for (int i = 0; i < steps; ++i) {
    opt->zero_grad();
    Variable loss = sum(Variable(c) * p * p * 0.5 + Variable(d) * p);  // grad = c p + d
    loss.backward();
    opt->step();
  }
  REQUIRE(q.value().to_vector() == std::vector<double>{3.0, 4.0});  // skipped: no gradient
  REQUIRE(opt->state(1).empty());
  return p.value().to_vector();
}

void require_close(const std::vector<double>& got, const std::vector<double>& expected,
                   double rel) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    REQUIRE(std::abs(got[i] - expected[i]) <= rel * std::max(1.0, std::abs(expected[i])));
  }
}

template <class O, class Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<Variable> ps) { return std::make_unique<O>(std::move(ps), options); };
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nash_test_optim_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace

TEST_CASE("SGD matches torch.optim.SGD", "[nn]") {
  // SGD(lr=0.1)
  require_close(run_problem(make<SGD>(SGDOptions{.lr = 0.1})),
                {0.5495390000000001, -1.4118304375000001, 0.09660799999999997}, 1e-12);
  // SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
  require_close(run_problem(make<SGD>(SGDOptions{
                    .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true})),
                {-0.22076985574206567, -0.20168166615742225, -0.34911138753508486}, 1e-12);
  // SGD(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1, maximize=True)
  require_close(run_problem(make<SGD>(SGDOptions{.lr = 0.05,
                                                  .momentum = 0.8,
                                                  .dampening = 0.3,
                                                  .weight_decay = 0.1,
                                                  .maximize = true})),
                {1.4930374562986282, -2.5186790199808806, 1.1188367123066223}, 1e-12);
}

TEST_CASE("Adam and AdamW match torch.optim.Adam / AdamW", "[nn]") {
  // Adam(lr=0.1)
  require_close(run_problem(make<Adam>(AdamOptions{.lr = 0.1})),
                {0.5068637089650823, -1.5021190045482795, 0.019381494924545467}, 1e-12);
  // Adam(lr=0.1, eps=0.1, weight_decay=0.2): a large eps shows where it is added
  require_close(run_problem(make<Adam>(AdamOptions{.lr = 0.1, .eps = 0.1, .weight_decay = 0.2})),
                {0.5445153307824855, -1.530855402405648, 0.05717907056996557}, 1e-12);
  // Adam(lr=0.1, betas=(0.8, 0.9), weight_decay=0.05, amsgrad=True); without amsgrad the last
  // element would be 0.021413625261533467.
  require_close(run_problem(make<Adam>(AdamOptions{
                    .lr = 0.1, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.05, .amsgrad = true})),
                {0.5075056842321407, -1.5023734893409562, 0.023111865428795286}, 1e-12);
  // AdamW(lr=0.1): weight_decay defaults to 1e-2, decoupled
  require_close(run_problem(make<AdamW>(AdamWOptions{.lr = 0.1})),
                {0.5029620806005539, -1.4931859957348685, 0.018019716941990338}, 1e-12);
  // AdamW(lr=0.1, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True, maximize=True)
  require_close(run_problem(make<AdamW>(AdamWOptions{.lr = 0.1,
                                                      .beta1 = 0.5,
                                                      .beta2 = 0.9,
                                                      .weight_decay = 0.3,
                                                      .amsgrad = true,
                                                      .maximize = true})),
                {1.340407551687208, -2.1912709206005703, 0.920533100497217}, 1e-12);
  // float32: Adam(lr=0.1, amsgrad=True) on float32 tensors
  require_close(run_problem(make<Adam>(AdamOptions{.lr = 0.1, .amsgrad = true}), DType::Float32),
                {0.5068637132644653, -1.5021190643310547, 0.019381485879421234}, 2e-6);
}

TEST_CASE("RMSprop matches torch.optim.RMSprop", "[nn]") {
  // RMSprop() with torch's defaults: lr=1e-2, alpha=0.99, eps=1e-8
  require_close(run_problem(make<RMSprop>(RMSpropOptions{})),
                {0.6943897603192702, -1.6830962735687558, 0.21275367477461143}, 1e-12);
  // RMSprop(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.1)
  require_close(run_problem(make<RMSprop>(RMSpropOptions{.lr = 0.01,
                                                          .alpha = 0.9,
                                                          .weight_decay = 0.1,
                                                          .momentum = 0.9,
                                                          .centered = true})),
                {0.6645656415308238, -1.6587042361381437, 0.17426085904316327}, 1e-12);
}

TEST_CASE("optimizer defaults and option checks follow torch", "[nn]") {
  Variable p(zeros({2}), true);
  Adam adam({p});
  REQUIRE(adam.options().lr == 1e-3);
  REQUIRE(adam.options().beta1 == 0.9);
  REQUIRE(adam.options().beta2 == 0.999);
  REQUIRE(adam.options().eps == 1e-8);
  REQUIRE(adam.options().weight_decay == 0.0);
  REQUIRE(AdamW({p}).options().weight_decay == 1e-2);
  RMSprop rms({p});
  REQUIRE(rms.options().lr == 1e-2);
  REQUIRE(rms.options().alpha == 0.99);
  REQUIRE(rms.options().eps == 1e-8);

  adam.set_lr(0.5);
  REQUIRE(adam.lr() == 0.5);
  REQUIRE(adam.options().lr == 0.5);
  REQUIRE_THROWS_WITH(adam.set_lr(-1.0), Contains("Adam") && Contains("lr"));
  REQUIRE(adam.lr() == 0.5);

  REQUIRE_THROWS_WITH(SGD({p}, SGDOptions{.lr = 0.1, .nesterov = true}), Contains("nesterov"));
  REQUIRE_THROWS_WITH(Adam({p}, AdamOptions{.beta1 = 1.0}), Contains("beta1"));
  REQUIRE_THROWS_WITH(SGD({}, SGDOptions{}), Contains("empty parameter list"));
  REQUIRE_THROWS_WITH(SGD({p, p}, SGDOptions{}), Contains("more than once"));
  Variable non_leaf = Variable(zeros({2}), true) * 2.0;
  REQUIRE_THROWS_WITH(SGD({non_leaf}, SGDOptions{}), Contains("not a leaf"));
}

TEST_CASE("optimizer state round trip through safetensors is bitwise exact", "[nn]") {
  struct Case {
    const char* name;
    MakeOptimizer make;
  };
  std::vector<Case> cases = {
      {"SGD", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3,
                                   .nesterov = true})},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.01, .amsgrad = true})},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.01})},
      {"RMSprop", make<RMSprop>(RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true})},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Rng rng(5);
    Tensor target = normal({4, 3}, 0.0, 1.0, rng);
    Variable w(normal({4, 3}, 0.0, 1.0, rng), true), b(normal({3}, 0.0, 1.0, rng), true);
    Variable unused(zeros({2}), true);  // never stepped: no state, still round-trips
    auto train = [&](Optimizer& opt, Variable& w, Variable& b, int steps) {
      for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        sum(square(w - Variable(target)) + Variable(ones({4, 1})) * b * b).backward();
        opt.step();
      }
    };
    auto opt = c.make({w, b, unused});
    train(*opt, w, b, 3);
    const std::string path = temp_path(std::string(c.name) + ".safetensors");
    save_safetensors(path, opt->state_dict());
    Tensor w_saved = w.value().clone(), b_saved = b.value().clone();
    train(*opt, w, b, 4);

    Variable w2(w_saved, true), b2(b_saved, true), unused2(zeros({2}), true);
    auto fresh = c.make({w2, b2, unused2});
    fresh->set_lr(123.0);  // the file's options win
    fresh->load_state_dict(load_safetensors(path).tensors);
    std::remove(path.c_str());
    REQUIRE(fresh->lr() == opt->lr());
    train(*fresh, w2, b2, 4);
    REQUIRE(equal(w2.value(), w.value()));
    REQUIRE(equal(b2.value(), b.value()));
    REQUIRE(fresh->state(2).empty());
  }
}

TEST_CASE("optimizer state dict names and load errors", "[nn]") {
  Variable p(ones({2, 2}), true), q(ones({3}), true);
  Adam opt({p, q}, AdamOptions{.lr = 0.1});
  sum(p * p).backward();  // q gets no gradient
  opt.step();
  NamedTensors sd = opt.state_dict();
  auto find = [](const NamedTensors& d, const std::string& n) -> const Tensor* {
    for (const auto& [name, t] : d)
      if (name == n) return &t;
    return nullptr;
  };
  REQUIRE(find(sd, "state.0.step") != nullptr);
  REQUIRE(find(sd, "state.0.step")->dtype() == DType::Int64);
  REQUIRE(find(sd, "state.0.step")->item() == 1.0);
  REQUIRE(find(sd, "state.0.exp_avg")->shape() == Shape{2, 2});
  REQUIRE(find(sd, "state.0.exp_avg_sq") != nullptr);
  REQUIRE(find(sd, "state.0.max_exp_avg_sq") == nullptr);  // amsgrad off
  REQUIRE(find(sd, "state.1.step") == nullptr);            // never stepped
  REQUIRE(find(sd, "param_groups.0.lr")->item() == 0.1);
  REQUIRE(find(sd, "param_groups.0.beta2")->item() == 0.999);
  REQUIRE(find(sd, "param_groups.0.params")->numel() == 2);

  auto with = [&](const std::string& name, Tensor t) {
    NamedTensors d = sd;
    for (auto& [n, v] : d)
      if (n == name) v = t;
    return d;
  };
  auto without = [&](const std::string& name) {
    NamedTensors d;
    for (auto& [n, v] : sd)
      if (n != name) d.emplace_back(n, v);
    return d;
  };
  auto plus = [&](const std::string& name, Tensor t) {
    NamedTensors d = sd;
    d.emplace_back(name, t);
    return d;
  };
  Variable p2(full({2, 2}, 7.0), true), q2(full({3}, 7.0), true);
  Adam fresh({p2, q2}, AdamOptions{.lr = 0.3});
  auto unchanged = [&] {
    REQUIRE(fresh.lr() == 0.3);
    REQUIRE(fresh.state(0).empty());
  };
  REQUIRE_THROWS_WITH(fresh.load_state_dict(with("state.0.exp_avg", zeros({4}))),
                      Contains("Adam.load_state_dict") && Contains("'state.0.exp_avg'") &&
                          Contains("[4]") && Contains("[2, 2]"));
  unchanged();
  REQUIRE_THROWS_WITH(fresh.load_state_dict(without("state.0.exp_avg_sq")),
                      Contains("missing key 'state.0.exp_avg_sq'"));
  unchanged();
  REQUIRE_THROWS_WITH(fresh.load_state_dict(without("param_groups.0.eps")),
                      Contains("missing key 'param_groups.0.eps'"));
  REQUIRE_THROWS_WITH(fresh.load_state_dict(plus("state.0.momentum_buffer", zeros({2, 2}))),
                      Contains("unexpected key 'state.0.momentum_buffer'"));
  REQUIRE_THROWS_WITH(fresh.load_state_dict(plus("state.5.step", zeros({}, DType::Int64))),
                      Contains("'state.5.step'") && Contains("2 parameters"));
  REQUIRE_THROWS_WITH(fresh.load_state_dict(plus("param_groups.0.momentum", zeros({}))),
                      Contains("unexpected key 'param_groups.0.momentum'"));
  REQUIRE_THROWS_WITH(fresh.load_state_dict(with("param_groups.0.amsgrad", full({}, 0.5))),
                      Contains("amsgrad") && Contains("0.5"));
  // amsgrad on in the file: the state must then hold max_exp_avg_sq
  REQUIRE_THROWS_WITH(fresh.load_state_dict(with("param_groups.0.amsgrad", ones({}))),
                      Contains("missing key 'state.0.max_exp_avg_sq'"));
  REQUIRE_THROWS_WITH(fresh.load_state_dict(with("state.0.step", zeros({}))),
                      Contains("'state.0.step'") && Contains("int64"));
  Variable r(ones({2, 2}), true);
  Adam other({r}, AdamOptions{});
  REQUIRE_THROWS_WITH(other.load_state_dict(sd), Contains("2 parameters") && Contains("has 1"));
  unchanged();

  // An SGD state does not load into Adam.
  SGD sgd({p, q}, SGDOptions{.lr = 0.1, .momentum = 0.9});
  REQUIRE_THROWS_WITH(fresh.load_state_dict(sgd.state_dict()), Contains("Adam.load_state_dict"));
  unchanged();
  fresh.load_state_dict(sd);
  REQUIRE(fresh.lr() == 0.1);
  REQUIRE(equal(fresh.state(0).at("exp_avg"), opt.state(0).at("exp_avg")));
}

TEST_CASE("clip_grad_norm_ returns the total norm and scales exactly", "[nn]") {
  Variable a(zeros({2}), true), b(zeros({1}), true), none(zeros({4}), true);
  auto set = [&](std::vector<float> ga, std::vector<float> gb) {
    a.set_grad(Variable(from_vector(ga, {2})));
    b.set_grad(Variable(from_vector(gb, {1})));
  };
  set({3, 4}, {12});
  double total = clip_grad_norm_({a, b, none}, 6.5);
  REQUIRE(total == Approx(13.0).epsilon(1e-12));
  // scaled by max_norm / (total + 1e-6) in float32; PyTorch 1.13.1 gives
  // [1.4999998807907104, 1.9999998807907104] and [5.999999523162842]
  const float coef = static_cast<float>(6.5 / (13.0 + 1e-6));
  REQUIRE(a.grad().value().values<float>() == std::vector<float>{3 * coef, 4 * coef});
  REQUIRE(b.grad().value().values<float>() == std::vector<float>{12 * coef});
  REQUIRE(a.grad().value().at({0}) == Approx(1.4999998807907104).epsilon(1e-7));
  REQUIRE(b.grad().value().at({0}) == Approx(5.999999523162842).epsilon(1e-7));
  REQUIRE_FALSE(none.grad().defined());

  set({3, 4}, {12});
  REQUIRE(clip_grad_norm_({a, b}, 100.0) == Approx(13.0));
  REQUIRE(a.grad().value().values<float>() == std::vector<float>{3, 4});  // under max: unchanged
  set({3, -4}, {12});
  REQUIRE(clip_grad_norm_({a, b}, 100.0, kInfNorm) == 12.0);
  REQUIRE(clip_grad_norm_({a, b}, 100.0, 1.0) == 19.0);
  REQUIRE(clip_grad_norm_({a, b}, 100.0, 3.0) == Approx(12.207056999206543).epsilon(1e-6));
  REQUIRE(clip_grad_norm_({none}, 1.0) == 0.0);

  set({3, std::nanf("")}, {1});
  REQUIRE(std::isnan(clip_grad_norm_({a, b}, 1.0)));
  set({3, std::nanf("")}, {1});
  REQUIRE_THROWS_WITH(clip_grad_norm_({a, b}, 1.0, 2.0, true),
                      Contains("clip_grad_norm_") && Contains("non-finite"));
}

TEST_CASE("clip_grad_value_ and clamp_parameters_", "[nn]") {
  Variable a(zeros({4}), true);
  a.set_grad(Variable(from_vector(std::vector<float>{-3, -0.5, 0.25, 7}, {4})));
  clip_grad_value_({a}, 1.0);
  REQUIRE(a.grad().value().values<float>() == std::vector<float>{-1, -0.5, 0.25, 1});

  Rng rng(3);
  Variable w(normal({64, 33}, 0.0, 1.0, rng), true), bias(normal({33}, 0.0, 0.005, rng), true);
  Tensor before = w.value().clone();
  clamp_parameters_({w, bias}, 0.01);
  std::vector<float> wv = w.value().values<float>(), bv = bias.value().values<float>();
  std::vector<float> orig = before.values<float>();
  for (size_t i = 0; i < wv.size(); ++i) {
    REQUIRE(std::abs(wv[i]) <= 0.01f);
    if (std::abs(orig[i]) <= 0.01f) REQUIRE(wv[i] == orig[i]);  // inside: untouched
  }
  for (float v : bv) REQUIRE(std::abs(v) <= 0.01f);
  REQUIRE(amax(abs(w.value())).item() == Approx(0.01f));  // some weights hit the bound
}
