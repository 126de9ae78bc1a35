// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
// Training"): random, differentiable transformations applied to every image D sees, real and
// fake alike, in both D's and G's steps, so D cannot memorise a small training set while G still
// gets gradients through the augmentation. The policy "color,translation,cutout":
//   color        brightness  x + (u - 0.5)                 u ~ U[0, 1) per sample
//                saturation  (x - mean_C x) 2u + mean_C x
//                contrast    (x - mean_CHW x)(u + 0.5) + mean_CHW x
//   translation  shift by integers in [-r H, r H] x [-r W, r W] (rounded), r = 1/8, zero fill
//   cutout       zero one square of (r H, r W) (rounded), r = 1/2, at a random centre
// All draws come from the nash::Rng passed in (one draw per sample and transformation), so a
// seeded run repeats. Every transformation is linear in x given the draws: gradients (and
// second derivatives, for gradient penalties) pass straight through.
// Shapes: x [N, C, H, W] -> [N, C, H, W].
//
//   gan::DiffAugmentOptions policy;                       // all three, the paper's setting
//   Variable d_real = D.score(gan::diff_augment(real, policy, rng), labels);
//   Variable d_fake = D.score(gan::diff_augment(fake, policy, rng), labels);
#pragma once
#include <string>

#include "autograd/variable.h"
#include "tensor/random.h"

namespace nash::gan {

struct DiffAugmentOptions {
  bool color = true;
  bool translation = true;
  bool cutout = true;
  double translation_ratio = 0.125;
  double cutout_ratio = 0.5;
};

Variable diff_augment(const Variable& x, const DiffAugmentOptions& policy, Rng& rng);

// A policy as text: "color,translation,cutout", any subset in any order, case and spaces
// ignored; "" turns every transformation off. Throws nash::Error naming an unknown or repeated
// name, with the closest known one: "diffaugment: unknown augmentation 'colour' (did you mean
// color?); expected a comma-separated list of color, translation, cutout".
DiffAugmentOptions parse_diff_augment(const std::string& policy);
// The policy's text in the order diff_augment applies it ("" when everything is off), so that
// parse_diff_augment(diff_augment_text(p)) == p for the three switches.
std::string diff_augment_text(const DiffAugmentOptions& policy);

// The single transformations (diff_augment applies them in this order).
Variable augment_brightness(const Variable& x, Rng& rng);
Variable augment_saturation(const Variable& x, Rng& rng);
Variable augment_contrast(const Variable& x, Rng& rng);
Variable augment_translation(const Variable& x, double ratio, Rng& rng);
Variable augment_cutout(const Variable& x, double ratio, Rng& rng);

}  // namespace nash::gan
