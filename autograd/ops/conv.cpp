// conv2d and conv_transpose2d as Variable ops, with conv2d's two adjoints (input and weight
// gradients) as Variable ops of their own. The three are bilinear and each one's derivatives are
// the other two, so gradients of any order stay in this family.
//
// Shapes: x [N, C, H, W], w [O, C, KH, KW] (conv_transpose2d: w [C, O, KH, KW]), b [O],
// y / dy [N, O, OH, OW]. conv_transpose2d(x, w) is conv2d_backward_input(x, w) onto its output.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/conv.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Tensor value_or_none(const Variable& b) { return b.defined() ? b.value() : Tensor(); }
}  // namespace

// y = conv(x, w) + b
//   dx = conv2d_backward_input(dy, w), dw = conv2d_backward_weight(dy, x), db = sum_{N,OH,OW} dy
Variable conv2d(const Variable& x, const Variable& w, const Variable& b, const Conv2dArgs& args) {
  Tensor y = nash::conv2d(x.value(), w.value(), value_or_none(b), args);
  OpInputs inputs{x, w};
  OpDerivatives derivatives{
      [w, sx = x.shape(), args](const Variable& dy) {
        return conv2d_backward_input(dy, w, sx, args);
      },
      [x, sw = w.shape(), args](const Variable& dy) {
        return conv2d_backward_weight(dy, x, sw, args);
      }};
  if (b.defined()) {
    inputs.push_back(b);
    derivatives.push_back([](const Variable& dy) { return sum(dy, {0, 2, 3}); });
  }
  return make_op("conv2d", std::move(y), std::move(inputs), std::move(derivatives));
}

// y = cat over groups g of conv(x[:, g C/G : (g+1) C/G], w[g O/G : (g+1) O/G], b[g O/G : ...])
// (derivatives from narrow, conv2d and cat)
Variable conv2d(const Variable& x, const Variable& w, const Variable& b, const Conv2dArgs& args,
                int64_t groups) {
  NASH_CHECK(groups >= 1, "conv2d: groups must be >= 1, got ", groups);
  if (groups == 1) return conv2d(x, w, b, args);
  NASH_CHECK(x.dim() == 4 && w.dim() == 4, "conv2d: expected input [N, C, H, W] and weight [O, "
             "C/groups, KH, KW], got ", x.shape(), " and ", w.shape());
  const int64_t c = x.size(1), o = w.size(0);
  NASH_CHECK(c % groups == 0 && o % groups == 0, "conv2d: ", c, " input and ", o,
             " output channels must both be divisible by groups = ", groups);
  NASH_CHECK(w.size(1) * groups == c, "conv2d: weight ", w.shape(), " with groups = ", groups,
             " expects ", w.size(1) * groups, " input channels, got ", x.shape());
  const int64_t cg = c / groups, og = o / groups;
  std::vector<Variable> ys;
  for (int64_t g = 0; g < groups; ++g)
    ys.push_back(conv2d(narrow(x, 1, g * cg, cg), narrow(w, 0, g * og, og),
                        b.defined() ? narrow(b, 0, g * og, og) : Variable(), args));
  return cat(ys, 1);
}

// dx = B(dy, w), the adjoint of x -> conv(x, w). Bilinear: for an upstream g [N, C, H, W],
// <g, B(dy, w)> = <conv(g, w), dy>, so
//   d(dy) = conv2d(g, w),  dw = conv2d_backward_weight(dy, g)
Variable conv2d_backward_input(const Variable& dy, const Variable& w, const Shape& x_shape,
                               const Conv2dArgs& args) {
  Tensor dx = nash::conv2d_backward_input(dy.value(), w.value(), x_shape, args);
  return make_op("conv2d_backward_input", std::move(dx), {dy, w},
                 {[w, args](const Variable& g) { return conv2d(g, w, Variable(), args); },
                  [dy, sw = w.shape(), args](const Variable& g) {
                    return conv2d_backward_weight(dy, g, sw, args);
                  }});
}

// dw = W(dy, x), the adjoint of w -> conv(x, w). Bilinear: for an upstream g [O, C, KH, KW],
// <g, W(dy, x)> = <dy, conv(x, g)>, so
//   d(dy) = conv2d(x, g),  dx = conv2d_backward_input(dy, g)
Variable conv2d_backward_weight(const Variable& dy, const Variable& x, const Shape& w_shape,
                                const Conv2dArgs& args) {
  Tensor dw = nash::conv2d_backward_weight(dy.value(), x.value(), w_shape, args);
  return make_op("conv2d_backward_weight", std::move(dw), {dy, x},
                 {[x, args](const Variable& g) { return conv2d(x, g, Variable(), args); },
                  [dy, sx = x.shape(), args](const Variable& g) {
                    return conv2d_backward_input(dy, g, sx, args);
                  }});
}

// y = B(x, w) + b onto [N, O, OH, OW] (B as above, with conv2d's "input" the output y here):
//   dx = conv2d(dy, w), dw = conv2d_backward_weight(x, dy), db = sum_{N,OH,OW} dy
// (output_padding < stride, so conv2d maps [OH, OW] back to exactly [H, W]).
Variable conv_transpose2d(const Variable& x, const Variable& w, const Variable& b,
                          const Conv2dArgs& args, std::array<int64_t, 2> output_padding) {
  Tensor y = nash::conv_transpose2d(x.value(), w.value(), value_or_none(b), args, output_padding);
  OpInputs inputs{x, w};
  OpDerivatives derivatives{
      [w, args](const Variable& dy) { return conv2d(dy, w, Variable(), args); },
      [x, sw = w.shape(), args](const Variable& dy) {
        return conv2d_backward_weight(x, dy, sw, args);
      }};
  if (b.defined()) {
    inputs.push_back(b);
    derivatives.push_back([](const Variable& dy) { return sum(dy, {0, 2, 3}); });
  }
  return make_op("conv_transpose2d", std::move(y), std::move(inputs), std::move(derivatives));
}

}  // namespace nash
