// nash::nn::init: parameter initialisers with torch.nn.init's formulas, names and defaults, plus
// the process-wide default generator that layers draw their initial weights from.
//
// Every initialiser writes into the Variable's value in place (the storage is kept, so views
// and state_dict entries see the new values), records no graph, and draws from the Rng
// passed last (default_rng() if omitted): seed it and every init is reproducible.
//
//   nash::nn::manual_seed(0);                                     // like torch.manual_seed(0)
//   nash::nn::Linear fc(784, 512);                                // draws from default_rng()
//   nash::Rng rng(42);
//   nash::nn::init::kaiming_normal_(fc.weight, 0.0, nash::nn::init::FanMode::FanOut,
//                                   nash::nn::init::Nonlinearity::ReLU, rng);
//   nash::nn::init::zeros_(fc.bias);
//
// Fans follow torch.nn.init._calculate_fan_in_and_fan_out on a weight [O, I, k...]:
//   fan_in = I * prod(k), fan_out = O * prod(k)   (so a ConvTranspose2d weight [C, O, KH, KW]
// has fan_in = O*KH*KW, exactly as in PyTorch).
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "autograd/variable.h"
#include "tensor/random.h"

namespace nash::nn {

// The generator layers use when none is passed. Seeded with 0 at start-up.
Rng& default_rng();
// Reseeds default_rng() (seed s, offset 0), like torch.manual_seed(s).
void manual_seed(uint64_t seed);

namespace init {

enum class FanMode { FanIn, FanOut };
enum class Nonlinearity {
  Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
  Sigmoid, Tanh, ReLU, LeakyReLU, SELU
};
const char* nonlinearity_name(Nonlinearity nonlinearity);  // "leaky_relu", as torch spells it

// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear, conv and
// sigmoid; 5/3 for tanh; sqrt(2) for relu; sqrt(2 / (1 + slope^2)) for leaky_relu with `param`
// the negative slope (0.01 when absent); 3/4 for selu. Other nonlinearities ignore `param`.
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);

struct Fans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
};
// Needs at least 2 dims: [O, I] or [O, I, k...].
Fans calculate_fan_in_and_fan_out(const Shape& shape);

// U[a, b)
Variable& uniform_(Variable& w, double a = 0.0, double b = 1.0, Rng& rng = default_rng());
// N(mean, std^2)
Variable& normal_(Variable& w, double mean = 0.0, double std = 1.0,
                  Rng& rng = default_rng());
Variable& constant_(Variable& w, double value);
Variable& zeros_(Variable& w);
Variable& ones_(Variable& w);

// Glorot & Bengio 2010: std = gain * sqrt(2 / (fan_in + fan_out)).
// uniform: U[-sqrt(3) std, sqrt(3) std];  normal: N(0, std^2).
Variable& xavier_uniform_(Variable& w, double gain = 1.0, Rng& rng = default_rng());
Variable& xavier_normal_(Variable& w, double gain = 1.0, Rng& rng = default_rng());

// He et al. 2015: std = calculate_gain(nonlinearity, a) / sqrt(fan), fan chosen by mode.
// uniform: U[-sqrt(3) std, sqrt(3) std];  normal: N(0, std^2). `a` is leaky_relu's negative
// slope (0 = relu's gain). A weight with no elements is left as it is (torch warns and returns).
Variable& kaiming_uniform_(Variable& w, double a = 0.0, FanMode mode = FanMode::FanIn,
                           Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                           Rng& rng = default_rng());
Variable& kaiming_normal_(Variable& w, double a = 0.0, FanMode mode = FanMode::FanIn,
                          Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                          Rng& rng = default_rng());

// Saxe et al. 2013: w viewed as [rows = size(0), cols = numel / rows] becomes `gain` times a
// matrix with orthonormal rows (rows <= cols) or columns (rows > cols): the Q of the QR of a
// N(0, 1) matrix (of the transpose when rows < cols), its columns multiplied by sign(diag(R))
// so that the result is uniformly distributed (Haar), as torch.nn.init.orthogonal_ does.
Variable& orthogonal_(Variable& w, double gain = 1.0, Rng& rng = default_rng());

}  // namespace init
}  // namespace nash::nn
