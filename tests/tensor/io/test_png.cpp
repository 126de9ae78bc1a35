// PNG: a minimal independent reader (signature, IHDR, every chunk's CRC, IDAT inflated with
// zlib, filter bytes) checks that write_png stores the exact pixels; the image grid's layout
// and [-1, 1] -> [0, 255] mapping are checked pixel by pixel.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::test::io;
namespace fs = std::filesystem;

namespace {
uint32_t be32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 |
         uint32_t(uint8_t(s[at + 2])) << 8 | uint32_t(uint8_t(s[at + 3]));
}

struct Png {
  uint32_t width = 0, height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;
  std::vector<std::string> chunk_types;
};

// Reads what write_png produces: 8-bit, non-interlaced, filter type 0 rows.
Png read_png(const std::string& path) {
  const std::string s = read_file(path);
  REQUIRE(s.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  Png png;
  std::string idat;
  size_t at = 8;
  while (at < s.size()) {
    REQUIRE(at + 12 <= s.size());
    const uint32_t len = be32(s, at);
    REQUIRE(at + 12 + len <= s.size());
    const std::string type = s.substr(at + 4, 4);
    const std::string data = s.substr(at + 8, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(s.data() + at + 4), 4 + len);
    INFO("chunk " << type);
    REQUIRE(be32(s, at + 8 + len) == uint32_t(crc));
    png.chunk_types.push_back(type);
    if (type == "IHDR") {
      REQUIRE(len == 13);
      png.width = be32(data, 0);
      png.height = be32(data, 4);
      REQUIRE(uint8_t(data[8]) == 8);  // bit depth
      const int color = uint8_t(data[9]);
      png.channels = color == 0 ? 1 : color == 2 ? 3 : color == 6 ? 4 : -1;
      REQUIRE(png.channels > 0);
      REQUIRE(data[10] == 0);
      REQUIRE(data[11] == 0);
      REQUIRE(data[12] == 0);
    } else if (type == "IDAT") {
      idat += data;
    }
    at += 12 + len;
  }
  REQUIRE(at == s.size());
  const size_t row = size_t(png.width) * png.channels;
  std::vector<uint8_t> raw((row + 1) * png.height + 1);  // +1 proves there is no extra data
  uLongf raw_len = raw.size();
  REQUIRE(uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
  REQUIRE(raw_len == (row + 1) * png.height);
  for (uint32_t y = 0; y < png.height; ++y) {
    REQUIRE(raw[y * (row + 1)] == 0);  // filter type None
    png.pixels.insert(png.pixels.end(), raw.begin() + y * (row + 1) + 1, raw.begin() + (y + 1) * (row + 1));
  }
  return png;
}
}  // namespace

TEST_CASE("write_png stores exact gray, RGB and RGBA pixels", "[io][png]") {
  TempDir dir;
  uint32_t state = 7;
  for (int channels : {1, 3, 4}) {
    for (auto [w, h] : {std::pair<int, int>{1, 1}, {5, 3}, {64, 17}}) {
      std::vector<uint8_t> px(size_t(w) * h * channels);
      for (auto& p : px) p = static_cast<uint8_t>((state = state * 1103515245u + 12345u) >> 16);
      const std::string p = dir / "img.png";
      write_png(p, px.data(), w, h, channels);
      Png png = read_png(p);
      INFO("channels " << channels << " size " << w << "x" << h);
      REQUIRE(png.width == uint32_t(w));
      REQUIRE(png.height == uint32_t(h));
      REQUIRE(png.channels == channels);
      REQUIRE(png.chunk_types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
      REQUIRE(png.pixels == px);
    }
  }
}

TEST_CASE("write_png validates its arguments", "[io][png]") {
  TempDir dir;
  uint8_t px[4] = {0, 1, 2, 3};
  REQUIRE_THAT(error_of([&] { write_png(dir / "a.png", px, 2, 2, 2); }),
               Catch::Contains("channels must be 1, 3 or 4, got 2"));
  REQUIRE_THAT(error_of([&] { write_png(dir / "a.png", px, 0, 2, 1); }), Catch::Contains("invalid size 0x2"));
  REQUIRE_THAT(error_of([&] { write_png(dir / "a.png", px, 1 << 20, 1 << 20, 4); }),
               Catch::Contains("too large"));
  REQUIRE_FALSE(fs::exists(dir / "a.png"));
}

TEST_CASE("image grid maps [-1, 1] to bytes and tiles row-major with padding", "[io][png]") {
  TempDir dir;
  // 3 gray 2x2 images, nrow 2, padding 1: canvas (2*(2+1)+1) x (2*(2+1)+1) = 7 x 7.
  Tensor imgs = from_vector(std::vector<float>{-1, 1, 0, 0.5f,            // image 0
                                               2, -3, std::nanf(""), -0.5f,  // image 1 (clamped)
                                               0.2f, -0.2f, 1, -1},       // image 2
                            {3, 1, 2, 2});
  const std::string p = dir / "grid.png";
  write_image_grid(p, imgs, 2, 1);
  Png png = read_png(p);
  REQUIRE(png.width == 7);
  REQUIRE(png.height == 7);
  REQUIRE(png.channels == 1);
  // round((v + 1) * 127.5): -1 -> 0, 1 -> 255, 0 -> 128 (127.5 rounds up), 0.5 -> 191 (191.25),
  // -0.5 -> 64 (63.75), 0.2 -> 153, -0.2 -> 102; out of range clamps, NaN -> 0.
  const std::vector<uint8_t> expected = {
      0, 0,   0,   0, 0,   0,   0,
      0, 0,   255, 0, 255, 0,   0,
      0, 128, 191, 0, 0,   64,  0,
      0, 0,   0,   0, 0,   0,   0,
      0, 153, 102, 0, 0,   0,   0,
      0, 255, 0,   0, 0,   0,   0,
      0, 0,   0,   0, 0,   0,   0};
  REQUIRE(png.pixels == expected);
}

TEST_CASE("image grid handles RGB, [N, H, W], float64 and strided input", "[io][png]") {
  TempDir dir;
  // Two RGB 1x2 images as a channels-last tensor permuted to [N, C, H, W] (non-contiguous).
  Tensor nhwc = from_vector(std::vector<double>{-1, 0, 1, 1, 1, -1, 0.5, -0.5, 0, 1, -1, 1},
                            {2, 1, 2, 3});
  Tensor nchw = nhwc.permute({0, 3, 1, 2});
  REQUIRE(nchw.shape() == Shape{2, 3, 1, 2});
  REQUIRE_FALSE(nchw.is_contiguous());
  int64_t w = 0, h = 0;
  int c = 0;
  std::vector<uint8_t> px = image_grid_pixels(nchw, 8, 0, w, h, c);
  REQUIRE(w == 4);
  REQUIRE(h == 1);
  REQUIRE(c == 3);
  REQUIRE(px == std::vector<uint8_t>{0, 128, 255, 255, 255, 0, 191, 64, 128, 255, 0, 255});
  write_image_grid(dir / "rgb.png", nchw, 8, 0);
  REQUIRE(read_png(dir / "rgb.png").pixels == px);

  // [N, H, W] is gray; 5 images with nrow 2 make 3 rows (the last one half empty).
  Tensor gray = full({5, 3, 4}, 1.0);
  px = image_grid_pixels(gray, 2, 2, w, h, c);
  REQUIRE(w == 2 * (4 + 2) + 2);
  REQUIRE(h == 3 * (3 + 2) + 2);
  REQUIRE(c == 1);
  int64_t white = 0;
  for (uint8_t v : px) white += v == 255;
  REQUIRE(white == 5 * 3 * 4);
  REQUIRE(px[size_t((2 * 5 + 2) * w + 6 + 2)] == 0);  // the missing 6th tile stays black

  REQUIRE_THAT(error_of([&] { write_image_grid(dir / "x.png", full({2, 2, 3, 3}, 0.0), 1); }),
               Catch::Contains("1 or 3 channels") && Catch::Contains("[2, 2, 3, 3]"));
  REQUIRE_THAT(error_of([&] { write_image_grid(dir / "x.png", full({4}, 0.0), 1); }),
               Catch::Contains("[N, C, H, W] or [N, H, W], got [4]"));
  REQUIRE_THAT(error_of([&] { write_image_grid(dir / "x.png", full({1, 2, 2}, 0.0), 0); }),
               Catch::Contains("nrow must be > 0"));
  REQUIRE_THAT(error_of([&] { write_image_grid(dir / "x.png", zeros({1, 2, 2}, DType::Int64), 1); }),
               Catch::Contains("float32 or float64"));
}
