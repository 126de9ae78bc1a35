// Decoding PNG and JPEG files to 8-bit pixels (through libpng and libjpeg-turbo when nash was
// built with them), and writing JPEG. Both libraries are optional: without one, its functions
// throw "... nash was built without PNG support" (or JPEG) and png_supported() says so.
//
//   DecodedImage im = decode_image_file("cat.jpg");   // im.pixels: height x width x channels
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nash::nn {

bool png_supported();
bool jpeg_supported();

struct DecodedImage {
  int64_t width = 0, height = 0;
  int channels = 0;             // 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;  // height rows of width * channels bytes, channels interleaved
};

// Decodes PNG or JPEG bytes, told apart by their signature (not the file name). Gray (with or
// without alpha) decodes to 1 channel, everything else to RGB; alpha is composited onto black,
// 16-bit samples are reduced to 8, palettes are expanded. Throws nash::Error naming `what` (a
// path) on anything else: not an image, truncated or corrupt data (for JPEG, any libjpeg
// warning such as "premature end of data" counts as corrupt), images over 2^28 pixels.
DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& what);
DecodedImage decode_image_file(const std::string& path);

// Writes pixels (height x width x channels, channels 1 or 3) as a baseline JPEG, atomically.
void write_jpeg(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height,
                int channels, int quality = 90);

}  // namespace nash::nn
