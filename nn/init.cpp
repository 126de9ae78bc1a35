// torch.nn.init's initialisers on Variables: fans and gains, then one in-place fill per scheme.
// orthogonal_ runs tensor/linalg's Householder QR in double on the host (not a hot path).
#include "nn/init.h"

#include <cmath>
#include <vector>

#include "tensor/linalg.h"
#include "tensor/ops.h"

namespace nash::nn {

Rng& default_rng() {
  static Rng rng(0);
  return rng;
}

void manual_seed(uint64_t seed) { default_rng().set_state(seed, 0); }

namespace init {

namespace {
// The value to fill in place; the caller's Variable keeps its storage and records no graph.
Tensor& target(Variable& w, const char* op) {
  NASH_CHECK(w.defined(), "init.", op, ": the variable is undefined");
  NASH_CHECK(w.dtype() != DType::Int64, "init.", op, ": expected a float tensor, got int64 ",
             w.shape());
  return w.mutable_value();
}

double fan_for(const Shape& shape, FanMode mode) {
  Fans f = calculate_fan_in_and_fan_out(shape);
  return static_cast<double>(mode == FanMode::FanIn ? f.fan_in : f.fan_out);
}
}  // namespace

const char* nonlinearity_name(Nonlinearity nonlinearity) {
  switch (nonlinearity) {
    case Nonlinearity::Linear: return "linear";
    case Nonlinearity::Conv1d: return "conv1d";
    case Nonlinearity::Conv2d: return "conv2d";
    case Nonlinearity::Conv3d: return "conv3d";
    case Nonlinearity::ConvTranspose1d: return "conv_transpose1d";
    case Nonlinearity::ConvTranspose2d: return "conv_transpose2d";
    case Nonlinearity::ConvTranspose3d: return "conv_transpose3d";
    case Nonlinearity::Sigmoid: return "sigmoid";
    case Nonlinearity::Tanh: return "tanh";
    case Nonlinearity::ReLU: return "relu";
    case Nonlinearity::LeakyReLU: return "leaky_relu";
    case Nonlinearity::SELU: return "selu";
  }
  return "?";
}

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  switch (nonlinearity) {
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: {
      const double slope = param.value_or(0.01);
      return std::sqrt(2.0 / (1.0 + slope * slope));
    }
    case Nonlinearity::SELU: return 3.0 / 4.0;
    default: return 1.0;  // linear, conv*, sigmoid
  }
}

Fans calculate_fan_in_and_fan_out(const Shape& shape) {
  NASH_CHECK(shape.size() >= 2,
             "init: fan in and fan out can not be computed for a tensor with fewer than 2 "
             "dimensions, got ", shape);
  int64_t receptive = 1;
  for (size_t d = 2; d < shape.size(); ++d) receptive *= shape[d];
  return {shape[1] * receptive, shape[0] * receptive};
}

Variable& uniform_(Variable& w, double a, double b, Rng& rng) {
  NASH_CHECK(a <= b, "init.uniform_: expected a <= b, got a=", a, ", b=", b);
  NoGradGuard no_grad;
  nash::uniform_(target(w, "uniform_"), a, b, rng);
  return w;
}

Variable& normal_(Variable& w, double mean, double std, Rng& rng) {
  NASH_CHECK(std >= 0.0, "init.normal_: std must be >= 0, got ", std);
  NoGradGuard no_grad;
  nash::normal_(target(w, "normal_"), mean, std, rng);
  return w;
}

Variable& constant_(Variable& w, double value) {
  NoGradGuard no_grad;
  fill_(target(w, "constant_"), value);
  return w;
}
Variable& zeros_(Variable& w) { return constant_(w, 0.0); }
Variable& ones_(Variable& w) { return constant_(w, 1.0); }

Variable& xavier_uniform_(Variable& w, double gain, Rng& rng) {
  Fans f = calculate_fan_in_and_fan_out(target(w, "xavier_uniform_").shape());
  const double std = gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(w, -bound, bound, rng);
}

Variable& xavier_normal_(Variable& w, double gain, Rng& rng) {
  Fans f = calculate_fan_in_and_fan_out(target(w, "xavier_normal_").shape());
  const double std = gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out));
  return normal_(w, 0.0, std, rng);
}

Variable& kaiming_uniform_(Variable& w, double a, FanMode mode, Nonlinearity nonlinearity,
                           Rng& rng) {
  const Shape& shape = target(w, "kaiming_uniform_").shape();
  if (numel_of(shape) == 0) return w;
  const double gain = calculate_gain(nonlinearity, a);
  const double std = gain / std::sqrt(fan_for(shape, mode));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(w, -bound, bound, rng);
}

Variable& kaiming_normal_(Variable& w, double a, FanMode mode, Nonlinearity nonlinearity,
                          Rng& rng) {
  const Shape& shape = target(w, "kaiming_normal_").shape();
  if (numel_of(shape) == 0) return w;
  const double gain = calculate_gain(nonlinearity, a);
  return normal_(w, 0.0, gain / std::sqrt(fan_for(shape, mode)), rng);
}

Variable& orthogonal_(Variable& w, double gain, Rng& rng) {
  Tensor& t = target(w, "orthogonal_");
  NASH_CHECK(t.dim() >= 2, "init.orthogonal_: only tensors with 2 or more dimensions are "
             "supported, got ", t.shape());
  if (t.numel() == 0) return w;
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  // Draw [rows, cols]; factor it (or its transpose, so that the factored matrix is tall).
  std::vector<double> flat = normal({rows, cols}, 0.0, 1.0, rng, DType::Float64).to_vector();
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> a(flat.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      (wide ? a[j * rows + i] : a[i * cols + j]) = flat[i * cols + j];
  const linalg::Matrix q = linalg::qr(linalg::Matrix(m, n, std::move(a))).q;  // [m, n]
  std::vector<double> out(flat.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      out[i * cols + j] = gain * (wide ? q(j, i) : q(i, j));
  NoGradGuard no_grad;
  copy_(t, from_vector(out, t.shape()));
  return w;
}

}  // namespace init
}  // namespace nash::nn
