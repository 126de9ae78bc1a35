// Image folders (PNG + JPEG in class subfolders, with a truncated file and a text file named
// .png among them), the resize + center-crop filters on hand-worked pixels, and .npy images.
// The folder tests skip with a warning when nash was built without libpng / libjpeg.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "nn/data/image_folder.h"
#include "tensor/creation.h"
#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/npy.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using namespace nash::test::io;
namespace fs = std::filesystem;

namespace {

// A width x height image with channels interleaved, every pixel = rgb (or rgb[0] for gray).
std::vector<uint8_t> solid(int64_t width, int64_t height, std::vector<uint8_t> rgb) {
  std::vector<uint8_t> p;
  for (int64_t i = 0; i < width * height; ++i) p.insert(p.end(), rgb.begin(), rgb.end());
  return p;
}

bool codecs() {
  if (png_supported() && jpeg_supported()) return true;
  WARN("skipped: nash was built without libpng or libjpeg (libpng-dev, libjpeg-dev)");
  return false;
}

// root/cats: 2 PNGs (red, green), a truncated PNG, a text file named .png and a .txt;
// root/dogs: 1 JPEG (blue) and 1 gray PNG. All 64x64.
void make_folder(const TempDir& root) {
  fs::create_directories(root / "cats");
  fs::create_directories(root / "dogs");
  write_png(root / "cats/a_red.png", solid(64, 64, {255, 0, 0}).data(), 64, 64, 3);
  write_png(root / "cats/b_green.png", solid(64, 64, {0, 255, 0}).data(), 64, 64, 3);
  const std::string good = read_file(root / "cats/a_red.png");
  put(root / "cats/c_truncated.png", good.substr(0, good.size() / 2));
  put(root / "cats/d_text.png", "this is not an image\n");
  put(root / "cats/notes.txt", "ignored: not an image extension\n");
  write_jpeg(root / "dogs/a_blue.jpg", solid(64, 64, {0, 0, 255}).data(), 64, 64, 3);
  write_png(root / "dogs/b_gray.PNG", solid(64, 64, {100}).data(), 64, 64, 1);
}

}  // namespace

TEST_CASE("load_image_folder: classes, labels, values, skipped files", "[nn][data]") {
  if (!codecs()) return;
  TempDir root("nash_imgfolder");
  make_folder(root);
  ImageFolderOptions o;
  o.size = 32;
  ImageDataset d = load_image_folder(root.path, o);
  REQUIRE(d.images.shape() == Shape{4, 3, 32, 32});
  CHECK(d.labels.values<int64_t>() == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(d.class_names == std::vector<std::string>{"cats", "dogs"});
  REQUIRE(d.skipped.size() == 2);
  CHECK_THAT(d.skipped[0], Catch::Contains("c_truncated.png") && Catch::Contains("corrupt or truncated PNG"));
  CHECK_THAT(d.skipped[1], Catch::Contains("d_text.png") && Catch::Contains("not a PNG or JPEG file"));
  // Red in [-1, 1]: channel 0 is 1, the others -1, at every pixel.
  CHECK(amin(d.images.select(0, 0).select(0, 0)).item() == 1.0);
  CHECK(amax(d.images.select(0, 0).select(0, 1)).item() == -1.0);
  CHECK(amin(d.images.select(0, 1).select(0, 1)).item() == 1.0);
  // JPEG blue: lossy, within a few levels of 255 / 0.
  CHECK(amin(d.images.select(0, 2).select(0, 2)).item() > 1.0 - 6 / 127.5);
  CHECK(amax(d.images.select(0, 2).select(0, 0)).item() < -1.0 + 6 / 127.5);
  // Gray 100 replicated to three channels: 100 / 127.5 - 1.
  for (int64_t c = 0; c < 3; ++c)
    CHECK(d.images.select(0, 3).select(0, c).at({5, 7}) == Approx(100 / 127.5 - 1).epsilon(1e-6));

  // One channel: luma of red is 0.299 * 255; ZeroToOne range.
  o.channels = 1;
  o.range = PixelRange::ZeroToOne;
  ImageDataset g = load_image_folder(root.path, o);
  REQUIRE(g.images.shape() == Shape{4, 1, 32, 32});
  CHECK(g.images.at({0, 0, 3, 3}) == Approx(0.299).epsilon(1e-5));
  CHECK(g.images.at({3, 0, 3, 3}) == Approx(100 / 255.0).epsilon(1e-5));
}

TEST_CASE("load_image_folder: errors", "[nn][data]") {
  if (!codecs()) return;
  TempDir root("nash_imgfolder");
  make_folder(root);
  ImageFolderOptions strict;
  strict.skip_bad_images = false;
  CHECK_THAT(error_of([&] { load_image_folder(root.path, strict); }),
             Catch::Contains("c_truncated.png: corrupt or truncated PNG"));
  // A truncated JPEG is an error too (libjpeg only warns about it).
  const std::string jpg = read_file(root / "dogs/a_blue.jpg");
  put(root / "dogs/c_cut.jpg", jpg.substr(0, jpg.size() * 2 / 3));
  ImageDataset d = load_image_folder(root.path);
  REQUIRE(d.skipped.size() == 3);
  CHECK_THAT(d.skipped[2], Catch::Contains("c_cut.jpg: corrupt or truncated JPEG"));

  TempDir empty("nash_imgfolder_empty");
  fs::create_directories(empty / "only_class");
  put(empty / "only_class/readme.txt", "no images\n");
  CHECK_THAT(error_of([&] { load_image_folder(empty.path); }),
             Catch::Contains("holds no .png, .jpg or .jpeg files"));
  TempDir bad("nash_imgfolder_bad");
  put(bad / "x.png", "garbage");
  CHECK_THAT(error_of([&] { load_image_folder(bad.path); }),
             Catch::Contains("none of its 1 image files could be read"));
  CHECK_THAT(error_of([&] { load_image_folder(root / "missing"); }),
             Catch::Contains("is not a directory"));
  ImageFolderOptions two;
  two.channels = 2;
  CHECK_THAT(error_of([&] { load_image_folder(root.path, two); }),
             Catch::Contains("expected size >= 1 and 1 or 3 channels"));
}

TEST_CASE("load_image_folder: a folder without subfolders is one class", "[nn][data]") {
  if (!codecs()) return;
  TempDir root("nash_imgflat");
  write_png(root / "x.png", solid(10, 30, {7, 8, 9}).data(), 10, 30, 3);
  ImageFolderOptions o;
  o.size = 8;
  o.range = PixelRange::Raw;
  ImageDataset d = load_image_folder(root.path + "/", o);
  REQUIRE(d.images.shape() == Shape{1, 3, 8, 8});
  CHECK(d.class_names.size() == 1);
  CHECK(d.class_names[0] == fs::path(root.path).filename().string());
  CHECK(d.images.at({0, 2, 4, 4}) == Approx(9.0).epsilon(1e-6));
}

TEST_CASE("resize_center_crop: area and bilinear by hand", "[nn][data]") {
  // A 40x20 gray image whose value is its column index. Shorter side 20 -> 10 halves both
  // sides (40x20 -> 20x10); the crop keeps resized columns 5..14 = source columns 10..29.
  // Area: output column x averages source columns 2(x+5) and 2(x+5)+1 = 2x + 10.5.
  DecodedImage im{40, 20, 1, {}};
  for (int64_t y = 0; y < 20; ++y)
    for (int64_t x = 0; x < 40; ++x) im.pixels.push_back(static_cast<uint8_t>(x));
  std::vector<float> area = resize_center_crop(im, 10, ResizeFilter::Area);
  REQUIRE(area.size() == 100);
  for (int64_t y : {0, 9})
    for (int64_t x = 0; x < 10; ++x) CHECK(area[y * 10 + x] == Approx(2.0 * x + 10.5));
  // Bilinear upscaling of the 2x2 image [[0, 255], [0, 255]] to 4x4: the half-pixel source
  // coordinates -0.25, 0.25, 0.75, 1.25 clamp to 0, 0.25, 0.75, 1, giving 0, 63.75, 191.25,
  // 255 along x (as torch's interpolate with align_corners=False).
  DecodedImage two{2, 2, 1, {0, 255, 0, 255}};
  std::vector<float> up = resize_center_crop(two, 4, ResizeFilter::Bilinear);
  const float want[] = {0.f, 63.75f, 191.25f, 255.f};
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) CHECK(up[y * 4 + x] == Approx(want[x]));
  // Area shrinking by a non-integer factor keeps a constant image constant (weights sum to 1).
  DecodedImage flat{7, 7, 3, solid(7, 7, {10, 20, 30})};
  std::vector<float> f = resize_center_crop(flat, 3, ResizeFilter::Area);
  for (int64_t i = 0; i < 9; ++i) {
    CHECK(f[i] == Approx(10.f));
    CHECK(f[9 + i] == Approx(20.f));
    CHECK(f[18 + i] == Approx(30.f));
  }
}

TEST_CASE("load_npy_images: uint8 and float32 arrays, labels, errors", "[nn][data]") {
  TempDir dir("nash_npyimg");
  // A '|u1' [2, 2, 2] array written byte for byte as numpy.save would.
  std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xFF) +
                      char(header.size() >> 8) + header + std::string({0, 51, 102, char(255), 0, 0, 0, 0});
  put(dir / "u8.npy", bytes);
  CHECK(read_npy_info(dir / "u8.npy").descr == "|u1");
  ImageDataset d = load_npy_images(dir / "u8.npy");
  REQUIRE(d.images.shape() == Shape{2, 1, 2, 2});
  const std::vector<double> want = {-1, 51 / 127.5 - 1, 102 / 127.5 - 1, 1, -1, -1, -1, -1};
  const std::vector<double> got = d.images.to_vector();
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-6));
  CHECK(d.labels.values<int64_t>() == std::vector<int64_t>{0, 0});
  CHECK(d.class_names == std::vector<std::string>{"0"});

  save_npy(dir / "f32.npy", from_vector(std::vector<float>{0, 0.5f, 1, 0.25f, 0, 0}, {1, 3, 1, 2}));
  save_npy(dir / "labels.npy", from_vector(std::vector<int64_t>{2}, {1}));
  ImageDataset f = load_npy_images(dir / "f32.npy", dir / "labels.npy", PixelRange::ZeroToOne);
  REQUIRE(f.images.shape() == Shape{1, 3, 1, 2});
  CHECK(f.images.at({0, 0, 0, 1}) == Approx(0.5));
  CHECK(f.class_names.size() == 3);

  save_npy(dir / "big.npy", from_vector(std::vector<float>{0, 2}, {1, 1, 2}));
  CHECK_THAT(error_of([&] { load_npy_images(dir / "big.npy"); }),
             Catch::Contains("float32 images must hold values in [0, 1], found [0, 2]"));
  save_npy(dir / "c2.npy", zeros({1, 2, 2, 2}));
  CHECK_THAT(error_of([&] { load_npy_images(dir / "c2.npy"); }),
             Catch::Contains("expected images [N, H, W] or [N, C, H, W] with C = 1 or 3"));
  save_npy(dir / "f64.npy", zeros({1, 2, 2}, DType::Float64));
  CHECK_THAT(error_of([&] { load_npy_images(dir / "f64.npy"); }),
             Catch::Contains("expected uint8 ('|u1') or float32 ('<f4') images, got '<f8'"));
  save_npy(dir / "short_labels.npy", from_vector(std::vector<int64_t>{0, 1}, {2}));
  CHECK_THAT(error_of([&] { load_npy_images(dir / "f32.npy", dir / "short_labels.npy"); }),
             Catch::Contains("expected int64 labels [1]"));
}
