// cross_entropy with probability targets (soft labels) and nll_loss / cross_entropy with
// ignore_index: values against PyTorch 1.13 (tests/torch_reference_values.h), gradients, and
// the errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/gradcheck.h"
#include "error_of.h"
#include "nn/loss.h"
#include "tensor/ops.h"
#include "torch_reference_values.h"

using namespace nash;
using nash::nn::Reduction;
using nash::test::error_of;
using nash::test::wave;
namespace ref = nash::test::torch_ref;

namespace {
Tensor i64(std::vector<int64_t> v) {
  const Shape s{static_cast<int64_t>(v.size())};
  return from_vector(v, s);
}

void require_close(const Variable& v, const std::vector<double>& expected) {
  const std::vector<double> got = v.value().to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-14));
  }
}

// The script's logits = wave(3, 4), probs = softmax(wave(3, 4, phase=1.0), 1), its weight.
Tensor probs() { return softmax(Variable(wave({3, 4}, 1.0)), 1).value(); }
const Tensor& class_weight() {
  static const Tensor w = from_vector(std::vector<double>{1.0, 2.0, 0.5, 1.5}, {4});
  return w;
}
}  // namespace

TEST_CASE("cross_entropy with probability targets: as torch, every reduction", "[nn]") {
  const Variable logits(wave({3, 4}));
  require_close(nn::cross_entropy(logits, probs()), ref::ce_soft_mean);
  require_close(nn::cross_entropy(logits, probs(), Reduction::None, 0.0, class_weight()),
                ref::ce_soft_none_w);
  require_close(nn::cross_entropy(logits, probs(), Reduction::Mean, 0.2, class_weight()),
                ref::ce_soft_mean_w_ls);
  require_close(nn::cross_entropy(logits, probs(), Reduction::Sum), ref::ce_soft_sum);
  // A one-hot probability target is the class-index loss.
  const Tensor labels = i64({1, 0, 3});
  const Tensor onehot = one_hot(labels, 4, DType::Float64);
  CHECK(nn::cross_entropy(logits, onehot).item() ==
        Approx(nn::cross_entropy(logits, labels).item()).epsilon(1e-14));
  // The module takes either kind of target.
  nn::CrossEntropyLoss ce;
  CHECK(ce(logits, probs()).item() == Approx(ref::ce_soft_mean[0]).epsilon(1e-12));
}

TEST_CASE("cross_entropy with probability targets: gradients and errors", "[nn]") {
  const Tensor t = probs();
  GradcheckFn f = [t](const std::vector<Variable>& v) {
    return nn::cross_entropy(v[0], t, Reduction::Mean, 0.1, class_weight());
  };
  CHECK(gradcheck(f, {wave({3, 4})}).ok);
  CHECK(gradgradcheck(f, {wave({3, 4})}).ok);
  const Variable logits(wave({3, 4}));
  CHECK(error_of([&] { nn::cross_entropy(logits, zeros({3, 5}, DType::Float64)); }) ==
        "cross_entropy: target must be int64 class indices [3] or class probabilities shaped like "
        "the input [3, 4], got float64 [3, 5]");
  CHECK(error_of([&] { nn::cross_entropy(logits, t, Reduction::Mean, 0.0, {}, 1); }) ==
        "cross_entropy: ignore_index (1) is not supported with a probability target");
}

TEST_CASE("ignore_index: ignored samples add nothing and leave the divisor", "[nn]") {
  const Variable logits(wave({3, 4}));
  const Tensor t = i64({1, -100, 3});
  require_close(nn::cross_entropy(logits, t), ref::ce_ignore_mean);
  require_close(nn::cross_entropy(logits, t, Reduction::None), ref::ce_ignore_none);
  require_close(nn::cross_entropy(logits, t, Reduction::Mean, 0.3), ref::ce_ignore_ls_mean);
  require_close(nn::cross_entropy(logits, i64({2, 0, 2}), Reduction::Mean, 0.1, class_weight(), 2),
                ref::ce_ignore2_w_ls);
  require_close(nn::nll_loss(log_softmax(logits, 1), t, Reduction::Mean, class_weight()),
                ref::nll_ignore_w);
  // By hand: the mean over the two kept samples.
  const Variable none = nn::cross_entropy(logits, t, Reduction::None);
  CHECK(nn::cross_entropy(logits, t).item() ==
        Approx((none.value().to_vector()[0] + none.value().to_vector()[2]) / 2).epsilon(1e-15));
  // An ignored sample's logits get no gradient.
  Variable x(wave({3, 4}), true);
  nn::cross_entropy(x, t).backward();
  const std::vector<double> g = x.grad().value().to_vector();
  for (int k = 4; k < 8; ++k) CHECK(g[k] == 0.0);
  CHECK(g[0] != 0.0);
  // Everything ignored: 0 / 0, as torch.
  CHECK(std::isnan(nn::cross_entropy(logits, i64({-100, -100, -100})).item()));
  nn::CrossEntropyLoss module(Reduction::Mean, 0.0, {}, 2);
  CHECK(module.extra_repr() == "reduction=mean, ignore_index=2");
  CHECK(error_of([&] { nn::cross_entropy(logits, i64({1, -1, 3})); }) ==
        "cross_entropy: target class -1 is out of range for 4 classes (input [3, 4])");
}
