// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_) and WGAN's weight
// clipping. Parameters without a gradient are skipped. All run in place under no-grad.
#pragma once
#include <limits>
#include <vector>

#include "autograd/variable.h"

namespace nash::nn::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

// The norm of all gradients together, as if concatenated into one vector: (sum_i |g_i|^p)^(1/p)
// for norm_type p > 0, max_i |g_i| for kInfNorm. If it exceeds max_norm, every gradient is scaled
// by max_norm / (total + 1e-6) (torch's formula). Returns the total norm before clipping (0 when
// no parameter has a gradient). With error_if_nonfinite a NaN/Inf total throws.
double clip_grad_norm_(const std::vector<Variable>& params, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);

// The L2 norm of all gradients together, sqrt(sum_i g_i^2) (0 when no parameter has one): the
// number clip_grad_norm_ compares with max_norm, without clipping anything. Training logs
// report it for D and G.
double grad_norm(const std::vector<Variable>& params);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Variable>& params, double clip_value);

// Clamps every parameter value into [-c, c]: the original WGAN's critic weight clipping.
void clamp_parameters_(const std::vector<Variable>& params, double c);

}  // namespace nash::nn::optim
