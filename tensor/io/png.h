// PNG writing (8-bit gray, RGB or RGBA; filter 0 on every row; zlib deflate) and an image grid
// of generated samples, like torchvision.utils.make_grid + save_image with value_range (-1, 1).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace nash {

// pixels: height rows of width * channels bytes, row-major, channels interleaved.
// channels: 1 gray, 3 RGB, 4 RGBA. Atomic (temp file + rename).
void write_png(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height,
               int channels);
// The same PNG file's bytes in memory (e.g. to embed in SVG or HTML); `path` only names the
// image in errors.
std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels,
                       const std::string& path = "(in memory)");

// images: [N, C, H, W] (C = 1 or 3) or [N, H, W], float32/float64 values in [-1, 1], any
// strides. Pixel = round((v + 1) * 127.5) clamped to [0, 255] (NaN -> 0). Tiles go row-major,
// nrow images per row, `padding` black pixels around and between them: the canvas is
// (rows * (H + padding) + padding) x (cols * (W + padding) + padding), cols = min(nrow, N).
void write_image_grid(const std::string& path, const Tensor& images, int64_t nrow,
                      int64_t padding = 2);

// The grid as bytes, [rows][cols][C] interleaved, for tests and other encoders; sets the
// canvas size and channel count.
std::vector<uint8_t> image_grid_pixels(const Tensor& images, int64_t nrow, int64_t padding,
                                       int64_t& width, int64_t& height, int& channels);

}  // namespace nash
