// Activation functions. Derivatives reuse the output y where that is cheaper (tanh, sigmoid,
// elu) — y is a Variable in the graph, so second derivatives still flow through it.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "autograd/ops/activation_grad.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }
}  // namespace

// y = tanh x;  dx = dy (1 - y^2)
Variable tanh(const Variable& x) {
  return make_op("tanh", nash::tanh(x.value()), {x}, {[](const Variable& dy, const Variable& y) {
                   return dy * (1.0 - y * y);
                 }});
}

// y = 1 / (1 + e^-x);  dx = dy y (1 - y)
Variable sigmoid(const Variable& x) {
  return make_op("sigmoid", nash::sigmoid(x.value()), {x},
                 {[](const Variable& dy, const Variable& y) { return dy * y * (1.0 - y); }});
}

// y = max(x, 0);  dx = dy [x > 0]
Variable relu(const Variable& x) {
  return make_op("relu", nash::relu(x.value()), {x}, {[x](const Variable& dy) {
                   return dy * constant(nash::gt(x.value(), 0.0));
                 }});
}

// y = x > 0 ? x : slope x;  dx = dy (x > 0 ? 1 : slope)
Variable leaky_relu(const Variable& x, double slope) {
  NASH_CHECK(slope >= 0.0, "leaky_relu: slope must be >= 0, got ", slope);
  return make_op("leaky_relu", nash::leaky_relu(x.value(), slope), {x},
                 {[x, slope](const Variable& dy) {
                   return leaky_relu_grad(x.value(), dy, slope);
                 }});
}

// y = x > 0 ? x : alpha (e^x - 1);  dx = dy (x > 0 ? 1 : y + alpha)
Variable elu(const Variable& x, double alpha) {
  NASH_CHECK(alpha >= 0.0, "elu: alpha must be >= 0, got ", alpha);
  return make_op("elu", nash::elu(x.value(), alpha), {x},
                 {[x, alpha](const Variable& dy, const Variable& y) {
                   return where(nash::gt(x.value(), 0.0), dy, dy * (y + alpha));
                 }});
}

// y = log(1 + e^x), computed stably;  dx = dy sigmoid(x)
Variable softplus(const Variable& x) {
  return make_op("softplus", nash::softplus(x.value()), {x},
                 {[x](const Variable& dy) { return dy * sigmoid(x); }});
}

// y = log sigmoid(x) = -softplus(-x);  dx = dy sigmoid(-x) = dy (1 - sigmoid(x))
Variable log_sigmoid(const Variable& x) {
  return make_op("log_sigmoid", nash::log_sigmoid(x.value()), {x},
                 {[x](const Variable& dy) { return dy * sigmoid(neg(x)); }});
}

// GELU, composed (its derivatives come from erf / tanh):
//   exact  y = x (1 + erf(x / sqrt 2)) / 2
//   tanh   y = x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2
Variable gelu(const Variable& x, GeluApproximation approximate) {
  if (approximate == GeluApproximation::Tanh) {
    const double k = 0.7978845608028654;  // sqrt(2 / pi)
    return x * (1.0 + tanh((x + x * square(x) * 0.044715) * k)) * 0.5;
  }
  return x * (1.0 + erf(x * 0.7071067811865476)) * 0.5;  // 1 / sqrt 2
}

// y = x sigmoid(x), composed
Variable silu(const Variable& x) { return x * sigmoid(x); }

// y = x > 0 ? x : w x, w one value or one per channel (dim 1);  dx = dy (x > 0 ? 1 : w),
// dw = sum of dy x over x <= 0 (both from the composition)
Variable prelu(const Variable& x, const Variable& weight) {
  NASH_CHECK(weight.defined() && weight.dim() == 1, "prelu: weight must be [1] or [C], got ",
             weight.defined() ? shape_str(weight.shape()) : std::string("undefined"));
  Variable w = weight;
  if (weight.size(0) != 1) {
    NASH_CHECK(x.dim() >= 2 && x.size(1) == weight.size(0), "prelu: weight ", weight.shape(),
               " needs an input [N, ", weight.size(0), ", ...], got ", x.shape());
    Shape s(x.dim(), 1);
    s[1] = weight.size(0);
    w = reshape(weight, s);  // [1, C, 1, ...] broadcasts over N and the trailing dims
  }
  return where(nash::gt(x.value(), 0.0), x, w * x);
}

}  // namespace nash
