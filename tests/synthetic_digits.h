// Small synthetic image data sets for the classifier tests, written as real files:
//   write_digits_idx   the digits 0-9 drawn from a 3x5 bitmap font scaled 4x (a 12x20 glyph) at a
//                      random offset on a 28x28 canvas with pixel noise: 10 clearly different
//                      classes in the MNIST IDX format (train-* and optionally t10k-* files)
//   striped_images     3-channel images of 4 classes (red or blue, horizontal or vertical
//                      stripes, random phase, noise), as float32 [N, 3, S, S] in [-1, 1]
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "nn/data/idx.h"
#include "tensor/creation.h"

namespace nash::test {

// The digits' 3x5 bitmaps, one row of 3 bits per string.
inline const char* const kDigitFont[10][5] = {
    {"###", "#.#", "#.#", "#.#", "###"}, {".#.", "##.", ".#.", ".#.", "###"},
    {"###", "..#", "###", "#..", "###"}, {"###", "..#", "###", "..#", "###"},
    {"#.#", "#.#", "###", "..#", "..#"}, {"###", "#..", "###", "..#", "###"},
    {"###", "#..", "###", "#.#", "###"}, {"###", "..#", ".#.", ".#.", ".#."},
    {"###", "#.#", "###", "#.#", "###"}, {"###", "#.#", "###", "..#", "###"}};

// n 28x28 digit images (label i % 10) as bytes, seeded.
inline std::vector<uint8_t> digit_pixels(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> px(static_cast<size_t>(n) * 784);
  for (int i = 0; i < n; ++i) {
    uint8_t* img = px.data() + static_cast<size_t>(i) * 784;
    for (int p = 0; p < 784; ++p) img[p] = static_cast<uint8_t>(rng() % 40);  // background noise
    const int dx = 4 + static_cast<int>(rng() % 9), dy = 2 + static_cast<int>(rng() % 5);
    for (int r = 0; r < 20; ++r)
      for (int c = 0; c < 12; ++c)
        if (kDigitFont[i % 10][r / 4][c / 4] == '#')
          img[(dy + r) * 28 + dx + c] = static_cast<uint8_t>(200 + rng() % 56);
  }
  return px;
}

inline void write_idx(const std::string& path, const std::vector<uint32_t>& dims,
                      const std::vector<uint8_t>& payload) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) bytes += static_cast<char>((d >> s) & 0xff);
  bytes.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  std::ofstream(path, std::ios::binary) << bytes;
}

// dir/train-{images-idx3,labels-idx1}-ubyte with `train` digits, and t10k-* with `test` digits
// when test > 0. `seed` changes every image (another data set).
inline void write_digits_idx(const std::string& dir, int train, int test = 0, uint32_t seed = 1) {
  std::filesystem::create_directories(dir);
  auto split = [&](const char* name, int n, uint32_t s) {
    std::vector<uint8_t> labels(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
    write_idx(dir + "/" + name + "-images-idx3-ubyte", {uint32_t(n), 28, 28}, digit_pixels(n, s));
    write_idx(dir + "/" + name + "-labels-idx1-ubyte", {uint32_t(n)}, labels);
  };
  split("train", train, seed);
  if (test > 0) split("t10k", test, seed + 1000);
}

// n images [n, 3, side, side] of 4 classes (label i % 4): class bit 0 picks horizontal or
// vertical stripes of period 8, bit 1 red or blue; random phase and uniform noise.
inline MnistSplit striped_images(int64_t n, int64_t side, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.3f, 0.3f);
  std::vector<float> x(static_cast<size_t>(n * 3 * side * side));
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = i % 4, phase = static_cast<int64_t>(rng() % 8);
    y[static_cast<size_t>(i)] = k;
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t r = 0; r < side; ++r)
        for (int64_t c = 0; c < side; ++c) {
          const bool on = (((k & 1) ? c : r) + phase) % 8 < 4;
          const bool lit = on && ch == ((k & 2) ? 2 : 0);
          x[static_cast<size_t>(((i * 3 + ch) * side + r) * side + c)] = (lit ? 0.8f : -0.8f) + noise(rng);
        }
  }
  return {from_vector(x, {n, 3, side, side}), from_vector(y, {n})};
}

}  // namespace nash::test
