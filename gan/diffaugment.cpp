// DiffAugment's transformations as autograd ops on x with constant random factors, index maps
// and masks drawn on the host from nash::Rng (the draws of the authors' DiffAugment_pytorch.py).
#include "gan/diffaugment.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/text.h"

namespace nash::gan {
namespace {

void check_images(const char* op, const Variable& x) {
  NASH_CHECK(x.dim() == 4 && x.dtype() != DType::Int64, op,
             ": expected float images [N, C, H, W], got ", x.shape());
}

// One factor per sample, U[0, 1), shaped [N, 1, 1, 1] to broadcast over C, H, W.
Tensor per_sample_uniform(const Variable& x, Rng& rng) {
  return uniform({x.size(0), 1, 1, 1}, 0.0, 1.0, rng, x.dtype());
}

int64_t rounded(double v) { return static_cast<int64_t>(v + 0.5); }  // int(v + 0.5), v >= 0

const char* const kNames[] = {"color", "translation", "cutout"};  // the order they are applied in


// " (did you mean color?)" when a known name is within a third of the word's length, else "".
std::string closest_name(const std::string& word) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const char* name : kNames) {
    const size_t d = edit_distance(word, name);
    if (d < best_distance) best_distance = d, best = name;
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

}  // namespace

// x + (u - 0.5); dx = dy
Variable augment_brightness(const Variable& x, Rng& rng) {
  check_images("augment_brightness", x);
  return x + Variable(sub(per_sample_uniform(x, rng), 0.5));
}

// (x - m) 2u + m with m the mean over channels; dx = 2u dy + (1 - 2u) mean_C(dy), by autograd
Variable augment_saturation(const Variable& x, Rng& rng) {
  check_images("augment_saturation", x);
  Variable m = mean(x, {1}, true);
  return (x - m) * Variable(mul(per_sample_uniform(x, rng), 2.0)) + m;
}

// (x - m)(u + 0.5) + m with m the mean over C, H, W
Variable augment_contrast(const Variable& x, Rng& rng) {
  check_images("augment_contrast", x);
  Variable m = mean(x, {1, 2, 3}, true);
  return (x - m) * Variable(add(per_sample_uniform(x, rng), 0.5)) + m;
}

// y[b, :, i, j] = x[b, :, i + tx_b, j + ty_b], or 0 outside the image: a gather from x with one
// zero appended per row of positions; dx is the matching scatter-add.
Variable augment_translation(const Variable& x, double ratio, Rng& rng) {
  check_images("augment_translation", x);
  NASH_CHECK(ratio >= 0 && ratio <= 1, "augment_translation: ratio must be in [0, 1], got ", ratio);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), l = h * w;
  const int64_t sx = rounded(static_cast<double>(h) * ratio), sy = rounded(static_cast<double>(w) * ratio);
  const std::vector<int64_t> tx = randint({n}, -sx, sx + 1, rng).values<int64_t>();
  const std::vector<int64_t> ty = randint({n}, -sy, sy + 1, rng).values<int64_t>();
  std::vector<int64_t> index(static_cast<size_t>(n * c * l));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const int64_t si = i + tx[b], sj = j + ty[b];
        const int64_t src = si >= 0 && si < h && sj >= 0 && sj < w ? si * w + sj : l;  // l: zero
        for (int64_t ch = 0; ch < c; ++ch) index[static_cast<size_t>((b * c + ch) * l + i * w + j)] = src;
      }
  Variable padded = cat({reshape(x, {n, c, l}), Variable(zeros({n, c, 1}, x.dtype()))}, 2);
  return reshape(gather(padded, 2, from_vector(index, {n, c, l})), {n, c, h, w});
}

// x times a mask that is 0 on one (round(r H) x round(r W)) square per sample, clipped to the
// image; dx = mask dy.
Variable augment_cutout(const Variable& x, double ratio, Rng& rng) {
  check_images("augment_cutout", x);
  NASH_CHECK(ratio >= 0 && ratio <= 1, "augment_cutout: ratio must be in [0, 1], got ", ratio);
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  const int64_t ch = rounded(static_cast<double>(h) * ratio), cw = rounded(static_cast<double>(w) * ratio);
  const std::vector<int64_t> ox = randint({n}, 0, h + (1 - ch % 2), rng).values<int64_t>();
  const std::vector<int64_t> oy = randint({n}, 0, w + (1 - cw % 2), rng).values<int64_t>();
  std::vector<double> mask(static_cast<size_t>(n * h * w), 1.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = std::max<int64_t>(0, ox[b] - ch / 2); i < std::min(h, ox[b] - ch / 2 + ch); ++i)
      for (int64_t j = std::max<int64_t>(0, oy[b] - cw / 2); j < std::min(w, oy[b] - cw / 2 + cw); ++j)
        mask[static_cast<size_t>((b * h + i) * w + j)] = 0.0;
  return x * Variable(from_vector(mask, {n, 1, h, w}).to(x.dtype()));
}

DiffAugmentOptions parse_diff_augment(const std::string& policy) {
  DiffAugmentOptions p{.color = false, .translation = false, .cutout = false};
  bool* const flags[] = {&p.color, &p.translation, &p.cutout};
  std::string word;
  for (size_t i = 0; i <= policy.size(); ++i) {
    const char ch = i < policy.size() ? policy[i] : ',';
    if (ch != ',') {
      if (!std::isspace(static_cast<unsigned char>(ch)))
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      continue;
    }
    if (word.empty() && i == policy.size() && policy.find_first_not_of(" \t") == std::string::npos) break;
    NASH_CHECK(!word.empty(), "diffaugment: empty name in '", policy,
               "'; expected a comma-separated list of color, translation, cutout");
    bool known = false;
    for (size_t k = 0; k < 3; ++k) {
      if (word != kNames[k]) continue;
      NASH_CHECK(!*flags[k], "diffaugment: '", word, "' is listed twice in '", policy, "'");
      *flags[k] = known = true;
    }
    NASH_CHECK(known, "diffaugment: unknown augmentation '", word, "'", closest_name(word),
               "; expected a comma-separated list of color, translation, cutout");
    word.clear();
  }
  return p;
}

std::string diff_augment_text(const DiffAugmentOptions& policy) {
  const bool on[] = {policy.color, policy.translation, policy.cutout};
  std::string text;
  for (size_t k = 0; k < 3; ++k)
    if (on[k]) {
      if (!text.empty()) text += ',';
      text += kNames[k];
    }
  return text;
}

Variable diff_augment(const Variable& x, const DiffAugmentOptions& policy, Rng& rng) {
  check_images("diff_augment", x);
  Variable y = x;
  if (policy.color) y = augment_contrast(augment_saturation(augment_brightness(y, rng), rng), rng);
  if (policy.translation) y = augment_translation(y, policy.translation_ratio, rng);
  if (policy.cutout) y = augment_cutout(y, policy.cutout_ratio, rng);
  return y;
}

}  // namespace nash::gan
