// Optimizer base: parameter bookkeeping, the step loop, and the state dict (save, check, load).
#include "nn/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "tensor/ops.h"

namespace nash::nn::optim {

namespace {
const std::string kGroup = "param_groups.0.";
const std::string kState = "state.";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string join(const std::vector<std::string>& names) {
  std::string s = "[";
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s + "]";
}
}  // namespace

Optimizer::Optimizer(std::string type_name, std::vector<Variable> params)
    : type_name_(std::move(type_name)), params_(std::move(params)), state_(params_.size()) {
  NASH_CHECK(!params_.empty(), type_name_, ": got an empty parameter list");
  std::set<VariableImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Variable& p = params_[i];
    NASH_CHECK(p.defined(), type_name_, ": parameter ", i, " is undefined");
    NASH_CHECK(p.is_leaf(), type_name_, ": parameter ", i, " ", p.shape(),
               " is not a leaf (it was produced by '", p.op_name(), "'); optimize leaves only");
    NASH_CHECK(p.dtype() != DType::Int64, type_name_, ": parameter ", i, " ", p.shape(),
               " is int64; parameters must be float32 or float64");
    NASH_CHECK(seen.insert(p.impl().get()).second, type_name_, ": parameter ", i, " ", p.shape(),
               " appears more than once");
  }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Variable& p = params_[i];
    const Variable& grad = p.grad();
    if (!grad.defined()) continue;  // no gradient reached it: skipped, like torch
    const Tensor& g = grad.value();
    NASH_CHECK(g.shape() == p.shape() && g.dtype() == p.dtype(), type_name_, ".step: parameter ",
               i, " is ", dtype_name(p.dtype()), " ", p.shape(), " but its gradient is ",
               dtype_name(g.dtype()), " ", g.shape());
    update(p.mutable_value(), g, state_[i]);
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

double Optimizer::lr() const { return option_values().at("lr"); }

// Every optimizer checks lr alone (finite, >= 0), so the rate changes without rebuilding the
// named options: a schedule sets it every step.
void Optimizer::set_lr(double lr) {
  check_nonnegative_option(type_name_, "lr", lr);
  assign_lr(lr);
}

const ParamState& Optimizer::state(size_t index) const {
  NASH_CHECK(index < state_.size(), type_name_, ".state: index ", index, " out of range for ",
             state_.size(), " parameters");
  return state_[index];
}

// ---- state dict --------------------------------------------------------------------------------
NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  for (const auto& [name, value] : option_values())
    out.emplace_back(kGroup + name, scalar_tensor(value, DType::Float64));
  out.emplace_back(kGroup + "params", arange(static_cast<int64_t>(params_.size()), DType::Int64));
  for (size_t i = 0; i < state_.size(); ++i)
    for (const auto& [key, t] : state_[i])
      out.emplace_back(kState + std::to_string(i) + "." + key, t.clone());
  return out;
}

OptionValues Optimizer::parse_state_dict(const NamedTensors& dict,
                                         std::vector<ParamState>* state) const {
  const std::string op = type_name_ + ".load_state_dict";
  const size_t n = params_.size();
  const OptionValues current = option_values();
  OptionValues options;
  bool have_params = false;
  std::map<size_t, std::map<std::string, const Tensor*>> given;  // parameter -> key -> tensor
  std::set<std::string> names;

  for (const auto& [name, t] : dict) {
    NASH_CHECK(names.insert(name).second, op, ": '", name, "' appears twice");
    NASH_CHECK(t.defined(), op, ": '", name, "' is undefined");
    if (starts_with(name, kGroup)) {
      const std::string key = name.substr(kGroup.size());
      if (key == "params") {
        NASH_CHECK(t.dtype() == DType::Int64 && t.dim() == 1, op, ": '", name,
                   "' must be int64 [P], got ", dtype_name(t.dtype()), " ", t.shape());
        NASH_CHECK(static_cast<size_t>(t.numel()) == n, op, ": the state is for ", t.numel(),
                   " parameters but the optimizer has ", n);
        have_params = true;
        continue;
      }
      NASH_CHECK(current.count(key), op, ": unexpected key '", name, "' (", type_name_,
                 " has no option '", key, "')");
      NASH_CHECK(t.dtype() != DType::Int64 && t.numel() == 1, op, ": option '", name,
                 "' must be one float, got ", dtype_name(t.dtype()), " ", t.shape());
      options[key] = t.item();
    } else if (starts_with(name, kState)) {
      const std::string rest = name.substr(kState.size());
      const size_t dot = rest.find('.');
      const std::string index = rest.substr(0, dot);
      NASH_CHECK(dot != std::string::npos && dot + 1 < rest.size() && !index.empty() &&
                     index.size() < 10 &&
                     std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }),
                 op, ": unexpected key '", name, "' (expected state.<parameter>.<key>)");
      const size_t i = std::stoul(index);
      NASH_CHECK(i < n, op, ": '", name, "' is for parameter ", i, " but the optimizer has ", n,
                 " parameters");
      given[i][rest.substr(dot + 1)] = &t;
    } else {
      fail(op, ": unexpected key '", name, "'");
    }
  }
  for (const auto& [key, value] : current)
    NASH_CHECK(options.count(key), op, ": missing key '", kGroup, key, "'");
  NASH_CHECK(have_params, op, ": missing key '", kGroup, "params'");

  std::vector<std::string> keys = check_option_values(options);
  std::sort(keys.begin(), keys.end());
  for (const auto& [i, entries] : given) {
    const std::string at = kState + std::to_string(i) + ".";
    for (const auto& [key, t] : entries)
      NASH_CHECK(std::binary_search(keys.begin(), keys.end(), key), op, ": unexpected key '", at,
                 key, "' (with these options a parameter's state is ", join(keys), ")");
    for (const auto& key : keys)
      NASH_CHECK(entries.count(key), op, ": missing key '", at, key,
                 "' (with these options a parameter's state is ", join(keys), ")");
    const Variable& p = params_[i];
    for (const auto& [key, t] : entries) {
      if (key == "step") {
        NASH_CHECK(t->dtype() == DType::Int64 && t->dim() == 0, op, ": '", at, key,
                   "' must be an int64 scalar, got ", dtype_name(t->dtype()), " ", t->shape());
      } else {
        NASH_CHECK(t->shape() == p.shape(), op, ": '", at, key, "' has shape ", t->shape(),
                   " but parameter ", i, " is ", p.shape());
        NASH_CHECK(t->dtype() == p.dtype(), op, ": '", at, key, "' is ", dtype_name(t->dtype()),
                   " but parameter ", i, " is ", dtype_name(p.dtype()));
      }
    }
  }
  if (state) {
    state->assign(n, ParamState());
    for (const auto& [i, entries] : given)
      for (const auto& [key, t] : entries) (*state)[i][key] = t->clone();
  }
  return options;
}

void Optimizer::check_state_dict(const NamedTensors& state) const {
  parse_state_dict(state, nullptr);
}

void Optimizer::load_state_dict(const NamedTensors& dict) {
  std::vector<ParamState> state;
  OptionValues options = parse_state_dict(dict, &state);
  assign_option_values(options);  // cannot fail: checked above
  state_ = std::move(state);
}

// ---- helpers for the optimizers -----------------------------------------------------------------
bool option_flag(const std::string& type_name, const OptionValues& values, const char* name) {
  double v = values.at(name);
  NASH_CHECK(v == 0.0 || v == 1.0, type_name, ": option '", name, "' is a flag (0 or 1), got ", v);
  return v == 1.0;
}

void check_nonnegative_option(const std::string& type_name, const char* name, double value) {
  NASH_CHECK(std::isfinite(value) && value >= 0.0, type_name, ": invalid ", name, " ", value,
             " (must be finite and >= 0)");
}

void check_beta_option(const std::string& type_name, const char* name, double value) {
  NASH_CHECK(value >= 0.0 && value < 1.0, type_name, ": invalid ", name, " ", value,
             " (must be in [0, 1))");
}

int64_t increment_step(ParamState& state) {
  auto it = state.find("step");
  if (it == state.end()) it = state.emplace("step", zeros({}, DType::Int64)).first;
  return ++*it->second.data<int64_t>();
}

Tensor& state_tensor(ParamState& state, const char* key, const Tensor& like) {
  auto it = state.find(key);
  if (it == state.end()) it = state.emplace(key, zeros(like.shape(), like.dtype())).first;
  return it->second;
}

}  // namespace nash::nn::optim
