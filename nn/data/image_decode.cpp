// PNG through libpng's simplified API (png_image: errors come back as a return value and a
// message, no longjmp reaches this code); JPEG through libjpeg with an error manager that
// longjmps back to the one function that called into the library, where no C++ object is
// created between setjmp and the library calls.
#include "nn/data/image_decode.h"

#include <csetjmp>
#include <cstdlib>
#include <cstring>

#include "tensor/error.h"
#include "tensor/io/file.h"

#ifdef NASH_HAVE_PNG
#include <png.h>
#endif
#ifdef NASH_HAVE_JPEG
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
#endif

namespace nash::nn {
namespace {

constexpr int64_t kMaxPixels = int64_t{1} << 28;

bool is_png(const std::vector<uint8_t>& b) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return b.size() >= 8 && std::memcmp(b.data(), sig, 8) == 0;
}
bool is_jpeg(const std::vector<uint8_t>& b) {
  return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

void check_size(const std::string& what, int64_t width, int64_t height) {
  NASH_CHECK(width >= 1 && height >= 1 && width * height <= kMaxPixels, "decode_image: ", what,
             ": ", width, "x", height, " pixels is empty or over the limit of ", kMaxPixels);
}

#ifdef NASH_HAVE_PNG
DecodedImage decode_png(const std::vector<uint8_t>& bytes, const std::string& what) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
    fail("decode_image: ", what, ": not a readable PNG: ", image.message);
  DecodedImage out;
  out.width = image.width;
  out.height = image.height;
  const bool color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  out.channels = color ? 3 : 1;
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  if (out.width < 1 || out.height < 1 || out.width * out.height > kMaxPixels) {
    png_image_free(&image);
    check_size(what, out.width, out.height);
  }
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  const png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, out.pixels.data(), 0, nullptr))
    fail("decode_image: ", what, ": corrupt or truncated PNG: ", image.message);
  return out;
}
#endif

#ifdef NASH_HAVE_JPEG
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};
void jpeg_fatal(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<JpegError*>(cinfo->err);
  e->mgr.format_message(cinfo, e->message);
  std::longjmp(e->jump, 1);
}
// Warnings (level -1) are corrupt data: keep the first message and stop decoding.
void jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_fatal(cinfo);
}
void jpeg_silent(j_common_ptr) {}

JpegError* init_error(JpegError& e) {
  jpeg_std_error(&e.mgr);
  e.mgr.error_exit = jpeg_fatal;
  e.mgr.emit_message = jpeg_message;
  e.mgr.output_message = jpeg_silent;
  e.message[0] = '\0';
  return &e;
}

// Returns false with err.message set on a libjpeg error. Only C objects live in this frame.
bool decode_jpeg_c(const std::vector<uint8_t>& bytes, DecodedImage& out, JpegError& err) {
  jpeg_decompress_struct cinfo = {};  // zeroed: jpeg_destroy is safe at any point
  cinfo.err = &init_error(err)->mgr;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out.width = cinfo.output_width;
  out.height = cinfo.output_height;
  out.channels = cinfo.output_components;
  if (out.width * out.height > kMaxPixels || (out.channels != 1 && out.channels != 3)) {
    jpeg_destroy_decompress(&cinfo);
    return false;  // reported by the caller from out's fields
  }
  out.pixels.resize(static_cast<size_t>(out.width * out.height * out.channels));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + static_cast<size_t>(cinfo.output_scanline) *
                                           static_cast<size_t>(out.width * out.channels);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

DecodedImage decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& what) {
  DecodedImage out;
  JpegError err;
  if (!decode_jpeg_c(bytes, out, err)) {
    if (err.message[0] != '\0')
      fail("decode_image: ", what, ": corrupt or truncated JPEG: ", err.message);
    check_size(what, out.width, out.height);
    fail("decode_image: ", what, ": unsupported JPEG with ", out.channels, " channels");
  }
  return out;
}

bool encode_jpeg_c(const uint8_t* pixels, int64_t width, int64_t height, int channels,
                   int quality, unsigned char*& buffer, unsigned long& size, JpegError& err) {
  jpeg_compress_struct cinfo = {};
  cinfo.err = &init_error(err)->mgr;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels) + static_cast<size_t>(cinfo.next_scanline) *
                                                      static_cast<size_t>(width * channels);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}
#endif

}  // namespace

#ifdef NASH_HAVE_PNG
bool png_supported() { return true; }
#else
bool png_supported() { return false; }
#endif
#ifdef NASH_HAVE_JPEG
bool jpeg_supported() { return true; }
#else
bool jpeg_supported() { return false; }
#endif

DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& what) {
  if (is_png(bytes)) {
#ifdef NASH_HAVE_PNG
    return decode_png(bytes, what);
#else
    fail("decode_image: ", what, ": is a PNG, but nash was built without PNG support "
         "(install libpng-dev and reconfigure)");
#endif
  }
  if (is_jpeg(bytes)) {
#ifdef NASH_HAVE_JPEG
    return decode_jpeg(bytes, what);
#else
    fail("decode_image: ", what, ": is a JPEG, but nash was built without JPEG support "
         "(install libjpeg-dev and reconfigure)");
#endif
  }
  fail("decode_image: ", what, ": not a PNG or JPEG file (", bytes.size(),
       " bytes, unknown signature)");
}

DecodedImage decode_image_file(const std::string& path) {
  const std::string s = read_file(path, uint64_t{1} << 30);
  return decode_image(std::vector<uint8_t>(s.begin(), s.end()), path);
}

void write_jpeg(const std::string& path, const uint8_t* pixels, int64_t width, int64_t height,
                int channels, int quality) {
  NASH_CHECK((channels == 1 || channels == 3) && width >= 1 && height >= 1 && width <= 65500 &&
                 height <= 65500 && quality >= 1 && quality <= 100,
             "write_jpeg: ", path, ": expected 1 or 3 channels, sizes in [1, 65500] and quality "
             "in [1, 100], got ", width, "x", height, "x", channels, " at quality ", quality);
#ifdef NASH_HAVE_JPEG
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  JpegError err;
  const bool ok = encode_jpeg_c(pixels, width, height, channels, quality, buffer, size, err);
  std::string bytes = ok ? std::string(reinterpret_cast<const char*>(buffer), size) : "";
  std::free(buffer);
  NASH_CHECK(ok, "write_jpeg: ", path, ": libjpeg failed: ", err.message);
  write_file_atomic(path, bytes);
#else
  fail("write_jpeg: ", path, ": nash was built without JPEG support (install libjpeg-dev and "
       "reconfigure)");
#endif
}

}  // namespace nash::nn
