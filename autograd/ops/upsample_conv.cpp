// upsample_conv2d = conv2d(upsample_nearest2d(x, 2), w, b) with a 3x3 kernel, stride 1,
// padding 1, and its two adjoints, as Variable ops. As with conv2d (ops/conv.cpp) the three are
// bilinear and each one's derivatives are the other two, so gradients of any order stay here.
//
// Shapes: x [N, C, H, W], w [O, C, 3, 3], b [O], y / dy [N, O, 2H, 2W].
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/conv.h"
#include "tensor/ops.h"

namespace nash {

// y = U(x, w) + b
//   dx = upsample_conv2d_backward_input(dy, w), dw = upsample_conv2d_backward_weight(dy, x),
//   db = sum_{N,2H,2W} dy
Variable upsample_conv2d(const Variable& x, const Variable& w, const Variable& b) {
  Tensor y = nash::upsample_conv2d(x.value(), w.value(), b.defined() ? b.value() : Tensor());
  OpInputs inputs{x, w};
  OpDerivatives derivatives{
      [w](const Variable& dy) { return upsample_conv2d_backward_input(dy, w); },
      [x](const Variable& dy) { return upsample_conv2d_backward_weight(dy, x); }};
  if (b.defined()) {
    inputs.push_back(b);
    derivatives.push_back([](const Variable& dy) { return sum(dy, {0, 2, 3}); });
  }
  return make_op("upsample_conv2d", std::move(y), std::move(inputs), std::move(derivatives));
}

// dx = B(dy, w), the adjoint of x -> U(x, w). For an upstream g [N, C, H, W],
// <g, B(dy, w)> = <U(g, w), dy>, so  d(dy) = U(g, w),  dw = upsample_conv2d_backward_weight(dy, g)
Variable upsample_conv2d_backward_input(const Variable& dy, const Variable& w) {
  Tensor dx = nash::upsample_conv2d_backward_input(dy.value(), w.value());
  return make_op("upsample_conv2d_backward_input", std::move(dx), {dy, w},
                 {[w](const Variable& g) { return upsample_conv2d(g, w, Variable()); },
                  [dy](const Variable& g) { return upsample_conv2d_backward_weight(dy, g); }});
}

// dw = W(dy, x), the adjoint of w -> U(x, w). For an upstream g [O, C, 3, 3],
// <g, W(dy, x)> = <dy, U(x, g)>, so  d(dy) = U(x, g),  dx = upsample_conv2d_backward_input(dy, g)
Variable upsample_conv2d_backward_weight(const Variable& dy, const Variable& x) {
  Tensor dw = nash::upsample_conv2d_backward_weight(dy.value(), x.value());
  return make_op("upsample_conv2d_backward_weight", std::move(dw), {dy, x},
                 {[x](const Variable& g) { return upsample_conv2d(x, g, Variable()); },
                  [dy](const Variable& g) { return upsample_conv2d_backward_input(dy, g); }});
}

}  // namespace nash
