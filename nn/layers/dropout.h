// Dropout and Dropout2d (Srivastava et al. 2014; Tompson et al. 2015) as in PyTorch: in
// training, zero elements (Dropout) or whole channels (Dropout2d) with probability p and scale
// the rest by 1/(1-p); in eval, the identity.
//
// Each layer owns the Rng its masks are drawn from, so a forward never touches the
// global stream. It is seeded from options.seed if given, otherwise from two draws of the
// Rng passed at construction (default_rng()): manual_seed() before building a
// model therefore fixes every mask too. set_rng() replaces it at any time.
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
  std::optional<uint64_t> seed = std::nullopt;  // seeds the layer's own Rng
};

class Dropout : public Module {
 public:
  DropoutOptions options;
  Rng rng;  // the masks' source

  explicit Dropout(const DropoutOptions& options = {}, Rng& rng = default_rng());
  explicit Dropout(double p, Rng& rng = default_rng());
  void set_rng(const Rng& g) { rng = g; }
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "p=0.5"

 protected:
  Dropout(const char* type_name, const DropoutOptions& options, Rng& rng);
};

class Dropout2d : public Dropout {
 public:
  explicit Dropout2d(const DropoutOptions& options = {}, Rng& rng = default_rng());
  explicit Dropout2d(double p, Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
};

}  // namespace nash::nn
