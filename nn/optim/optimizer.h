// optim::Optimizer: the base of SGD, Adam/AdamW and RMSprop. It holds the parameters (one group,
// whose options — lr among them — may change between steps), the per-parameter state, and the
// state dict that round-trips through safetensors:
//   "param_groups.0.lr", "param_groups.0.momentum", ...  float64 scalars (flags as 0/1)
//   "param_groups.0.params"                              int64 [P]: 0 .. P-1 (the parameter count)
//   "state.3.exp_avg", "state.3.step", ...               parameter 3's state (step: int64 scalar)
// A parameter has no state until a step sees its gradient; parameters without a gradient are
// skipped, as in torch.
//
//   optim::Adam opt(model.parameters(), {.lr = 2e-4, .beta1 = 0.5});
//   opt.zero_grad();
//   loss.backward();
//   opt.step();
//   save_safetensors("opt.safetensors", opt.state_dict());
//
// An optimizer derives from OptimizerWith<Options> and writes only its checks and its update
// (one pass of tensor/kernels/optim_update.h); its Options struct lists its fields once, in
// fields().
#pragma once
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace nash::nn::optim {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// One parameter's state by key ("exp_avg", "step", ...); empty until its first update.
using ParamState = std::map<std::string, Tensor>;
// Options as named numbers (flags as 0/1), the form they take in a state dict.
using OptionValues = std::map<std::string, double>;

class Optimizer {
 public:
  Optimizer(std::string type_name, std::vector<Variable> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient, in place on its value, under no-grad.
  void step();
  // Drops every parameter's .grad (torch's zero_grad(set_to_none=True)).
  void zero_grad();

  double lr() const;
  void set_lr(double lr);  // checked like the constructor's options
  const std::string& type_name() const { return type_name_; }
  const std::vector<Variable>& parameters() const { return params_; }
  const ParamState& state(size_t index) const;  // parameter `index`'s state

  // A snapshot (copies) of the options and state, named as above.
  NamedTensors state_dict() const;
  // Throws nash::Error naming the first problem: a missing or unexpected name, a parameter count,
  // shape or dtype that does not match, an invalid option. Changes nothing.
  void check_state_dict(const NamedTensors& state) const;
  // check_state_dict, then replaces the options and every parameter's state (like torch, the
  // loaded options win). Nothing changes when it throws.
  void load_state_dict(const NamedTensors& state);

 protected:
  // The update of one parameter p (in place) from its gradient g [same shape], creating its
  // state on first use.
  virtual void update(Tensor& p, const Tensor& g, ParamState& state) = 0;
  // The options as named numbers.
  virtual OptionValues option_values() const = 0;
  // Validates a full set of options (the base has checked that every name is present) and
  // returns the state keys a stepped parameter holds under them ("step" included if any).
  virtual std::vector<std::string> check_option_values(const OptionValues& values) const = 0;
  virtual void assign_option_values(const OptionValues& values) = 0;  // already checked
  virtual void assign_lr(double lr) = 0;  // already checked (set_lr: once a step, no allocation)

 private:
  // Parses and checks a state dict; returns its options and, if `state` is given, fills it with
  // copies of the per-parameter state. Throws on the first problem.
  OptionValues parse_state_dict(const NamedTensors& dict, std::vector<ParamState>* state) const;

  std::string type_name_;
  std::vector<Variable> params_;
  std::vector<ParamState> state_;
};

// ---- helpers for the optimizers (messages name the optimizer) -----------------------------------
// values[name] as a flag; throws unless it is 0 or 1.
bool option_flag(const std::string& type_name, const OptionValues& values, const char* name);
void check_nonnegative_option(const std::string& type_name, const char* name, double value);
void check_beta_option(const std::string& type_name, const char* name, double value);  // [0, 1)
// "step" as an int64 scalar in the state: created at 0, incremented, returned.
int64_t increment_step(ParamState& state);
// state[key], created as zeros shaped like `like` on first use.
Tensor& state_tensor(ParamState& state, const char* key, const Tensor& like);

// The part every optimizer shares: its options, checked whenever they are set, and their state
// dict form. Options is an aggregate of double and bool fields with
//   template <class Self, class F> static void fields(Self& o, F&& f)
// calling f("name", o.field) for every field, in the order the state dict lists them.
template <class Options>
class OptimizerWith : public Optimizer {
 public:
  const Options& options() const { return options_; }
  void set_options(const Options& options) {  // checked like the constructor's
    check_option_values(values_of(options));
    options_ = options;
  }

 protected:
  using Optimizer::Optimizer;  // a derived constructor then calls set_options
  // Validates every option (the flags are known to be 0 or 1) and returns the state keys a
  // stepped parameter holds under them ("step" included if any).
  virtual std::vector<std::string> check_options(const Options& options) const = 0;

  OptionValues option_values() const final { return values_of(options_); }
  std::vector<std::string> check_option_values(const OptionValues& values) const final {
    const Options names{};  // only to list the fields
    Options::fields(names, [&](const char* name, const auto& field) {
      if constexpr (std::is_same_v<std::decay_t<decltype(field)>, bool>)
        option_flag(type_name(), values, name);
    });
    return check_options(options_of(values));
  }
  void assign_option_values(const OptionValues& values) final { options_ = options_of(values); }
  void assign_lr(double lr) final { options_.lr = lr; }

 private:
  static OptionValues values_of(const Options& o) {
    OptionValues values;
    Options::fields(o, [&](const char* name, const auto& field) { values[name] = double(field); });
    return values;
  }
  static Options options_of(const OptionValues& values) {
    Options o;
    Options::fields(o, [&](const char* name, auto& field) {
      if constexpr (std::is_same_v<std::decay_t<decltype(field)>, bool>)
        field = values.at(name) == 1.0;
      else
        field = values.at(name);
    });
    return o;
  }

  Options options_;
};

}  // namespace nash::nn::optim
