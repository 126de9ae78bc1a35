// Activation functions. Derivatives reuse the output y where that is cheaper (tanh, sigmoid,
// elu) — y is a Variable in the graph, so second derivatives still flow through it.
#include "autograd/function.h"
#include "autograd/ops.h"
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
                   return where(nash::gt(x.value(), 0.0), dy, dy * slope);
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

}  // namespace nash
