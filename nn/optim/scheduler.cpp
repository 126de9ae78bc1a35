// The learning-rate schedulers: the stepping and state dict they share, then each schedule's
// formula and option checks.
#include "nn/optim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "tensor/ops.h"

namespace nash::nn::optim {

namespace {
const std::string kInner = "inner.";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void check_finite_nonnegative(const std::string& type, const char* name, double v) {
  NASH_CHECK(std::isfinite(v) && v >= 0.0, type, ": invalid ", name, " ", v,
             " (must be finite and >= 0)");
}

void check_at_least_one(const std::string& type, const char* name, int64_t v) {
  NASH_CHECK(v >= 1, type, ": invalid ", name, " ", v, " (must be >= 1)");
}
}  // namespace

// ---- stepping ----------------------------------------------------------------------------------
Scheduler::Scheduler(std::string type_name, Optimizer& optimizer, double base_lr)
    : type_name_(std::move(type_name)), optimizer_(optimizer),
      base_lr_(base_lr >= 0 ? base_lr : optimizer.lr()) {}

void Scheduler::start() {
  check_option_values(option_values());
  last_epoch_ = 0;
  last_lr_ = lr_at(0);
  optimizer_.set_lr(last_lr_);
}

double Scheduler::lr_at(int64_t step) const {
  NASH_CHECK(step >= 0, type_name_, ".lr_at: step ", step, " is negative");
  return lr_of(step, base_lr_);
}

void Scheduler::step() {
  const double lr = lr_at(last_epoch_ + 1);
  optimizer_.set_lr(lr);  // throws (and nothing changes) if the schedule went negative
  ++last_epoch_;
  last_lr_ = lr;
  for (Scheduler* s = inner_.get(); s; s = s->inner_.get()) {  // the wrapped schedules follow
    s->last_epoch_ = last_epoch_;
    s->last_lr_ = s->lr_at(last_epoch_);
  }
}

// ---- state dict --------------------------------------------------------------------------------
NamedTensors Scheduler::state_dict() const {
  NamedTensors out;
  out.emplace_back("last_epoch", scalar_tensor(static_cast<double>(last_epoch_), DType::Int64));
  out.emplace_back("base_lr", scalar_tensor(base_lr_, DType::Float64));
  out.emplace_back("last_lr", scalar_tensor(last_lr_, DType::Float64));
  for (const auto& [name, value] : option_values())
    out.emplace_back(name, scalar_tensor(value, DType::Float64));
  if (inner_)
    for (auto& [name, t] : inner_->state_dict()) out.emplace_back(kInner + name, t);
  return out;
}

Scheduler::Parsed Scheduler::parse_state_dict(const NamedTensors& dict) const {
  const std::string op = type_name_ + ".load_state_dict";
  const OptionValues current = option_values();
  Parsed parsed;
  OptionValues& options = parsed.options;
  NamedTensors& inner = parsed.inner;
  std::map<std::string, double> own;  // last_epoch, base_lr, last_lr
  std::set<std::string> names;
  for (const auto& [name, t] : dict) {
    NASH_CHECK(names.insert(name).second, op, ": '", name, "' appears twice");
    NASH_CHECK(t.defined(), op, ": '", name, "' is undefined");
    if (starts_with(name, kInner)) {
      NASH_CHECK(inner_ != nullptr, op, ": unexpected key '", name, "' (", type_name_,
                 " wraps no scheduler)");
      inner.emplace_back(name.substr(kInner.size()), t);
      continue;
    }
    const bool is_epoch = name == "last_epoch";
    NASH_CHECK(is_epoch || name == "base_lr" || name == "last_lr" || current.count(name), op,
               ": unexpected key '", name, "' (", type_name_, " has no option '", name, "')");
    const DType want = is_epoch ? DType::Int64 : DType::Float64;
    NASH_CHECK(t.dim() == 0 && t.dtype() == want, op, ": '", name, "' must be a ",
               dtype_name(want), " scalar, got ", dtype_name(t.dtype()), " ", t.shape());
    if (current.count(name)) options[name] = t.item();
    else own[name] = t.item();
  }
  for (const char* key : {"last_epoch", "base_lr", "last_lr"})
    NASH_CHECK(own.count(key), op, ": missing key '", key, "'");
  for (const auto& [key, value] : current)
    NASH_CHECK(options.count(key), op, ": missing key '", key, "'");
  NASH_CHECK(own["last_epoch"] >= 0, op, ": last_epoch ", own["last_epoch"], " is negative");
  check_finite_nonnegative(op, "base_lr", own["base_lr"]);
  check_finite_nonnegative(op, "last_lr", own["last_lr"]);
  check_option_values(options);
  if (inner_) {
    NASH_CHECK(!inner.empty(), op, ": missing the inner scheduler's state ('", kInner, "...')");
    try {
      inner_->check_state_dict(inner);
    } catch (const Error& e) {
      fail(op, ": inner ", e.what());
    }
    for (const auto& [name, t] : inner)
      if (name == "last_epoch")
        NASH_CHECK(t.item() == own["last_epoch"], op, ": the inner scheduler is at step ",
                   t.item(), " but ", type_name_, " at step ", own["last_epoch"]);
  }
  parsed.last_epoch = static_cast<int64_t>(own["last_epoch"]);
  parsed.base_lr = own["base_lr"];
  parsed.last_lr = own["last_lr"];
  return parsed;
}

void Scheduler::check_state_dict(const NamedTensors& state) const { parse_state_dict(state); }

void Scheduler::load_state_dict(const NamedTensors& state) {
  Parsed parsed = parse_state_dict(state);  // everything checked, the inner state too
  if (inner_) inner_->load_state_dict(parsed.inner);
  assign_option_values(parsed.options);
  last_epoch_ = parsed.last_epoch;
  base_lr_ = parsed.base_lr;
  last_lr_ = parsed.last_lr;
}

// ---- StepLR ------------------------------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, StepLROptions options)
    : SchedulerWith("StepLR", optimizer, options) {
  start();
}
void StepLR::check_options(const StepLROptions& o) const {
  check_at_least_one(type_name(), "step_size", o.step_size);
  check_finite_nonnegative(type_name(), "gamma", o.gamma);
}
double StepLR::lr_of(int64_t step, double base) const {
  return base * std::pow(options().gamma, static_cast<double>(step / options().step_size));
}

// ---- ExponentialLR -----------------------------------------------------------------------------
ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions options)
    : SchedulerWith("ExponentialLR", optimizer, options) {
  start();
}
void ExponentialLR::check_options(const ExponentialLROptions& o) const {
  check_finite_nonnegative(type_name(), "gamma", o.gamma);
}
double ExponentialLR::lr_of(int64_t step, double base) const {
  return base * std::pow(options().gamma, static_cast<double>(step));
}

// ---- CosineAnnealingLR -------------------------------------------------------------------------
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options)
    : SchedulerWith("CosineAnnealingLR", optimizer, options) {
  start();
}
void CosineAnnealingLR::check_options(const CosineAnnealingLROptions& o) const {
  check_at_least_one(type_name(), "t_max", o.t_max);
  check_finite_nonnegative(type_name(), "eta_min", o.eta_min);
}
double CosineAnnealingLR::lr_of(int64_t step, double base) const {
  const CosineAnnealingLROptions& o = options();
  const double phase = std::numbers::pi * static_cast<double>(step) / static_cast<double>(o.t_max);
  return o.eta_min + (base - o.eta_min) * (1.0 + std::cos(phase)) / 2.0;
}

// ---- LinearDecay -------------------------------------------------------------------------------
LinearDecay::LinearDecay(Optimizer& optimizer, LinearDecayOptions options)
    : SchedulerWith("LinearDecay", optimizer, options) {
  start();
}
void LinearDecay::check_options(const LinearDecayOptions& o) const {
  check_at_least_one(type_name(), "total", o.total);
  NASH_CHECK(o.start >= 0 && o.start <= 1, type_name(), ": invalid start ", o.start,
             " (must be in [0, 1])");
  check_finite_nonnegative(type_name(), "end", o.end);
}
double linear_decay_factor(int64_t step, int64_t total, double start_fraction, double end) {
  NASH_CHECK(start_fraction >= 0 && start_fraction <= 1 && end >= 0 && total >= 1,
             "linear_decay_factor: start must be in [0, 1], end >= 0 and total >= 1, got ", start_fraction,
             ", ", end, " and ", total);
  step = std::min(step, total);  // held at end after the last step
  const double start = start_fraction * static_cast<double>(total);
  if (step < start || total <= start) return 1.0;
  const double t = (step - start) / (total - start);  // 0 at the decay's start, 1 at the end
  return 1.0 + t * (end - 1.0);
}

double LinearDecay::lr_of(int64_t step, double base) const {
  const LinearDecayOptions& o = options();
  return base * linear_decay_factor(step, o.total, o.start, o.end);
}

// ---- LinearWarmup ------------------------------------------------------------------------------
namespace {
Scheduler& checked_inner(const std::unique_ptr<Scheduler>& inner) {
  NASH_CHECK(inner != nullptr, "LinearWarmup: no scheduler given to wrap");
  return *inner;
}
}  // namespace

LinearWarmup::LinearWarmup(std::unique_ptr<Scheduler> inner, LinearWarmupOptions options)
    : SchedulerWith("LinearWarmup", checked_inner(inner).optimizer(), options,
                    checked_inner(inner).base_lr()) {
  check_option_values(option_values());
  NASH_CHECK(inner->last_epoch() == 0, "LinearWarmup: the wrapped ", inner->type_name(),
             " has taken ", inner->last_epoch(), " steps; wrap it before stepping");
  inner_ = std::move(inner);
  start();
}
void LinearWarmup::check_options(const LinearWarmupOptions& o) const {
  check_at_least_one(type_name(), "warmup_steps", o.warmup_steps);
  NASH_CHECK(o.start_factor > 0 && o.start_factor <= 1, type_name(), ": invalid start_factor ",
             o.start_factor, " (must be in (0, 1])");
}
double LinearWarmup::lr_of(int64_t step, double) const {
  const LinearWarmupOptions& o = options();
  const double done = static_cast<double>(std::min(step, o.warmup_steps));
  const double ramp = o.start_factor + (1.0 - o.start_factor) * done / o.warmup_steps;
  return ramp * inner_->lr_at(step);
}

}  // namespace nash::nn::optim
