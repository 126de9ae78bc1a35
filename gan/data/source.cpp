// Data sources of a training run (see source.h).
#include "gan/data/source.h"

#include <cinttypes>
#include <cstdio>

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

class ImageSource : public DataSource {
 public:
  ImageSource(Tensor images, Tensor labels, int64_t batch, uint64_t seed)
      : loader_(std::move(images), std::move(labels),
                nn::DataLoaderOptions{.batch_size = batch, .shuffle = true, .seed = seed,
                                      .drop_last = true}) {}

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

std::shared_ptr<DataSource> image_source(Tensor images, Tensor labels, int64_t batch, uint64_t seed) {
  NASH_CHECK(images.defined() && images.dim() >= 2 && images.size(0) >= batch, "image data: ",
             images.defined() ? images.size(0) : 0, " images are fewer than one batch of ", batch);
  return std::make_shared<ImageSource>(std::move(images), std::move(labels), batch, seed);
}

MnistSplit load_training_images(RunConfig& c) {
  MnistSplit split = load_mnist(c.data_dir, /*train=*/true);
  const Shape& s = split.images.shape();  // [N, C, H, W]
  NASH_CHECK(s[2] == s[3], c.data_dir, ": images are ", s[2], "x", s[3], "; nash trains on square images");
  if (c.architecture() == "dcgan") {
    NASH_CHECK(s[2] % 4 == 0 && s[2] >= 8, c.data_dir, ": DCGAN needs an image size that is a multiple"
               " of 4, got ", s[2]);
  }
  NASH_CHECK(s[0] >= c.batch, c.data_dir, ": ", s[0], " images are fewer than one batch of ", c.batch);
  c.image_size = s[2];
  c.channels = s[1];
  c.num_classes = 10;
  return split;
}

MnistSplit load_reference_images(const RunConfig& c) {
  try {
    return load_mnist(c.data_dir, /*train=*/false);
  } catch (const Error&) {
    return load_mnist(c.data_dir, /*train=*/true);
  }
}

std::shared_ptr<DataSource> open_data(RunConfig& c) {
  if (c.toy()) return toy_source(c.data);
  MnistSplit split = load_training_images(c);
  return image_source(split.images, c.conditional() ? split.labels : Tensor(), c.batch,
                      stream_seed(c.seed, Stream::Loader));
}

}  // namespace nash::gan
