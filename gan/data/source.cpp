// Data sources of a training run (see source.h).
#include "gan/data/source.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "nn/data/image_folder.h"
#include "tensor/ops.h"

#include "gan/seeds.h"
#include "tensor/error.h"

namespace nash::gan {

namespace {
class ToySource : public DataSource {
 public:
  explicit ToySource(const std::string& name) : data_(name) {}
  nn::Batch next(int64_t n, Rng& rng) override { return nn::Batch{data_.sample(n, rng), Tensor()}; }

 private:
  ToyData data_;
};

nn::DataLoaderOptions loader_options(int64_t batch, uint64_t seed) {
  return nn::DataLoaderOptions{.batch_size = batch, .shuffle = true, .seed = seed, .drop_last = true};
}

class ImageSource : public DataSource {
 public:
  ImageSource(Tensor images, Tensor labels, int64_t batch, uint64_t seed)
      : loader_(std::move(images), std::move(labels), loader_options(batch, seed)) {}
  ImageSource(ByteImages images, Tensor labels, int64_t batch, uint64_t seed)
      : loader_(std::move(images), std::move(labels), loader_options(batch, seed)) {}

  nn::Batch next(int64_t n, Rng&) override {
    NASH_CHECK(n == loader_.options().batch_size, "image data: batches of ", n,
               " asked of a loader of batches of ", loader_.options().batch_size);
    return loader_.next();
  }
  int64_t size() const override { return loader_.size(); }
  std::string state() const override {
    return std::to_string(loader_.epoch()) + " " + std::to_string(loader_.position());
  }
  void restore(const std::string& state, const std::string& where) override {
    int64_t epoch = -1, position = -1;
    int used = 0;
    NASH_CHECK(std::sscanf(state.c_str(), "%" SCNd64 " %" SCNd64 "%n", &epoch, &position, &used) == 2 &&
                   used == static_cast<int>(state.size()) && epoch >= 0 && position >= 0,
               where, ": data position should be two non-negative integers, got '", state, "'");
    NASH_CHECK(position <= loader_.batches_per_epoch(), where, ": data position ", position,
               " is past an epoch of ", loader_.batches_per_epoch(), " batches (was the data set changed?)");
    loader_.restore(epoch, position);
  }

 private:
  nn::DataLoader loader_;
};
}  // namespace

std::shared_ptr<DataSource> toy_source(const std::string& name) {
  return std::make_shared<ToySource>(name);
}

std::shared_ptr<DataSource> image_source(ByteImages images, Tensor labels, int64_t batch, uint64_t seed) {
  NASH_CHECK(images.shape.size() >= 2 && images.shape[0] >= batch, "image data: ",
             images.shape.empty() ? 0 : images.shape[0], " images are fewer than one batch of ", batch);
  return std::make_shared<ImageSource>(std::move(images), std::move(labels), batch, seed);
}

std::shared_ptr<DataSource> image_source(Tensor images, Tensor labels, int64_t batch, uint64_t seed) {
  NASH_CHECK(images.defined() && images.dim() >= 2 && images.size(0) >= batch, "image data: ",
             images.defined() ? images.size(0) : 0, " images are fewer than one batch of ", batch);
  return std::make_shared<ImageSource>(std::move(images), std::move(labels), batch, seed);
}

namespace {
namespace fs = std::filesystem;

bool has_idx(const std::string& dir, const char* split) {
  for (const char* suffix : {"", ".gz"})
    if (fs::exists(dir + "/" + split + "-images-idx3-ubyte" + suffix)) return true;
  return false;
}

bool is_npy(const std::string& path) {
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

// <stem>_labels.npy beside <stem>.npy, when there is one.
std::string npy_labels(const std::string& path) {
  const std::string labels = path.substr(0, path.size() - 4) + "_labels.npy";
  return fs::is_regular_file(labels) ? labels : "";
}

// Checks images [N, C, S, S] against the model and the configuration, then completes it.
void adopt_shape(RunConfig& c, const Shape& s, int64_t classes) {
  NASH_CHECK(s.size() == 4 && s[2] == s[3], c.data_dir, ": images are ", s, "; nash trains on square images");
  NASH_CHECK(c.image_size <= 0 || c.image_size == s[2], c.data_dir, ": the images are ", s[2], "x", s[3],
             " but the run expects ", c.image_size, "x", c.image_size);
  NASH_CHECK(c.channels <= 0 || c.channels == s[1], c.data_dir, ": the images have ", s[1],
             " channels but the run expects ", c.channels);
  if (c.architecture() == "dcgan")
    NASH_CHECK(s[2] % 4 == 0 && s[2] >= 8, c.data_dir, ": DCGAN needs an image size that is a multiple of 4, got ", s[2]);
  NASH_CHECK(s[0] >= c.batch, c.data_dir, ": ", s[0], " images are fewer than one batch of ", c.batch);
  NASH_CHECK(!c.conditional() || classes >= 2, c.data_dir, ": a conditional model needs labelled images of at"
             " least 2 classes, found ", classes);
  c.image_size = s[2];
  c.channels = s[1];
  c.num_classes = classes;
}

// A folder of PNG/JPEG images (class subfolders) or a .npy array, as floats in [-1, 1].
nn::ImageDataset load_other_images(const RunConfig& c) {
  if (is_npy(c.data_dir)) return nn::load_npy_images(c.data_dir, npy_labels(c.data_dir));
  nn::ImageFolderOptions o;
  o.size = c.image_size > 0 ? c.image_size : 64;
  o.channels = c.channels > 0 ? c.channels : 3;
  return nn::load_image_folder(c.data_dir, o);
}

int64_t class_count(const Tensor& labels) {
  int64_t most = -1;
  if (labels.defined())
    for (int64_t l : labels.contiguous().values<int64_t>()) most = std::max(most, l);
  return most + 1;
}
}  // namespace

std::shared_ptr<DataSource> open_data(RunConfig& c, std::string* description) {
  if (c.toy()) return toy_source(c.data);
  const std::string& d = c.data_dir;
  const uint64_t seed = stream_seed(c.seed, Stream::Loader);
  if (fs::is_directory(d) && (has_idx(d, "train") || has_idx(d, "t10k"))) {
    // IDX files: the training split, or the test split when that is all the folder holds.
    const bool train = has_idx(d, "train");
    MnistBytes b = load_mnist_bytes(d, train);
    adopt_shape(c, b.images.shape, 10);
    if (description)
      *description = d + ": " + std::to_string(b.images.shape[0]) + " IDX images, the " +
                     (train ? "training split (train-*)" : "test split (t10k-*; there are no train-* files)");
    return image_source(std::move(b.images), c.conditional() ? b.labels : Tensor(), c.batch, seed);
  }
  NASH_CHECK(fs::exists(d), d, ": no such file or directory");
  nn::ImageDataset data = load_other_images(c);
  adopt_shape(c, data.images.shape(), class_count(data.labels));
  if (description) {
    *description = d + ": " + std::to_string(data.images.size(0)) + (is_npy(d) ? " images from a .npy array" : " images") +
                   ", " + std::to_string(c.num_classes) + " class" + (c.num_classes == 1 ? "" : "es");
    if (!data.skipped.empty())
      *description += "; skipped " + std::to_string(data.skipped.size()) + " unreadable file" +
                      (data.skipped.size() == 1 ? "" : "s") + " (first: " + data.skipped.front() + ")";
  }
  return image_source(data.images, c.conditional() ? data.labels : Tensor(), c.batch, seed);
}

MnistSplit load_reference_images(const RunConfig& c) {
  const std::string& d = c.data_dir;
  if (fs::is_directory(d) && (has_idx(d, "train") || has_idx(d, "t10k")))
    return load_mnist(d, /*train=*/!has_idx(d, "t10k"));  // the test split when there is one
  RunConfig copy = c;
  return load_other_images(copy);
}

LabelledImages load_labelled_images(const RunConfig& c) {
  const std::string& d = c.data_dir;
  LabelledImages out;
  if (fs::is_directory(d) && (has_idx(d, "train") || has_idx(d, "t10k"))) {
    const bool train = has_idx(d, "train"), test = has_idx(d, "t10k");
    out.train = load_mnist(d, /*train=*/train);
    out.description = d + ": " + std::to_string(out.train.images.size(0)) + " IDX " +
                      (train ? "training images (train-*)" : "test images (t10k-*; there are no train-* files)");
    if (train && test) {
      out.test = load_mnist(d, /*train=*/false);
      out.description += " + " + std::to_string(out.test.images.size(0)) + " test images (t10k-*)";
    }
    return out;
  }
  NASH_CHECK(fs::exists(d), d, ": no such file or directory");
  const nn::ImageDataset data = load_other_images(c);
  out.train = MnistSplit{data.images, data.labels};
  out.description = d + ": " + std::to_string(data.images.size(0)) +
                    (is_npy(d) ? (npy_labels(d).empty() ? " images from a .npy array without labels"
                                                        : " images from a .npy array with labels")
                               : " images in " + std::to_string(data.class_names.size()) + " folder" +
                                     (data.class_names.size() == 1 ? "" : "s"));
  return out;
}

}  // namespace nash::gan
