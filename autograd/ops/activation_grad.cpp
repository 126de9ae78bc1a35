// leaky_relu_grad (see autograd/ops/activation_grad.h).
#include "autograd/ops/activation_grad.h"

#include "autograd/function.h"
#include "tensor/activation_grad.h"

namespace nash {

Variable leaky_relu_grad(const Tensor& x, const Variable& dy, double slope) {
  return make_op("leaky_relu_grad", leaky_relu_backward(x, dy.value(), slope), {dy},
                 {[x, slope](const Variable& g) { return leaky_relu_grad(x, g, slope); }});
}

}  // namespace nash
