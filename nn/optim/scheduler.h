// Learning-rate schedulers (torch.optim.lr_scheduler): objects bound to an optimizer that set
// its learning rate once per step. As in torch, making one sets the lr of step 0; call step()
// after optimizer.step(); get_last_lr() is the lr the optimizer holds now. base_lr is the
// optimizer's lr when the scheduler is made. Every schedule is a closed form of the step count
// (torch computes most of them recursively: equal up to rounding, ~1e-15 relative).
//
//   optim::Adam opt(params, {.lr = 2e-4});
//   optim::LinearWarmup sched(std::make_unique<optim::CosineAnnealingLR>(opt, CosineAnnealingLROptions{.t_max = 10000}),
//                             {.warmup_steps = 500});
//   for (int64_t i = 0; i < 10000; ++i) { ...; opt.step(); sched.step(); }
//
// The state dict (for nn/checkpoint.h) holds "last_epoch" (int64 scalar: steps taken),
// "base_lr", "last_lr" and every option ("step_size", "gamma", ...) as float64 scalars; a
// LinearWarmup adds its inner scheduler's under "inner.". Loading it, as in torch, sets the
// scheduler only: the optimizer's lr comes back with the optimizer's own state dict.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "nn/optim/optimizer.h"

namespace nash::nn::optim {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // One step further: last_epoch += 1, then the optimizer's lr = lr_at(last_epoch).
  void step();
  double get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }  // steps taken since the start
  double base_lr() const { return base_lr_; }
  // The schedule's lr at any step (0 = the start).
  double lr_at(int64_t step) const;
  Optimizer& optimizer() const { return optimizer_; }
  const std::string& type_name() const { return type_name_; }

  NamedTensors state_dict() const;
  // Throws nash::Error naming the first problem: a missing or unexpected name, a dtype or shape,
  // an invalid option. Changes nothing.
  void check_state_dict(const NamedTensors& state) const;
  // check_state_dict, then replaces last_epoch, base_lr, last_lr and the options (the loaded
  // ones win, as in torch). The optimizer is not touched.
  void load_state_dict(const NamedTensors& state);

 protected:
  // base_lr = optimizer.lr(), or base_lr when given (>= 0).
  Scheduler(std::string type_name, Optimizer& optimizer, double base_lr = -1);
  // Checks the options, then sets last_epoch 0 and the optimizer's lr to lr_at(0): each
  // scheduler's constructor calls it last (virtual calls reach the scheduler from there).
  void start();
  // The schedule: the lr at `step` from base_lr.
  virtual double lr_of(int64_t step, double base_lr) const = 0;
  virtual OptionValues option_values() const = 0;
  virtual void check_option_values(const OptionValues& values) const = 0;  // throws if invalid
  virtual void assign_option_values(const OptionValues& values) = 0;       // already checked
  std::unique_ptr<Scheduler> inner_;  // a wrapped schedule (LinearWarmup), or none

 private:
  struct Parsed {
    OptionValues options;
    NamedTensors inner;  // the wrapped scheduler's entries, "inner." dropped
    int64_t last_epoch = 0;
    double base_lr = 0, last_lr = 0;
  };
  // Checks `dict` (the inner scheduler's entries included) and returns its contents.
  Parsed parse_state_dict(const NamedTensors& dict) const;

  std::string type_name_;
  Optimizer& optimizer_;
  double base_lr_;
  int64_t last_epoch_ = 0;
  double last_lr_ = 0;
};

// The part every scheduler shares: its options, checked whenever they are set, and their state
// dict form. Options is an aggregate of double and int64_t fields with
//   template <class Self, class F> static void fields(Self& o, F&& f)
// calling f("name", o.field) for every field.
template <class Options>
class SchedulerWith : public Scheduler {
 public:
  const Options& options() const { return options_; }

 protected:
  SchedulerWith(std::string type_name, Optimizer& optimizer, const Options& options,
                double base_lr = -1)
      : Scheduler(std::move(type_name), optimizer, base_lr), options_(options) {}
  virtual void check_options(const Options& options) const = 0;

  OptionValues option_values() const final { return values_of(options_); }
  void check_option_values(const OptionValues& values) const final {
    Options o;
    Options::fields(o, [&](const char* name, auto& field) {
      using F = std::decay_t<decltype(field)>;
      const double v = values.at(name);
      if constexpr (std::is_integral_v<F>)
        NASH_CHECK(v == std::trunc(v) && std::abs(v) < 9e15, type_name(), ": option '", name,
                   "' must be a whole number, got ", v);
      field = static_cast<F>(v);
    });
    check_options(o);
  }
  void assign_option_values(const OptionValues& values) final {
    Options::fields(options_, [&](const char* name, auto& field) {
      field = static_cast<std::decay_t<decltype(field)>>(values.at(name));
    });
  }

 private:
  static OptionValues values_of(const Options& o) {
    OptionValues values;
    Options::fields(o, [&](const char* name, const auto& field) { values[name] = double(field); });
    return values;
  }
  Options options_;
};

// ---- the schedules (torch's names and formulas; t = last_epoch, base = base_lr) ------------------

// lr = base gamma^floor(t / step_size).
struct StepLROptions {
  int64_t step_size = 1;  // >= 1
  double gamma = 0.1;     // >= 0
  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("step_size", o.step_size);
    f("gamma", o.gamma);
  }
};
class StepLR : public SchedulerWith<StepLROptions> {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);

 protected:
  double lr_of(int64_t step, double base) const override;
  void check_options(const StepLROptions& o) const override;
};

// lr = base gamma^t.
struct ExponentialLROptions {
  double gamma = 0.99;  // >= 0
  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("gamma", o.gamma);
  }
};
class ExponentialLR : public SchedulerWith<ExponentialLROptions> {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);

 protected:
  double lr_of(int64_t step, double base) const override;
  void check_options(const ExponentialLROptions& o) const override;
};

// lr = eta_min + (base - eta_min) (1 + cos(pi t / t_max)) / 2: base at 0, eta_min at t_max, then
// back up (a period of 2 t_max), as torch's CosineAnnealingLR.
struct CosineAnnealingLROptions {
  int64_t t_max = 1;    // >= 1
  double eta_min = 0.0;  // >= 0
  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("t_max", o.t_max);
    f("eta_min", o.eta_min);
  }
};
class CosineAnnealingLR : public SchedulerWith<CosineAnnealingLROptions> {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);

 protected:
  double lr_of(int64_t step, double base) const override;
  void check_options(const CosineAnnealingLROptions& o) const override;
};

// The presets' schedule: lr = base until start * total steps, then linear down to end * base at
// step `total`, and end * base after it. In [0, total] exactly
//   s = start total;  factor = 1 if t < s or total <= s, else 1 + (t - s) / (total - s) (end - 1)
//   lr = base factor
struct LinearDecayOptions {
  int64_t total = 1;   // >= 1: the run's steps
  double start = 0.0;  // in [0, 1]: the fraction of `total` at which the decay starts
  double end = 0.0;    // >= 0: the final lr as a fraction of base
  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("total", o.total);
    f("start", o.start);
    f("end", o.end);
  }
};
// LinearDecay's factor of the base lr at `step`, for code that sets rates from the step alone.
double linear_decay_factor(int64_t step, int64_t total, double start, double end);

class LinearDecay : public SchedulerWith<LinearDecayOptions> {
 public:
  LinearDecay(Optimizer& optimizer, LinearDecayOptions options);

 protected:
  double lr_of(int64_t step, double base) const override;
  void check_options(const LinearDecayOptions& o) const override;
};

// A linear warm-up in front of another schedule: lr = inner(t) ramp(t), with
// ramp(t) = start_factor + (1 - start_factor) min(t, warmup_steps) / warmup_steps (from
// start_factor up to 1 at warmup_steps, then 1). This is torch's
// ChainedScheduler([LinearLR(start_factor, 1.0, warmup_steps), inner]) wherever the inner
// schedule is a factor of its lr (every one here but CosineAnnealingLR with eta_min > 0, which
// torch's chain would bend). It takes over the inner scheduler, which must not be stepped on
// its own.
struct LinearWarmupOptions {
  int64_t warmup_steps = 1;  // >= 1
  double start_factor = 1.0 / 3.0;  // in (0, 1]: torch LinearLR's default
  template <class Self, class F>
  static void fields(Self& o, F&& f) {
    f("warmup_steps", o.warmup_steps);
    f("start_factor", o.start_factor);
  }
};
class LinearWarmup : public SchedulerWith<LinearWarmupOptions> {
 public:
  LinearWarmup(std::unique_ptr<Scheduler> inner, LinearWarmupOptions options);
  const Scheduler& inner() const { return *inner_; }

 protected:
  double lr_of(int64_t step, double base) const override;
  void check_options(const LinearWarmupOptions& o) const override;
};

}  // namespace nash::nn::optim
