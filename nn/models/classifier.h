// Image classifiers: the proof that nn learns on real data (Fashion-MNIST), and the feature
// extractor whose penultimate activations the GAN metrics compare (Fréchet distance). ImageCnn
// takes any square size and channel count and any number of classes; FashionCnn is its
// 28x28x1, 10-class configuration (gan/metrics/eval_classifier.h trains one per data set).
//
// Inputs are images [N, C, S, S] in [-1, 1], the range load_mnist gives by default and a tanh
// generator produces, so generated samples go into features() as they come out of G.
//
//   auto train = load_mnist("/usr/share/datasets/fashion-mnist", true);
//   auto test = load_mnist("/usr/share/datasets/fashion-mnist", false);
//   nn::FashionCnn cnn;
//   optim::Adam opt(cnn.parameters(), {.lr = 1e-3});
//   nn::train_classifier(cnn, opt, train, test, {.epochs = 3}, [](const nn::EpochReport& r) {
//     std::printf("epoch %ld: test accuracy %.4f\n", long(r.epoch), r.test_accuracy);
//   });
//   Tensor f = nn::extract_features(cnn, images);   // [N, 128], for gan::frechet_distance
//   auto trained = nn::load_fashion_cnn("runs/fashion_cnn.safetensors");  // scripts/train_classifier.sh
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/data/idx.h"
#include "nn/init.h"
#include "nn/layers/dropout.h"
#include "nn/layers/linear.h"
#include "nn/layers/sequential.h"
#include "nn/module.h"
#include "nn/optim/optimizer.h"

namespace nash::nn {

inline constexpr int64_t kFashionClasses = 10;  // K

// x [N, 1, 28, 28] -> flatten [N, 784] -> Linear -> ReLU -> Linear -> logits [N, 10].
// Parameters: "fc1.weight" [hidden, 784], "fc1.bias", "fc2.weight" [10, hidden], "fc2.bias".
class FashionMlp : public Module {
 public:
  std::shared_ptr<Linear> fc1, fc2;

  explicit FashionMlp(int64_t hidden = 256, Rng& rng = default_rng());
  Variable forward(const Variable& x) override;  // [N, 1, 28, 28] or [N, 784] -> [N, 10]
};

struct ImageCnnOptions {
  int64_t image_size = 28;      // S: images are [N, C, S, S], S >= 8
  int64_t channels = 1;         // C: 1 (gray) or 3 (colour)
  int64_t classes = 10;         // K: logits per image, >= 2
  int64_t channels1 = 32;       // first conv's output channels
  int64_t channels2 = 64;       // the later convs' output channels
  int64_t feature_dim = 128;    // D: the penultimate width, the Fréchet features
  double dropout = 0.25;        // before the head; features() are taken before it
};

// A CNN classifier for square images of any size, channels and class count.
// features: conv C->c1 3x3 pad 1, ReLU, maxpool 2       [N, c1, S/2, S/2]
//           conv c1->c2 3x3 pad 1, ReLU, maxpool 2      [N, c2, S/4, S/4]
//           (conv c2->c2, ReLU, maxpool 2 again while the side is > 8: one more block at 64)
//           flatten, Linear c2*R*R -> D, ReLU           [N, D]   (R the final side: 7 at 28,
//                                                                 8 at 32 and 64)
// head:     Dropout, Linear D -> K                      [N, K]
// Parameter names: "features.{0,3,...}.{weight,bias}" (the convs, then the Linear),
// "classifier.{weight,bias}". At 28x28x1 with 10 classes this is FashionCnn exactly.
class ImageCnn : public Module {
 public:
  std::shared_ptr<Sequential> body;      // registered as "features"
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<Linear> classifier;
  ImageCnnOptions options;

  explicit ImageCnn(const ImageCnnOptions& options, Rng& rng = default_rng());
  // The penultimate activations [N, D] (after the ReLU, before dropout): Fréchet features.
  // Call in eval mode for metrics (dropout does not touch them, but it keeps the model's mode
  // honest); wrap in NoGradGuard when no gradient is wanted.
  Variable features(const Variable& x);
  Variable forward(const Variable& x) override;  // [N, C, S, S] -> logits [N, K]
  std::string extra_repr() const override;
  // The side R of the last feature map for images of side S (7 at 28, 8 at 32 and at 64).
  static int64_t final_side(int64_t image_size);

 protected:
  ImageCnn(std::string name, const ImageCnnOptions& options, Rng& rng);
};

struct FashionCnnOptions {
  int64_t channels1 = 32;       // first conv's output channels
  int64_t channels2 = 64;       // second conv's output channels
  int64_t feature_dim = 128;    // D: the penultimate width, the Fréchet features
  double dropout = 0.25;        // before the head; features() are taken before it
};

// The ImageCnn for Fashion-MNIST: images [N, 1, 28, 28], 10 classes.
// features: conv 1->c1 3x3 pad 1, ReLU, maxpool 2   [N, c1, 14, 14]
//           conv c1->c2 3x3 pad 1, ReLU, maxpool 2  [N, c2, 7, 7]
//           flatten, Linear c2*49 -> D, ReLU        [N, D]
// head:     Dropout, Linear D -> 10                 [N, 10]
// Parameter names: "features.{0,3,7}.{weight,bias}", "classifier.{weight,bias}".
class FashionCnn : public ImageCnn {
 public:
  explicit FashionCnn(const FashionCnnOptions& options = {}, Rng& rng = default_rng());
};

// The Fréchet features of many images: cnn.features in batches of `batch`, in eval mode under
// no-grad (the model's mode is restored). images [N, C, S, S] in [-1, 1] -> [N, D] float32.
Tensor extract_features(ImageCnn& cnn, const Tensor& images, int64_t batch = 500);

// A FashionCnn (default options) loaded from a checkpoint written by examples/fashion_cnn
// (scripts/train_classifier.sh; default path runs/fashion_cnn.safetensors), in eval mode.
// Throws naming the first mismatch if the file holds another model.
std::shared_ptr<FashionCnn> load_fashion_cnn(const std::string& path);

// Fraction of images whose argmax logit equals the label, run in eval mode under no-grad in
// batches of `batch` (the model's train/eval mode is restored afterwards).
// images [N, ...] (what the model takes), labels int64 [N].
double evaluate_accuracy(Module& model, const Tensor& images, const Tensor& labels,
                         int64_t batch = 1000);

// One optimizer step of train_classifier, for progress displays.
struct StepReport {
  int64_t epoch = 0;            // 1-based
  int64_t batch = 0;            // 1-based within the epoch
  int64_t batches = 0;          // per epoch
  double loss = 0;              // this batch's cross-entropy
};

struct TrainOptions {
  int64_t epochs = 5;
  int64_t batch_size = 64;
  uint64_t seed = 0;           // the DataLoader's shuffling seed
  int64_t train_limit = 0;     // use only the first train_limit training images (0: all)
  int64_t eval_batch = 1000;
  std::function<void(const StepReport&)> on_step = {};  // after every optimizer step
};

struct EpochReport {
  int64_t epoch = 0;            // 1-based
  double train_loss = 0;        // mean cross-entropy over the epoch's batches
  double train_accuracy = 0;    // on the batches as they were trained (train mode)
  double test_accuracy = 0;     // evaluate_accuracy on the test split after the epoch
  double train_seconds = 0;     // wall time of the epoch's training steps
  double eval_seconds = 0;      // wall time of the test evaluation
};

// Minimises cross-entropy with `optimizer` (built over model.parameters()) for options.epochs
// epochs of seeded minibatches (images [N, C, H, W], the same shape in both splits), evaluating on `test` after each one and calling on_epoch with the
// report. Returns every epoch's report. The model is left in train mode.
std::vector<EpochReport> train_classifier(Module& model, optim::Optimizer& optimizer,
                                          const MnistSplit& train, const MnistSplit& test,
                                          const TrainOptions& options = {},
                                          const std::function<void(const EpochReport&)>& on_epoch = {});

}  // namespace nash::nn
