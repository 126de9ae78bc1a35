// DiffAugment: what each transformation preserves and changes (checked per sample), seeded
// repeatability, and first and second derivatives through the whole policy.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/gradcheck.h"
#include "error_of.h"
#include "gan/diffaugment.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;
using nash::test::error_of;

namespace {
Tensor images(uint64_t seed, Shape shape = {4, 3, 8, 8}) {
  Rng rng(seed);
  return add(uniform(shape, -1, 1, rng, DType::Float64), 0.0);
}
double max_abs(const Tensor& t) { return amax(abs(t)).item(); }
}  // namespace

TEST_CASE("DiffAugment color: brightness, saturation, contrast", "[gan][diffaugment]") {
  Tensor x = images(1);
  Rng rng(2);
  // Brightness adds one constant in [-0.5, 0.5) per sample.
  Tensor d = sub(augment_brightness(Variable(x), rng).value(), x);
  for (int64_t b = 0; b < 4; ++b) {
    Tensor db = d.select(0, b);
    CHECK(amax(db).item() - amin(db).item() < 1e-12);
    CHECK(std::abs(db.at({0, 0, 0})) <= 0.5);
  }
  // Saturation keeps the mean over channels at every pixel; contrast keeps each image's mean.
  Tensor s = augment_saturation(Variable(x), rng).value();
  CHECK(max_abs(sub(mean(s, {1}), mean(x, {1}))) < 1e-12);
  CHECK(max_abs(sub(s, x)) > 0.01);
  Tensor c = augment_contrast(Variable(x), rng).value();
  CHECK(max_abs(sub(mean(c, {1, 2, 3}), mean(x, {1, 2, 3}))) < 1e-12);
  // Contrast scales deviations from the mean by a factor in [0.5, 1.5) per sample.
  for (int64_t b = 0; b < 4; ++b) {
    Tensor dev_x = sub(x.select(0, b), mean(x.select(0, b)));
    Tensor dev_c = sub(c.select(0, b), mean(c.select(0, b)));
    const double k = dev_c.at({0, 0, 0}) / dev_x.at({0, 0, 0});
    CHECK(k >= 0.5);
    CHECK(k < 1.5);
    CHECK(max_abs(sub(dev_c, mul(dev_x, k))) < 1e-12);
  }
}

TEST_CASE("DiffAugment translation: a zero-filled shift of at most 1/8 per sample", "[gan][diffaugment]") {
  Tensor x = add(images(3), 2.0);  // no zeros inside the images
  Rng rng(4);
  Tensor y = augment_translation(Variable(x), 0.125, rng).value();  // 8 * 1/8 = 1 pixel
  int shifted = 0;
  for (int64_t b = 0; b < 4; ++b) {
    int matches = 0;
    for (int64_t tx = -1; tx <= 1; ++tx)
      for (int64_t ty = -1; ty <= 1; ++ty) {
        bool same = true;
        for (int64_t c = 0; c < 3 && same; ++c)
          for (int64_t i = 0; i < 8 && same; ++i)
            for (int64_t j = 0; j < 8 && same; ++j) {
              const int64_t si = i + tx, sj = j + ty;
              const double want = si >= 0 && si < 8 && sj >= 0 && sj < 8 ? x.at({b, c, si, sj}) : 0.0;
              same = y.at({b, c, i, j}) == want;
            }
        if (same) {
          ++matches;
          shifted += tx != 0 || ty != 0;
        }
      }
    CHECK(matches == 1);
  }
  CHECK(shifted >= 1);  // 4 samples, 8 of 9 shifts move the image
  Rng rng0(4);
  CHECK(max_abs(sub(augment_translation(Variable(x), 0.0, rng0).value(), x)) == 0.0);
}

TEST_CASE("DiffAugment cutout: one zeroed square of half the size, the rest kept", "[gan][diffaugment]") {
  Tensor x = add(images(5), 2.0);
  Rng rng(6);
  Tensor y = augment_cutout(Variable(x), 0.5, rng).value();  // 4x4 squares, clipped at edges
  for (int64_t b = 0; b < 4; ++b) {
    int64_t zeros_n = 0, rmin = 8, rmax = -1, cmin = 8, cmax = -1;
    for (int64_t i = 0; i < 8; ++i)
      for (int64_t j = 0; j < 8; ++j) {
        const bool z = y.at({b, 0, i, j}) == 0.0;
        for (int64_t c = 0; c < 3; ++c)
          CHECK(y.at({b, c, i, j}) == (z ? 0.0 : x.at({b, c, i, j})));  // same mask on every channel
        if (z) {
          ++zeros_n;
          rmin = std::min(rmin, i), rmax = std::max(rmax, i), cmin = std::min(cmin, j), cmax = std::max(cmax, j);
        }
      }
    REQUIRE(zeros_n > 0);
    CHECK(zeros_n == (rmax - rmin + 1) * (cmax - cmin + 1));  // a rectangle
    CHECK(rmax - rmin + 1 <= 4);
    CHECK(cmax - cmin + 1 <= 4);
    CHECK(zeros_n >= 4);  // at least a 2x2 corner of the square lies inside
  }
}

TEST_CASE("DiffAugment: seeded, independent draws, errors", "[gan][diffaugment]") {
  Tensor x = images(7);
  DiffAugmentOptions all;
  Rng a(8), b(8);
  Tensor ya = diff_augment(Variable(x), all, a).value();
  CHECK(max_abs(sub(ya, diff_augment(Variable(x), all, b).value())) == 0.0);  // same seed
  CHECK(max_abs(sub(ya, diff_augment(Variable(x), all, a).value())) > 0.01);  // next draw differs
  DiffAugmentOptions none{.color = false, .translation = false, .cutout = false};
  CHECK(max_abs(sub(diff_augment(Variable(x), none, a).value(), x)) == 0.0);
  CHECK_THAT(error_of([&] { diff_augment(Variable(zeros({4, 8})), all, a); }),
             Catch::Contains("diff_augment: expected float images [N, C, H, W], got [4, 8]"));
}

TEST_CASE("DiffAugment: first and second derivatives through the full policy", "[gan][diffaugment]") {
  Rng rng(9);
  std::vector<Tensor> inputs{random_away_from({2, 3, 8, 8}, rng)};
  GradcheckFn f = [](const std::vector<Variable>& v) {
    Rng draws(10);  // the same augmentation on every evaluation
    return diff_augment(v[0], DiffAugmentOptions{}, draws);
  };
  GradcheckResult r1 = gradcheck(f, inputs);
  INFO(r1.message);
  CHECK(r1.ok);
  GradcheckResult r2 = gradgradcheck(f, inputs);
  INFO(r2.message);
  CHECK(r2.ok);
}

TEST_CASE("DiffAugment policies as text: any subset, any order, clear errors", "[gan][diffaugment]") {
  DiffAugmentOptions p = parse_diff_augment(" Cutout,color ");
  CHECK(p.color);
  CHECK_FALSE(p.translation);
  CHECK(p.cutout);
  CHECK(diff_augment_text(p) == "color,cutout");  // the order diff_augment applies them in
  DiffAugmentOptions none = parse_diff_augment("");
  CHECK_FALSE((none.color || none.translation || none.cutout));
  CHECK(diff_augment_text(none).empty());
  CHECK(diff_augment_text(parse_diff_augment("translation,cutout,color")) == "color,translation,cutout");
  CHECK(error_of([] { parse_diff_augment("color,translate"); }) ==
        "diffaugment: unknown augmentation 'translate' (did you mean translation?); expected a "
        "comma-separated list of color, translation, cutout");
  CHECK(error_of([] { parse_diff_augment("flip"); }) ==
        "diffaugment: unknown augmentation 'flip'; expected a comma-separated list of color, translation, cutout");
  CHECK(error_of([] { parse_diff_augment("color,"); }).find("empty name in 'color,'") != std::string::npos);
  CHECK(error_of([] { parse_diff_augment("color,Color"); }) == "diffaugment: 'color' is listed twice in 'color,Color'");
}
