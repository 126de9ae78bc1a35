// Image data sets from disk, returned like the IDX reader's MnistSplit (images [N, C, H, W]
// float32 in a PixelRange, labels int64 [N]) plus the class names:
//   load_image_folder  a folder of PNG/JPEG files of any size, one subfolder per class (labels
//                      follow the sorted subfolder names), each image resized so its shorter
//                      side is `size` and center-cropped to size x size
//   load_npy_images    a .npy image array [N, H, W] or [N, C, H, W], uint8 or float32
//
//   ImageFolderOptions o;  o.size = 64;  o.channels = 3;
//   ImageDataset d = load_image_folder("data/flowers", o);
//   // d.images [N, 3, 64, 64] in [-1, 1]; d.labels [N]; d.class_names {"daisy", "rose"}
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/data/idx.h"
#include "nn/data/image_decode.h"

namespace nash::nn {

enum class ResizeFilter {
  Area,      // each output pixel averages the source area it covers (best for shrinking)
  Bilinear,  // half-pixel-centred bilinear, no antialiasing (torch align_corners=False)
};

struct ImageFolderOptions {
  int64_t size = 64;      // output height = width
  int64_t channels = 3;   // 1 (gray: 0.299 R + 0.587 G + 0.114 B) or 3 (gray is replicated)
  ResizeFilter filter = ResizeFilter::Area;
  PixelRange range = PixelRange::MinusOneToOne;
  bool skip_bad_images = true;  // false: the first unreadable image is an error
};

struct ImageDataset : MnistSplit {
  std::vector<std::string> class_names;  // label i is class_names[i]
  std::vector<std::string> skipped;      // "path: reason" for each unreadable image
};

// dir holds one subfolder per class (searched recursively; hidden entries ignored) with
// .png/.jpg/.jpeg files (any case); a dir with no subfolders is one class named after it.
// Files are read in sorted path order. Throws when dir is missing, holds no image files, or
// no image could be read; unreadable images (not an image, truncated, corrupt) are listed in
// `skipped` (or throw, when skip_bad_images is false).
ImageDataset load_image_folder(const std::string& dir, const ImageFolderOptions& options = {});

// One decoded image, shorter side resized to size and center-cropped: [C, size, size] floats
// on the pixel scale 0..255 (C = the image's channels), row-major.
std::vector<float> resize_center_crop(const DecodedImage& image, int64_t size, ResizeFilter filter);

// images_path: [N, H, W] or [N, C, H, W] (C = 1 or 3), uint8 (0..255) or float32 (in [0, 1],
// checked). labels_path (optional): int64 [N] with values >= 0; without it every label is 0.
// class_names are "0", "1", ... up to the largest label.
ImageDataset load_npy_images(const std::string& images_path, const std::string& labels_path = "",
                             PixelRange range = PixelRange::MinusOneToOne);

}  // namespace nash::nn
