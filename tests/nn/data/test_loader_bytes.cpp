// DataLoader over ByteImages: every batch (across epochs, after restore, with and without
// labels) is bitwise the batch of a DataLoader over the same images converted up front; the
// real Fashion-MNIST split through load_mnist_bytes gives load_mnist's tensors; bad input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "error_of.h"
#include "fashion_data.h"
#include "nn/data/idx.h"
#include "nn/data/loader.h"
#include "tensor/creation.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::error_of;

namespace {
ByteImages ramp_images(int64_t n, PixelRange range) {
  ByteImages b;
  b.shape = {n, 1, 3, 2};
  b.range = range;
  for (int64_t i = 0; i < n * 6; ++i) b.pixels.push_back(static_cast<uint8_t>(i * 37 % 256));
  return b;
}
}  // namespace

TEST_CASE("DataLoader over bytes gives the batches of the converted data set", "[idx]") {
  for (PixelRange range : {PixelRange::MinusOneToOne, PixelRange::ZeroToOne, PixelRange::Raw}) {
    const ByteImages bytes = ramp_images(23, range);
    const Tensor floats = bytes.to_float();
    REQUIRE(floats.shape() == Shape{23, 1, 3, 2});
    const std::vector<float> v = floats.values<float>();
    const float first = range == PixelRange::Raw ? 37.f
                        : range == PixelRange::ZeroToOne ? static_cast<float>(37 / 255.0)
                                                         : static_cast<float>(37 / 127.5 - 1.0);
    CHECK(v[1] == first);
    const Tensor labels = arange(23, DType::Int64);
    const DataLoaderOptions o{.batch_size = 5, .shuffle = true, .seed = 3};
    DataLoader from_bytes(bytes, labels, o), from_floats(floats, labels, o);
    for (int i = 0; i < 12; ++i) {  // two and a half epochs, the last batch of each short
      CAPTURE(i);
      const Batch a = from_bytes.next(), b = from_floats.next();
      CHECK(equal(a.x, b.x));
      CHECK(equal(a.labels, b.labels));
    }
    from_bytes.restore(1, 2);
    from_floats.restore(1, 2);
    CHECK(equal(from_bytes.next().x, from_floats.next().x));
  }
  DataLoader unlabelled(ramp_images(4, PixelRange::Raw), Tensor(), {.batch_size = 4, .shuffle = false});
  const Batch b = unlabelled.next();
  CHECK(!b.labels.defined());
  CHECK(equal(b.x, ramp_images(4, PixelRange::Raw).to_float()));
}

TEST_CASE("DataLoader over bytes rejects inconsistent images", "[idx]") {
  ByteImages short_of_bytes = ramp_images(3, PixelRange::Raw);
  short_of_bytes.pixels.pop_back();
  CHECK(error_of([&] { DataLoader d(short_of_bytes, Tensor()); }) ==
        "DataLoader: images [3, 1, 3, 2] need 18 bytes, got 17");
  CHECK(error_of([&] { DataLoader d(ramp_images(3, PixelRange::Raw), arange(4, DType::Int64)); }) ==
        "DataLoader: labels [4] do not match data [3, 1, 3, 2]");
  CHECK(error_of([&] { DataLoader d(ByteImages{}, Tensor()); }) ==
        "DataLoader: expected non-empty images [N, ...], got []");
}

TEST_CASE("load_mnist_bytes holds load_mnist's data as bytes", "[idx][dataset]") {
  if (!test::fashion_installed()) {
    WARN("skipped: " << test::kFashionDir << " is not installed");
    return;
  }
  const MnistBytes bytes = load_mnist_bytes(test::kFashionDir, false);
  const MnistSplit split = load_mnist(test::kFashionDir, false);
  CHECK(bytes.images.shape == Shape{10000, 1, 28, 28});
  CHECK(bytes.images.pixels.size() == size_t{10000} * 784);
  CHECK(equal(bytes.labels, split.labels));
  CHECK(equal(bytes.images.to_float(), split.images));
}
