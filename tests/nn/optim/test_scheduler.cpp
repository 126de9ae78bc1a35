// The learning-rate schedulers (nn/optim/scheduler.h): the lr sequence of each against PyTorch
// 1.13's (scheduler.step() after optimizer.step(), get_last_lr()), LinearDecay by hand, the
// optimizer's lr following, option errors, and state-dict round trips (alone and through a
// checkpoint) that continue the schedule exactly.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <vector>

#include "error_of.h"
#include "nn/checkpoint.h"
#include "nn/layers/linear.h"
#include "nn/optim.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn::optim;
using nash::test::error_of;

namespace {

// lr before any step, then after each of `steps` steps; the optimizer must hold the same.
std::vector<double> lrs(Scheduler& s, int steps) {
  std::vector<double> out{s.get_last_lr()};
  REQUIRE(s.optimizer().lr() == s.get_last_lr());
  for (int i = 0; i < steps; ++i) {
    s.optimizer().step();
    s.step();
    REQUIRE(s.optimizer().lr() == s.get_last_lr());
    out.push_back(s.get_last_lr());
  }
  return out;
}

// torch computes most schedules recursively, nash in closed form: equal to rounding.
void require_close(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("step " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-17));
  }
}

struct Fixture {
  Variable p{zeros({1}), true};
  SGD opt{{p}, {.lr = 0.1}};
};

}  // namespace

// The PyTorch numbers come from:
//   def run(make, steps, lr=0.1):
//       p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=lr); s = make(opt)
//       out = [s.get_last_lr()[0]]
//       for _ in range(steps): opt.step(); s.step(); out.append(s.get_last_lr()[0])
//       return out
//   L = torch.optim.lr_scheduler
TEST_CASE("StepLR, ExponentialLR, CosineAnnealingLR match torch", "[nn][optim][scheduler]") {
  {
    Fixture f;  // run(lambda o: L.StepLR(o, step_size=3, gamma=0.5), 10)
    StepLR s(f.opt, {.step_size = 3, .gamma = 0.5});
    require_close(lrs(s, 10), {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125,
                               0.0125});
    CHECK(s.last_epoch() == 10);
    CHECK(s.base_lr() == 0.1);
  }
  {
    Fixture f;  // run(lambda o: L.ExponentialLR(o, gamma=0.9), 6)
    ExponentialLR s(f.opt, {.gamma = 0.9});
    require_close(lrs(s, 6), {0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
                              0.06561000000000002, 0.05904900000000002, 0.05314410000000002});
  }
  {
    Fixture f;  // run(lambda o: L.CosineAnnealingLR(o, T_max=5, eta_min=0.01), 13): past T_max
    CosineAnnealingLR s(f.opt, {.t_max = 5, .eta_min = 0.01});
    require_close(lrs(s, 13),
                  {0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736,
                   0.018594235253127367, 0.01, 0.018594235253127367, 0.04109423525312739,
                   0.06890576474687267, 0.09140576474687269, 0.10000000000000006,
                   0.09140576474687272, 0.06890576474687268, 0.0410942352531274});
  }
}

TEST_CASE("LinearWarmup matches torch's ChainedScheduler(LinearLR, inner)",
          "[nn][optim][scheduler]") {
  {
    // run(lambda o: L.ChainedScheduler([L.LinearLR(o, start_factor=0.25, total_iters=4),
    //                                   L.CosineAnnealingLR(o, T_max=10)]), 12)
    Fixture f;
    LinearWarmup s(std::make_unique<CosineAnnealingLR>(f.opt, CosineAnnealingLROptions{.t_max = 10}),
                   {.warmup_steps = 4, .start_factor = 0.25});
    require_close(lrs(s, 12),
                  {0.025, 0.04267936129395649, 0.056531781074217115, 0.06450377587438173,
                   0.06545084971874739, 0.05000000000000001, 0.03454915028125264,
                   0.020610737385376353, 0.009549150281252635, 0.002447174185242324, 0.0,
                   0.0024471741852423235, 0.009549150281252666});
    CHECK(s.inner().last_epoch() == 12);  // the wrapped schedule follows
    CHECK(s.inner().type_name() == "CosineAnnealingLR");
  }
  {
    // run(lambda o: L.ChainedScheduler([L.LinearLR(o, start_factor=0.5, total_iters=2),
    //                                   L.StepLR(o, step_size=2, gamma=0.1)]), 6)
    Fixture f;
    LinearWarmup s(std::make_unique<StepLR>(f.opt, StepLROptions{.step_size = 2, .gamma = 0.1}),
                   {.warmup_steps = 2, .start_factor = 0.5});
    require_close(lrs(s, 6), {0.05, 0.07500000000000001, 0.010000000000000002,
                              0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002,
                              0.00010000000000000003});
  }
}

TEST_CASE("LinearDecay: held, then linear to end * base at the last step, then held",
          "[nn][optim][scheduler]") {
  Variable p(zeros({1}), true);
  Adam opt({p}, {.lr = 0.2});
  // total 10, start 0.5: held for steps 0..5, then base (1 + (t - 5) / 5 (0.1 - 1)).
  LinearDecay s(opt, {.total = 10, .start = 0.5, .end = 0.1});
  const std::vector<double> got = lrs(s, 12);
  const std::vector<double> factor = {1, 1, 1, 1, 1, 1, 0.82, 0.64, 0.46, 0.28, 0.1, 0.1, 0.1};
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("step " << i);
    CHECK(got[i] == Approx(0.2 * factor[i]).epsilon(1e-15));
  }
  // The formula exactly as written (the presets' schedule): bitwise.
  for (int64_t step = 0; step <= 10; ++step) {
    const double start = 0.5 * 10.0;
    double f = 1.0;
    if (!(step < start || 10 <= start)) f = 1.0 + (step - start) / (10 - start) * (0.1 - 1.0);
    CHECK(s.lr_at(step) == 0.2 * f);
  }
  // start 0: linear from the first step; start 1: constant.
  Variable q(zeros({1}), true);
  SGD sgd({q}, {.lr = 1.0});
  LinearDecay from_zero(sgd, {.total = 4, .start = 0.0, .end = 0.0});
  CHECK(lrs(from_zero, 4) == std::vector<double>{1.0, 0.75, 0.5, 0.25, 0.0});
  LinearDecay never(sgd, {.total = 4, .start = 1.0, .end = 0.0});
  CHECK(never.lr_at(4) == 1.0 * never.base_lr());
}

TEST_CASE("schedulers: invalid options are errors naming the scheduler", "[nn][optim][scheduler]") {
  Fixture f;
  CHECK(error_of([&] { StepLR(f.opt, {.step_size = 0}); }) ==
        "StepLR: invalid step_size 0 (must be >= 1)");
  CHECK(error_of([&] { ExponentialLR(f.opt, {.gamma = -0.5}); }) ==
        "ExponentialLR: invalid gamma -0.5 (must be finite and >= 0)");
  CHECK(error_of([&] { CosineAnnealingLR(f.opt, {.t_max = 0}); }) ==
        "CosineAnnealingLR: invalid t_max 0 (must be >= 1)");
  CHECK(error_of([&] { LinearDecay(f.opt, {.total = 10, .start = 1.5}); }) ==
        "LinearDecay: invalid start 1.5 (must be in [0, 1])");
  CHECK(error_of([&] {
          LinearWarmup(std::make_unique<StepLR>(f.opt, StepLROptions{}), {.start_factor = 0});
        }) == "LinearWarmup: invalid start_factor 0 (must be in (0, 1])");
  CHECK(error_of([&] { LinearWarmup(nullptr, {}); }) == "LinearWarmup: no scheduler given to wrap");
  auto stepped = std::make_unique<StepLR>(f.opt, StepLROptions{});
  stepped->step();
  CHECK(error_of([&] { LinearWarmup(std::move(stepped), {}); }) ==
        "LinearWarmup: the wrapped StepLR has taken 1 steps; wrap it before stepping");
}

TEST_CASE("scheduler state dict: a round trip continues the schedule exactly",
          "[nn][optim][scheduler]") {
  Fixture a;
  LinearWarmup s(std::make_unique<CosineAnnealingLR>(
                     a.opt, CosineAnnealingLROptions{.t_max = 20, .eta_min = 0.0}),
                 {.warmup_steps = 5, .start_factor = 0.1});
  lrs(s, 7);
  const NamedTensors dict = s.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, t] : dict) names.push_back(name);
  CHECK(names == std::vector<std::string>{"last_epoch", "base_lr", "last_lr", "start_factor",
                                          "warmup_steps", "inner.last_epoch", "inner.base_lr",
                                          "inner.last_lr", "inner.eta_min", "inner.t_max"});
  CHECK(dict[0].second.dtype() == DType::Int64);
  CHECK(dict[0].second.item() == 7.0);

  // A fresh pair with other options loads the state: the loaded options win.
  Fixture b;
  LinearWarmup t(std::make_unique<CosineAnnealingLR>(b.opt, CosineAnnealingLROptions{.t_max = 3}),
                 {.warmup_steps = 1, .start_factor = 1.0});
  t.load_state_dict(dict);
  CHECK(t.last_epoch() == 7);
  CHECK(t.get_last_lr() == s.get_last_lr());
  CHECK(t.options().warmup_steps == 5);
  CHECK(t.inner().last_epoch() == 7);
  for (int i = 0; i < 30; ++i) {
    s.step();
    t.step();
    REQUIRE(t.get_last_lr() == s.get_last_lr());
  }

  // A wrong state changes nothing and names the problem.
  NamedTensors bad = dict;
  bad.erase(bad.begin() + 1);
  CHECK(error_of([&] { t.load_state_dict(bad); }) ==
        "LinearWarmup.load_state_dict: missing key 'base_lr'");
  bad = dict;
  bad.emplace_back("momentum", scalar_tensor(0.5, DType::Float64));
  CHECK(error_of([&] { t.load_state_dict(bad); }) ==
        "LinearWarmup.load_state_dict: unexpected key 'momentum' (LinearWarmup has no option "
        "'momentum')");
  bad = dict;
  for (auto& [name, v] : bad)
    if (name == "inner.t_max") v = scalar_tensor(0.0, DType::Float64);
  CHECK(error_of([&] { t.load_state_dict(bad); }) ==
        "LinearWarmup.load_state_dict: inner CosineAnnealingLR: invalid t_max 0 (must be >= 1)");
  bad = dict;
  for (auto& [name, v] : bad)
    if (name == "inner.last_epoch") v = scalar_tensor(3.0, DType::Int64);
  CHECK(error_of([&] { t.load_state_dict(bad); }) ==
        "LinearWarmup.load_state_dict: the inner scheduler is at step 3 but LinearWarmup at "
        "step 7");
  CHECK(t.last_epoch() == 37);
}

TEST_CASE("scheduler in a checkpoint: saved, checked and loaded with its optimizer",
          "[nn][optim][scheduler]") {
  Rng rng(3);
  nn::Linear net(2, 1, rng);
  Adam opt(net.parameters(), {.lr = 0.01});
  StepLR sched(opt, {.step_size = 2, .gamma = 0.5});
  for (int i = 0; i < 5; ++i) {
    net.zero_grad();
    sum(net(Variable(ones({1, 2})))).backward();
    opt.step();
    sched.step();
  }
  const std::string path = "/tmp/nash_test_scheduler_ck.safetensors";
  nn::save_checkpoint(path, {.modules = {{"model", &net}},
                             .optimizers = {{"optim", &opt}},
                             .schedulers = {{"sched", &sched}}});

  nn::Linear net2(2, 1, rng);
  Adam opt2(net2.parameters(), {.lr = 0.3});
  StepLR sched2(opt2, {.step_size = 7, .gamma = 0.9});
  nn::Checkpoint ck{.modules = {{"model", &net2}},
                    .optimizers = {{"optim", &opt2}},
                    .schedulers = {{"sched", &sched2}}};
  nn::load_checkpoint(path, ck);
  CHECK(sched2.last_epoch() == 5);
  CHECK(sched2.get_last_lr() == sched.get_last_lr());
  CHECK(opt2.lr() == opt.lr());  // the optimizer's lr comes back with the optimizer
  CHECK(sched2.options().step_size == 2);
  sched.step();
  sched2.step();
  CHECK(opt2.lr() == opt.lr());

  // A checkpoint without the scheduler's state does not load into one that expects it.
  nn::save_checkpoint(path, {.modules = {{"model", &net}}, .optimizers = {{"optim", &opt}}});
  CHECK(error_of([&] { nn::load_checkpoint(path, ck); }) ==
        "load_checkpoint: " + path + ": scheduler 'sched': StepLR.load_state_dict: missing key "
        "'last_epoch'");
  std::remove(path.c_str());
}
