// Image folders and .npy image arrays as data sets: scan, decode (nn/data/image_decode.h),
// resize + center-crop with separable filter taps, convert channels, map to a PixelRange.
#include "nn/data/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tensor/creation.h"
#include "tensor/error.h"
#include "tensor/io/npy.h"
#include "tensor/ops.h"

namespace nash::nn {
namespace {

namespace fs = std::filesystem;

// For each of `out` output pixels along one axis: the first source index and its weights.
struct Taps {
  std::vector<int64_t> first;
  std::vector<std::vector<float>> weights;
};

// The axis of length `in`, resized to `resized` and then cropped to [offset, offset + out).
Taps make_taps(int64_t in, int64_t resized, int64_t offset, int64_t out, ResizeFilter filter) {
  Taps t;
  const double step = static_cast<double>(in) / static_cast<double>(resized);  // source per output
  for (int64_t o = 0; o < out; ++o) {
    const double r = static_cast<double>(o + offset);
    std::vector<float> w;
    int64_t first = 0;
    if (filter == ResizeFilter::Area) {
      // Output pixel r covers [r step, (r + 1) step) of the source: weight each source pixel
      // by its overlap with that interval.
      const double lo = r * step, hi = (r + 1) * step;
      first = std::min(static_cast<int64_t>(std::floor(lo)), in - 1);
      for (int64_t j = first; j < in && static_cast<double>(j) < hi; ++j)
        w.push_back(static_cast<float>((std::min(hi, j + 1.0) - std::max(lo, static_cast<double>(j))) / (hi - lo)));
    } else {
      // Half-pixel centres: source coordinate (r + 0.5) step - 0.5, clamped to the edges.
      const double c = std::clamp((r + 0.5) * step - 0.5, 0.0, static_cast<double>(in - 1));
      first = std::min(static_cast<int64_t>(std::floor(c)), in - 1);
      const double frac = c - static_cast<double>(first);
      w.push_back(static_cast<float>(1.0 - frac));
      if (first + 1 < in) w.push_back(static_cast<float>(frac));
    }
    t.first.push_back(first);
    t.weights.push_back(std::move(w));
  }
  return t;
}

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// "data/cats/" -> "cats".
std::string folder_name(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename()) n = n.parent_path();
  return n.filename().string();
}

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

// Sorted image files under dir, recursively, skipping hidden entries.
std::vector<fs::path> image_files(const fs::path& dir) {
  std::vector<fs::path> files;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink);
  for (; it != fs::recursive_directory_iterator(); ++it) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && has_image_extension(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The value a pixel-scale value p in [0, 255] takes in range.
float to_range(float p, PixelRange range) {
  switch (range) {
    case PixelRange::Raw: return p;
    case PixelRange::ZeroToOne: return static_cast<float>(p / 255.0);
    case PixelRange::MinusOneToOne: return static_cast<float>(p / 127.5 - 1.0);
  }
  return p;
}

// [C_in, S, S] pixel-scale -> channels, written into out ([channels, S, S]) in range.
void store(const std::vector<float>& chw, int64_t c_in, int64_t channels, int64_t plane,
           PixelRange range, float* out) {
  for (int64_t i = 0; i < plane; ++i) {
    if (c_in == channels) {
      for (int64_t c = 0; c < channels; ++c) out[c * plane + i] = to_range(chw[c * plane + i], range);
    } else if (channels == 3) {  // gray -> RGB
      const float v = to_range(chw[i], range);
      out[i] = out[plane + i] = out[2 * plane + i] = v;
    } else {  // RGB -> gray (ITU-R 601 luma, as PIL's convert("L"))
      out[i] = to_range(0.299f * chw[i] + 0.587f * chw[plane + i] + 0.114f * chw[2 * plane + i], range);
    }
  }
}

}  // namespace

std::vector<float> resize_center_crop(const DecodedImage& im, int64_t size, ResizeFilter filter) {
  NASH_CHECK(size >= 1 && im.width >= 1 && im.height >= 1 &&
                 static_cast<int64_t>(im.pixels.size()) == im.width * im.height * im.channels,
             "resize_center_crop: expected a ", im.width, "x", im.height, "x", im.channels,
             " image with its pixels and size >= 1, got size ", size);
  // Shorter side -> size, the other in proportion (at least size); then crop the middle.
  const int64_t w = im.width, h = im.height, c = im.channels;
  const double scale = static_cast<double>(size) / static_cast<double>(std::min(w, h));
  const int64_t rw = std::max(size, static_cast<int64_t>(std::llround(static_cast<double>(w) * scale)));
  const int64_t rh = std::max(size, static_cast<int64_t>(std::llround(static_cast<double>(h) * scale)));
  const Taps tx = make_taps(w, rw, (rw - size) / 2, size, filter);
  const Taps ty = make_taps(h, rh, (rh - size) / 2, size, filter);
  // Rows first: tmp [h][size][c]; then columns into out [c][size][size].
  std::vector<float> tmp(static_cast<size_t>(h * size * c), 0.f);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < size; ++x)
      for (size_t k = 0; k < tx.weights[x].size(); ++k) {
        const uint8_t* src = &im.pixels[static_cast<size_t>((y * w + tx.first[x] + static_cast<int64_t>(k)) * c)];
        for (int64_t ch = 0; ch < c; ++ch) tmp[(y * size + x) * c + ch] += tx.weights[x][k] * src[ch];
      }
  std::vector<float> out(static_cast<size_t>(c * size * size), 0.f);
  for (int64_t y = 0; y < size; ++y)
    for (size_t k = 0; k < ty.weights[y].size(); ++k) {
      const float wk = ty.weights[y][k];
      const float* row = &tmp[static_cast<size_t>((ty.first[y] + static_cast<int64_t>(k)) * size * c)];
      for (int64_t x = 0; x < size; ++x)
        for (int64_t ch = 0; ch < c; ++ch) out[(ch * size + y) * size + x] += wk * row[x * c + ch];
    }
  return out;
}

ImageDataset load_image_folder(const std::string& dir, const ImageFolderOptions& o) {
  NASH_CHECK(o.size >= 1 && (o.channels == 1 || o.channels == 3),
             "load_image_folder: expected size >= 1 and 1 or 3 channels, got size ", o.size,
             " and ", o.channels, " channels");
  std::error_code ec;
  NASH_CHECK(fs::is_directory(dir, ec), "load_image_folder: ", dir, " is not a directory");
  std::vector<fs::path> class_dirs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && !hidden(e.path())) class_dirs.push_back(e.path());
  std::sort(class_dirs.begin(), class_dirs.end());
  if (class_dirs.empty()) class_dirs.push_back(fs::path(dir));  // one unnamed class

  ImageDataset d;
  std::vector<std::pair<fs::path, int64_t>> files;
  for (size_t k = 0; k < class_dirs.size(); ++k) {
    const fs::path& cd = class_dirs[k];
    d.class_names.push_back(folder_name(cd));
    for (const fs::path& f : image_files(cd)) files.emplace_back(f, static_cast<int64_t>(k));
  }
  NASH_CHECK(!files.empty(), "load_image_folder: ", dir, " holds no .png, .jpg or .jpeg files");

  const int64_t plane = o.size * o.size, per_image = o.channels * plane;
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  for (const auto& [path, label] : files) {
    DecodedImage im;
    try {
      im = decode_image_file(path.string());
    } catch (const Error& e) {
      if (!o.skip_bad_images) throw;
      d.skipped.push_back(e.what());
      continue;
    }
    const std::vector<float> chw = resize_center_crop(im, o.size, o.filter);
    pixels.resize(pixels.size() + static_cast<size_t>(per_image));
    store(chw, im.channels, o.channels, plane, o.range, pixels.data() + pixels.size() - per_image);
    labels.push_back(label);
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  NASH_CHECK(n > 0, "load_image_folder: ", dir, ": none of its ", files.size(),
             " image files could be read; the first: ", d.skipped.front());
  d.images = from_vector(pixels, {n, o.channels, o.size, o.size});
  d.labels = from_vector(labels, {n});
  return d;
}

ImageDataset load_npy_images(const std::string& images_path, const std::string& labels_path,
                             PixelRange range) {
  const NpyInfo info = read_npy_info(images_path);
  const bool u8 = info.descr == "|u1" || info.descr == "<u1" || info.descr == ">u1";
  NASH_CHECK(u8 || info.descr == "<f4", "load_npy_images: ", images_path,
             ": expected uint8 ('|u1') or float32 ('<f4') images, got '", info.descr, "'");
  const Shape& s = info.shape;
  NASH_CHECK((s.size() == 3 || (s.size() == 4 && (s[1] == 1 || s[1] == 3))) && s[0] > 0,
             "load_npy_images: ", images_path, ": expected images [N, H, W] or [N, C, H, W] ",
             "with C = 1 or 3 and N > 0, got ", s);
  Tensor x = load_npy(images_path);
  if (x.dim() == 3) x = x.unsqueeze(1);
  if (!u8) {
    const double lo = amin(x).item(), hi = amax(x).item();
    NASH_CHECK(lo >= 0.0 && hi <= 1.0, "load_npy_images: ", images_path,
               ": float32 images must hold values in [0, 1], found [", lo, ", ", hi, "]");
    x = mul(x, 255.0);
  }
  ImageDataset d;
  d.images = range == PixelRange::Raw         ? x.contiguous()
             : range == PixelRange::ZeroToOne ? div(x, 255.0)
                                              : sub(div(x, 127.5), 1.0);
  const int64_t n = x.size(0);
  if (labels_path.empty()) {
    d.labels = zeros({n}, DType::Int64);
  } else {
    d.labels = load_npy(labels_path);
    NASH_CHECK(d.labels.dtype() == DType::Int64 && d.labels.dim() == 1 && d.labels.size(0) == n,
               "load_npy_images: ", labels_path, ": expected int64 labels [", n, "] for images ",
               s, ", got ", dtype_name(d.labels.dtype()), " ", d.labels.shape());
  }
  int64_t classes = 1;
  for (int64_t y : d.labels.values<int64_t>()) {
    NASH_CHECK(y >= 0, "load_npy_images: ", labels_path, ": labels must be >= 0, found ", y);
    classes = std::max(classes, y + 1);
  }
  for (int64_t k = 0; k < classes; ++k) d.class_names.push_back(std::to_string(k));
  return d;
}

}  // namespace nash::nn
