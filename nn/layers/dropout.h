// Dropout and Dropout2d (Srivastava et al. 2014; Tompson et al. 2015) as in PyTorch: in
// training, zero elements (Dropout) or whole channels (Dropout2d) with probability p and scale
// the rest by 1/(1-p); in eval, the identity.
//
// Each layer owns the Generator its masks are drawn from, so a forward never touches the
// global stream. It is seeded from options.seed if given, otherwise from two draws of the
// generator passed at construction (default_generator()): manual_seed() before building a
// model therefore fixes every mask too. set_generator() replaces it at any time.
//
// Shapes: Dropout x [...] -> y like x; Dropout2d x [N, C, ...] (masks [N, C, 1, ...]).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct DropoutOptions {
  double p = 0.5;                 // probability of zeroing, in [0, 1)
  std::optional<uint64_t> seed = std::nullopt;  // seeds the layer's own Generator
};

class Dropout : public Module {
 public:
  DropoutOptions options;
  Generator generator;  // the masks' source

  explicit Dropout(const DropoutOptions& options = {}, Generator& gen = default_generator());
  explicit Dropout(double p, Generator& gen = default_generator());
  void set_generator(const Generator& g) { generator = g; }
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "p=0.5"

 protected:
  Dropout(const char* type_name, const DropoutOptions& options, Generator& gen);
};

class Dropout2d : public Dropout {
 public:
  explicit Dropout2d(const DropoutOptions& options = {}, Generator& gen = default_generator());
  explicit Dropout2d(double p, Generator& gen = default_generator());
  Variable forward(const Variable& x) override;
};

}  // namespace nash::nn
