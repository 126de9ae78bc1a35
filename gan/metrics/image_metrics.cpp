#include "gan/metrics/image_metrics.h"

#include <algorithm>
#include <cassert>

#include "autograd/variable.h"
#include "gan/metrics/frechet.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace nash::gan {
namespace {

constexpr int64_t kBatch = 500;

void check_images(const char* op, const Tensor& images) {
  NASH_CHECK(images.dim() == 4 && images.size(0) > 0 && images.dtype() == DType::Float32,
             op, ": expected float32 images [N, C, H, W] with N > 0, got ", images.shape());
}

// Runs fn(batch_images) -> [len, ...] over the images in batches, in eval mode under no-grad,
// and concatenates the results along dim 0.
template <class Fn>
Tensor batched_eval(nn::ImageCnn& cnn, const Tensor& images, int64_t batch, Fn fn) {
  const bool was_training = cnn.is_training();
  cnn.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  const int64_t n = images.size(0);
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t len = std::min(batch, n - start);
    parts.push_back(fn(Variable(images.narrow(0, start, len).contiguous())).value());
  }
  cnn.train(was_training);
  return parts.size() == 1 ? parts[0] : cat(parts, 0);
}

// images [N, ...] -> predicted classes, int64 [N].
Tensor predict(nn::ImageCnn& cnn, const Tensor& images) {
  Tensor logits = batched_eval(cnn, images, kBatch, [&](const Variable& x) { return cnn(x); });
  return argmax(logits, 1);  // [N]
}

}  // namespace

Tensor classifier_features(nn::ImageCnn& cnn, const Tensor& images, int64_t batch) {
  check_images("classifier_features", images);
  NASH_CHECK(batch >= 1, "classifier_features: batch must be >= 1, got ", batch);
  return batched_eval(cnn, images, batch, [&](const Variable& x) { return cnn.features(x); });
}

double image_frechet_distance(nn::ImageCnn& cnn, const Tensor& real, const Tensor& fake) {
  check_images("image_frechet_distance", real);
  check_images("image_frechet_distance", fake);
  NASH_CHECK(real.size(0) >= 2 && fake.size(0) >= 2,
             "image_frechet_distance: need at least 2 images on each side, got ", real.shape(),
             " and ", fake.shape());
  return frechet_distance(classifier_features(cnn, real), classifier_features(cnn, fake));
}

FeatureMetrics image_feature_metrics(nn::ImageCnn& cnn, const Tensor& real, const Tensor& fake,
                                     Rng& rng, const FeatureMetricsOptions& options) {
  check_images("image_feature_metrics", real);
  check_images("image_feature_metrics", fake);
  return feature_metrics(classifier_features(cnn, real), classifier_features(cnn, fake), rng,
                         options);
}

double label_accuracy(nn::ImageCnn& cnn, const Tensor& images, const Tensor& labels) {
  check_images("label_accuracy", images);
  NASH_CHECK(labels.dim() == 1 && labels.dtype() == DType::Int64 && labels.size(0) == images.size(0),
             "label_accuracy: expected int64 labels [N] for images ", images.shape(), ", got ",
             labels.shape());
  const std::vector<int64_t> pred = predict(cnn, images).values<int64_t>();
  const std::vector<int64_t> want = labels.values<int64_t>();
  int64_t correct = 0;
  for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == want[i];
  return static_cast<double>(correct) / static_cast<double>(pred.size());
}

std::vector<int64_t> class_histogram(nn::ImageCnn& cnn, const Tensor& images) {
  check_images("class_histogram", images);
  std::vector<int64_t> counts(static_cast<size_t>(cnn.options.classes), 0);
  for (int64_t c : predict(cnn, images).values<int64_t>()) {
    assert(c >= 0 && c < cnn.options.classes);
    ++counts[static_cast<size_t>(c)];
  }
  return counts;
}

}  // namespace nash::gan
