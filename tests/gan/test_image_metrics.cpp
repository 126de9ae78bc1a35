// Image metrics judged by the Fashion-MNIST CNN: the Fréchet distance separates real from noise
// and blurred images by a wide margin over the real-vs-real floor, label_accuracy and
// class_histogram agree with the classifier on real test images. Uses the trained classifier at
// runs/fashion_cnn.safetensors (or $NASH_FASHION_CNN) when present (then the issue-6 bar: accuracy >= 0.85), else
// trains a small CNN here for 125 steps on 4,000 images so the test always runs.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "fashion_data.h"
#include "gan/metrics/image_metrics.h"
#include "nn/checkpoint.h"
#include "nn/optim.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;

namespace {

using test::fashion_installed;
using test::kFashionDir;

std::string checkpoint_path() {
  if (const char* env = std::getenv("NASH_FASHION_CNN"); env && std::filesystem::exists(env))
    return env;
  for (const char* p : {"runs/fashion_cnn.safetensors", "../runs/fashion_cnn.safetensors"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

struct Judge {
  std::unique_ptr<nn::FashionCnn> cnn;
  bool trained_here = false;
};

// The trained classifier, or a small one trained on the spot.
Judge make_judge(const MnistSplit& train, const MnistSplit& test) {
  Judge j;
  const std::string path = checkpoint_path();
  if (!path.empty()) {
    j.cnn = std::make_unique<nn::FashionCnn>();
    nn::load_checkpoint(path, *j.cnn);
    return j;
  }
  Rng rng(11);
  j.cnn = std::make_unique<nn::FashionCnn>(
      nn::FashionCnnOptions{.channels1 = 8, .channels2 = 16, .feature_dim = 32}, rng);
  nn::optim::Adam opt(j.cnn->parameters(), {.lr = 3e-3});
  const MnistSplit probe{test.images.narrow(0, 0, 500), test.labels.narrow(0, 0, 500)};
  nn::train_classifier(*j.cnn, opt, train, probe,
                       {.epochs = 2, .batch_size = 64, .seed = 5, .train_limit = 4000});
  j.trained_here = true;
  return j;
}

// A (2r+1) x (2r+1) box blur of images [N, 1, H, W] (edges average what is inside).
Tensor box_blur(const Tensor& images, int64_t r) {
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  std::vector<float> src = images.values<float>(), dst(src.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double sum = 0;
        int64_t count = 0;
        for (int64_t dy = -r; dy <= r; ++dy)
          for (int64_t dx = -r; dx <= r; ++dx) {
            const int64_t yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            sum += src[(i * h + yy) * w + xx];
            ++count;
          }
        dst[(i * h + y) * w + x] = static_cast<float>(sum / count);
      }
  return from_vector(dst, images.shape());
}

}  // namespace

TEST_CASE("image metrics separate real, blurred and noise images", "[gan][metrics][dataset]") {
  if (!fashion_installed()) {
    WARN("skipped: Fashion-MNIST is not installed in " << kFashionDir);
    return;
  }
  static const MnistSplit test = load_mnist(kFashionDir, false);
  static Judge judge = make_judge(load_mnist(kFashionDir, true), test);  // once for all sections
  nn::FashionCnn& cnn = *judge.cnn;
  const int64_t d = cnn.options.feature_dim;

  const Tensor real = test.images.narrow(0, 0, 2000);   // [2000, 1, 28, 28]
  const Tensor labels = test.labels.narrow(0, 0, 2000);  // [2000]

  SECTION("features are [N, D], the same in any batch size, and leave the mode alone") {
    cnn.train();
    Tensor f = gan::classifier_features(cnn, real.narrow(0, 0, 300), 300);
    Tensor g = gan::classifier_features(cnn, real.narrow(0, 0, 300), 64);
    REQUIRE(f.shape() == Shape{300, d});
    CHECK(cnn.is_training());
    std::vector<float> a = f.values<float>(), b = g.values<float>();
    for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == Approx(b[i]).margin(1e-4));
  }

  SECTION("FD: real vs real halves is small, blurred and noise are far") {
    const double fd_real = gan::image_frechet_distance(cnn, real.narrow(0, 0, 1000),
                                                       real.narrow(0, 1000, 1000));
    Rng rng(3);
    const Tensor noise = uniform({1000, 1, 28, 28}, -1, 1, rng);
    const double fd_noise = gan::image_frechet_distance(cnn, real.narrow(0, 0, 1000), noise);
    const double fd_blur =
        gan::image_frechet_distance(cnn, real.narrow(0, 0, 1000), box_blur(real.narrow(0, 1000, 1000), 2));
    INFO("FD real/real " << fd_real << ", real/blurred " << fd_blur << ", real/noise " << fd_noise
                         << (judge.trained_here ? " (classifier trained in the test)" : ""));
    CHECK(fd_real >= 0);
    CHECK(fd_noise > 20 * fd_real);
    CHECK(fd_blur > 3 * fd_real);
    CHECK(fd_noise > fd_blur);
  }

  SECTION("label accuracy on real test images and the class histogram") {
    const double acc = gan::label_accuracy(cnn, real, labels);
    INFO("accuracy " << acc << (judge.trained_here ? " (classifier trained in the test)" : ""));
    CHECK(acc == Approx(nn::evaluate_accuracy(cnn, real, labels)).margin(1e-12));
    CHECK(acc >= (judge.trained_here ? 0.65 : 0.85));
    // Wrong labels (y + 1 mod 10) are wrong whenever the classifier is right.
    std::vector<int64_t> shifted = labels.values<int64_t>();
    for (int64_t& y : shifted) y = (y + 1) % 10;
    CHECK(gan::label_accuracy(cnn, real, from_vector(shifted, {2000})) <= 1 - acc + 1e-12);

    std::vector<int64_t> hist = gan::class_histogram(cnn, real);
    REQUIRE(hist.size() == 10);
    CHECK(std::accumulate(hist.begin(), hist.end(), int64_t{0}) == 2000);
    // The test set is balanced (~200 per class); a weak classifier skews it more.
    const int64_t lo = judge.trained_here ? 30 : 120, hi = judge.trained_here ? 450 : 300;
    for (int64_t c : hist) {
      INFO("class count " << c);
      CHECK((c >= lo && c <= hi));
    }
  }

  SECTION("errors name the op and the shape") {
    CHECK_THROWS_WITH(gan::label_accuracy(cnn, real, labels.narrow(0, 0, 10)),
                      Catch::Contains("label_accuracy") && Catch::Contains("[10]"));
    CHECK_THROWS_WITH(gan::classifier_features(cnn, zeros({4, 784})),
                      Catch::Contains("classifier_features") && Catch::Contains("[4, 784]"));
  }
}
