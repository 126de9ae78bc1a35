// Padding, pixel_shuffle, bilinear upsampling, adaptive average pooling, ceil_mode pooling and
// grouped convolution: forward values against PyTorch 1.13 (tests/torch_reference_values.h) or
// by hand, first and second derivatives, errors.
#include "op_check.h"
#include "torch_reference_values.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
}  // namespace

TEST_CASE("pad2d: zeros and reflection, as torch", "[autograd][ops]") {
  Variable r(wave({1, 1, 3, 4}));
  check_values(pad2d(r, {2, 1, 1, 2}, PadMode::Reflect), {1, 1, 6, 7}, torch_ref::reflect, 0);
  check_values(pad2d(r, {1, 0, 0, 2}), {1, 1, 5, 5}, torch_ref::zeropad, 0);
  // By hand: [a b c] reflected by 2 on the left is [c b a b c]; a constant value.
  check_values(pad2d(Variable(f64({1, 2, 3}, {1, 3})), {2, 0, 0, 0}, PadMode::Reflect), {1, 5},
               {3, 2, 1, 2, 3});
  check_values(pad2d(Variable(f64({1, 2}, {1, 2})), {1, 1, 1, 0}, PadMode::Constant, -1.0),
               {2, 4}, {-1, -1, -1, -1, -1, 1, 2, -1});
  // Any leading dims; float32 too.
  CHECK(pad2d(Variable(zeros({2, 3, 4, 5})), {1, 2, 3, 4}).shape() == Shape{2, 3, 11, 8});
  CHECK(error_of([&] { pad2d(r, {4, 0, 0, 0}, PadMode::Reflect); }) ==
        "pad2d: reflection padding {4, 0, 0, 0} must be less than the input's H and W, got "
        "[1, 1, 3, 4]");
  CHECK(error_of([&] { pad2d(r, {0, -1, 0, 0}); }) ==
        "pad2d: padding must be >= 0, got {0, -1, 0, 0} for [1, 1, 3, 4]");
}

TEST_CASE("pad2d: first and second derivatives", "[autograd][ops]") {
  const Tensor x = wave({2, 2, 3, 4});
  check_grads("zero pad", [](const Vars& v) { return pad2d(v[0], {1, 2, 0, 1}); }, {x});
  check_grads("reflect pad", [](const Vars& v) { return pad2d(v[0], {3, 1, 2, 2}, PadMode::Reflect); },
              {x});
  // Reflected copies send their gradient back: row [a b c] padded by (2, 0) is [c b a b c],
  // so d sum / d[a b c] = [1 2 2].
  Variable a(f64({1, 2, 3}, {1, 3}), true);
  sum(pad2d(a, {2, 0, 0, 0}, PadMode::Reflect)).backward();
  check_values(a.grad(), {1, 3}, {1, 2, 2});
}

TEST_CASE("pixel_shuffle: torch's layout, gradients, errors", "[autograd][ops]") {
  std::vector<double> v(16);
  for (int i = 0; i < 16; ++i) v[i] = i;
  check_values(pixel_shuffle(Variable(f64(v, {1, 8, 1, 2})), 2), {1, 2, 2, 4},
               torch_ref::pixel_shuffle, 0);
  CHECK(pixel_shuffle(Variable(zeros({9, 2, 3})), 3).shape() == Shape{1, 6, 9});  // unbatched
  check_grads("pixel_shuffle", [](const Vars& x) { return pixel_shuffle(x[0], 2); },
              {wave({2, 8, 2, 3})});
  CHECK(error_of([] { pixel_shuffle(Variable(zeros({1, 6, 2, 2})), 2); }) ==
        "pixel_shuffle: 6 channels of [1, 6, 2, 2] are not divisible by upscale_factor^2 = 4");
}

TEST_CASE("upsample_bilinear2d: both align_corners, up and down, as torch", "[autograd][ops]") {
  Variable b(wave({1, 1, 2, 3}));
  check_values(upsample_bilinear2d(b, {4, 5}), {1, 1, 4, 5}, torch_ref::bilinear_f);
  check_values(upsample_bilinear2d(b, {4, 5}, true), {1, 1, 4, 5}, torch_ref::bilinear_t);
  Variable b2(wave({1, 2, 3, 3}));
  check_values(upsample_bilinear2d(b2, {2, 4}), {1, 2, 2, 4}, torch_ref::bilinear_down_f);
  check_values(upsample_bilinear2d(b2, {6, 6}), {1, 2, 6, 6}, torch_ref::bilinear_up2);
  // float32: the same weights rounded once.
  check_values(upsample_bilinear2d(Variable(wave({1, 2, 3, 3}).to(DType::Float32)), {6, 6}),
               {1, 2, 6, 6}, torch_ref::bilinear_up2, 1e-6);
  check_grads("bilinear", [](const Vars& x) { return upsample_bilinear2d(x[0], {5, 7}); },
              {wave({2, 1, 3, 4})});
  check_grads("bilinear corners", [](const Vars& x) { return upsample_bilinear2d(x[0], {2, 3}, true); },
              {wave({1, 2, 4, 4})});
  CHECK(error_of([] { upsample_bilinear2d(Variable(zeros({2})), {2, 2}); }) ==
        "upsample_bilinear2d: expected an input [..., H, W], got [2]");
}

TEST_CASE("adaptive_avg_pool2d: uneven bins as torch, gradients", "[autograd][ops]") {
  Variable a(wave({1, 2, 5, 7}));
  check_values(adaptive_avg_pool2d(a, {3, 4}), {1, 2, 3, 4}, torch_ref::adaptive_3x4);
  check_values(adaptive_avg_pool2d(a, {1, 1}), {1, 2, 1, 1}, torch_ref::adaptive_1x1);
  check_grads("adaptive", [](const Vars& x) { return adaptive_avg_pool2d(x[0], {2, 3}); },
              {wave({2, 2, 5, 4})});
  // More bins than pixels: overlapping bins of one pixel, as torch.
  check_values(adaptive_avg_pool2d(Variable(f64({1, 2}, {1, 2})), {1, 3}), {1, 3}, {1, 1.5, 2});
  CHECK(error_of([&] { adaptive_avg_pool2d(a, {0, 2}); }) ==
        "adaptive_avg_pool2d: output size must be >= 1, got {0, 2} for [1, 2, 5, 7]");
}

TEST_CASE("max_pool2d / avg_pool2d with ceil_mode, as torch", "[autograd][ops]") {
  Variable p(wave({1, 1, 5, 5}));
  check_values(max_pool2d(p, {2, 2}, {2, 2}, {0, 0}, true), {1, 1, 3, 3}, torch_ref::maxpool_ceil, 0);
  check_values(avg_pool2d(p, {2, 2}, {2, 2}, {0, 0}, true), {1, 1, 3, 3}, torch_ref::avgpool_ceil);
  Variable p6(wave({1, 1, 6, 6}));
  check_values(avg_pool2d(p6, {3, 3}, {2, 2}, {1, 1}, true), {1, 1, 4, 4},
               torch_ref::avgpool_ceil_pad);
  check_values(max_pool2d(p6, {3, 3}, {2, 2}, {1, 1}, true), {1, 1, 4, 4},
               torch_ref::maxpool_ceil_pad, 0);
  // ceil and floor agree here (4 / 2 is whole): 3 x 3.
  check_values(max_pool2d(Variable(wave({1, 1, 7, 7})), {3, 3}, {2, 2}, {0, 0}, true),
               {1, 1, 3, 3}, torch_ref::maxpool_ceil_k3s2_7, 0);
  check_grads("max ceil", [](const Vars& x) { return max_pool2d(x[0], {2, 2}, {2, 2}, {0, 0}, true); },
              {wave({1, 2, 5, 5})});
  check_grads("avg ceil", [](const Vars& x) { return avg_pool2d(x[0], {3, 3}, {2, 2}, {1, 1}, true); },
              {wave({1, 2, 6, 6})});
  CHECK(error_of([] { max_pool2d(Variable(zeros({2, 5, 5})), {2, 2}, {2, 2}, {0, 0}, true); }) ==
        "max_pool2d: expected an input [N, C, H, W], got [2, 5, 5]");
}

TEST_CASE("conv2d with groups: as torch, gradients, errors", "[autograd][ops]") {
  Variable x(wave({1, 4, 3, 3})), w(wave({6, 2, 2, 2}, 1.1)), b(wave({6}, 2.0));
  check_values(conv2d(x, w, b, {}, 2), {1, 6, 2, 2}, torch_ref::conv_groups2);
  Conv2dArgs pad1;
  pad1.padding = {1, 1};
  check_values(conv2d(x, Variable(wave({4, 1, 2, 2}, 0.5)), Variable(), pad1, 4), {1, 4, 4, 4},
               torch_ref::conv_depthwise);
  check_grads("grouped conv",
              [](const Vars& v) { return conv2d(v[0], v[1], v[2], {}, 2); },
              {wave({2, 4, 3, 3}), wave({6, 2, 2, 2}, 1.1), wave({6}, 2.0)});
  CHECK(error_of([&] { conv2d(x, Variable(zeros({6, 2, 2, 2})), Variable(), {}, 3); }) ==
        "conv2d: 4 input and 6 output channels must both be divisible by groups = 3");
  CHECK(error_of([&] { conv2d(x, Variable(zeros({6, 3, 2, 2})), Variable(), {}, 2); }) ==
        "conv2d: weight [6, 3, 2, 2] with groups = 2 expects 6 input channels, got [1, 4, 3, 3]");
}
