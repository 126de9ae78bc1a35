// PNG encoder (signature, IHDR, one zlib IDAT, IEND; CRC32 from zlib) and the sample grid.
#include "tensor/io/png.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "tensor/io/file.h"

namespace nash {
namespace {

void put_u32_be(std::string& out, uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xFF);
  out += static_cast<char>((v >> 16) & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

// length, type, data, CRC32 over type + data.
void put_chunk(std::string& out, const char type[4], const unsigned char* data, size_t n) {
  put_u32_be(out, static_cast<uint32_t>(n));
  size_t type_pos = out.size();
  out.append(type, 4);
  out.append(reinterpret_cast<const char*>(data), n);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + type_pos), static_cast<uInt>(4 + n));
  put_u32_be(out, static_cast<uint32_t>(crc));
}

}  // namespace

void write_png(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height,
               int channels) {
  write_file_atomic(path, encode_png(pixels, width, height, channels, path));
}

std::string encode_png(const uint8_t* pixels, int64_t width, int64_t height, int channels,
                       const std::string& path) {
  NASH_CHECK(channels == 1 || channels == 3 || channels == 4, "write_png: ", path,
             ": channels must be 1, 3 or 4, got ", channels);
  NASH_CHECK(width > 0 && height > 0 && width <= 0x7FFFFFFF && height <= 0x7FFFFFFF,
             "write_png: ", path, ": invalid size ", width, "x", height);
  const uint64_t row = static_cast<uint64_t>(width) * channels;
  const uint64_t raw_size = (row + 1) * static_cast<uint64_t>(height);
  NASH_CHECK(raw_size <= (uint64_t{1} << 31), "write_png: ", path, ": image ", width, "x",
             height, " is too large (", raw_size, " bytes)");
  NASH_CHECK(pixels != nullptr, "write_png: ", path, ": null pixel pointer");

  // Scanlines, each prefixed by filter type 0 (None).
  std::vector<unsigned char> raw(raw_size);
  for (int64_t y = 0; y < height; ++y) {
    unsigned char* dst = raw.data() + y * (row + 1);
    dst[0] = 0;
    std::memcpy(dst + 1, pixels + y * row, row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw_size));
  std::vector<unsigned char> packed(packed_size);
  int rc = compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw_size), 6);
  NASH_CHECK(rc == Z_OK, "write_png: ", path, ": zlib compress2 failed with code ", rc);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  unsigned char ihdr[13];
  const uint32_t w = static_cast<uint32_t>(width), h = static_cast<uint32_t>(height);
  for (int i = 0; i < 4; ++i) {
    ihdr[i] = static_cast<unsigned char>(w >> (24 - 8 * i));
    ihdr[4 + i] = static_cast<unsigned char>(h >> (24 - 8 * i));
  }
  ihdr[8] = 8;  // bit depth
  ihdr[9] = channels == 1 ? 0 : channels == 3 ? 2 : 6;  // gray, truecolor, truecolor + alpha
  ihdr[10] = 0;  // compression: deflate
  ihdr[11] = 0;  // filter method 0
  ihdr[12] = 0;  // no interlace
  put_chunk(png, "IHDR", ihdr, sizeof ihdr);
  put_chunk(png, "IDAT", packed.data(), packed_size);
  put_chunk(png, "IEND", nullptr, 0);
  return png;
}

std::vector<uint8_t> image_grid_pixels(const Tensor& images, int64_t nrow, int64_t padding,
                                       int64_t& width, int64_t& height, int& channels) {
  NASH_CHECK(images.defined(), "write_image_grid: images tensor is undefined");
  NASH_CHECK(images.dim() == 3 || images.dim() == 4,
             "write_image_grid: images must be [N, C, H, W] or [N, H, W], got ", images.shape());
  NASH_CHECK(images.dtype() == DType::Float32 || images.dtype() == DType::Float64,
             "write_image_grid: images must be float32 or float64, got ",
             dtype_name(images.dtype()));
  const bool has_c = images.dim() == 4;
  const int64_t n = images.size(0), c = has_c ? images.size(1) : 1;
  const int64_t h = images.size(has_c ? 2 : 1), w = images.size(has_c ? 3 : 2);
  NASH_CHECK(c == 1 || c == 3, "write_image_grid: images need 1 or 3 channels, got shape ",
             images.shape());
  NASH_CHECK(n > 0 && h > 0 && w > 0, "write_image_grid: no pixels in images of shape ",
             images.shape());
  NASH_CHECK(nrow > 0, "write_image_grid: nrow must be > 0, got ", nrow);
  NASH_CHECK(padding >= 0, "write_image_grid: padding must be >= 0, got ", padding);

  const int64_t cols = std::min(nrow, n);
  const int64_t rows = (n + cols - 1) / cols;
  width = cols * (w + padding) + padding;
  height = rows * (h + padding) + padding;
  channels = static_cast<int>(c);
  NASH_CHECK(width <= (1 << 24) && height <= (1 << 24) && width * height * c <= (int64_t{1} << 31),
             "write_image_grid: canvas ", width, "x", height, " is too large");

  const std::vector<double> v = images.to_vector();  // [N, C, H, W] row-major
  std::vector<uint8_t> canvas(static_cast<size_t>(width * height * c), 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y0 = (i / cols) * (h + padding) + padding;
    const int64_t x0 = (i % cols) * (w + padding) + padding;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          double p = (v[((i * c + ch) * h + y) * w + x] + 1.0) * 127.5;
          p = std::isnan(p) ? 0.0 : std::clamp(p, 0.0, 255.0);
          canvas[((y0 + y) * width + (x0 + x)) * c + ch] = static_cast<uint8_t>(std::lround(p));
        }
  }
  return canvas;
}

void write_image_grid(const std::string& path, const Tensor& images, int64_t nrow,
                      int64_t padding) {
  int64_t width = 0, height = 0;
  int channels = 0;
  std::vector<uint8_t> canvas = image_grid_pixels(images, nrow, padding, width, height, channels);
  write_png(path, canvas.data(), width, height, channels);
}

}  // namespace nash
