// Image classifiers (the Fashion-MNIST MLP, the CNN of any image shape), their accuracy and a
// plain training loop.
#include "nn/models/classifier.h"

#include <algorithm>
#include <chrono>

#include "nn/checkpoint.h"
#include "nn/data/loader.h"
#include "nn/layers/activation.h"
#include "nn/layers/common.h"
#include "nn/layers/conv.h"
#include "nn/layers/pooling.h"
#include "nn/layers/shape.h"
#include "nn/loss.h"
#include "tensor/ops.h"

namespace nash::nn {

namespace {

constexpr int64_t kImageSide = 28;
constexpr int64_t kImagePixels = kImageSide * kImageSide;

// images [N, C, S, S] as the model's options say.
void check_images(const char* op, const Shape& shape, const ImageCnnOptions& o) {
  NASH_CHECK(shape.size() == 4 && shape[1] == o.channels && shape[2] == o.image_size &&
                 shape[3] == o.image_size,
             op, ": expected images [N, ", o.channels, ", ", o.image_size, ", ", o.image_size,
             "], got ", shape);
}

// Any batch of images [N, C, H, W].
void check_image_batch(const char* op, const Shape& shape) {
  NASH_CHECK(shape.size() == 4 && shape[0] >= 1, op, ": expected images [N, C, H, W] with N >= 1, got ",
             shape);
}

// Correct predictions among logits [N, K] against int64 labels [N].
int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  Tensor predicted = argmax(logits, 1).contiguous();
  Tensor truth = labels.contiguous();
  const int64_t* p = predicted.data<int64_t>();
  const int64_t* t = truth.data<int64_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < predicted.numel(); ++i) correct += p[i] == t[i];
  return correct;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ---- FashionMlp ----------------------------------------------------------------------------------

FashionMlp::FashionMlp(int64_t hidden, Rng& rng) : Module("FashionMlp") {
  NASH_CHECK(hidden >= 1, "FashionMlp: hidden width must be >= 1, got ", hidden);
  fc1 = register_module("fc1", std::make_shared<Linear>(kImagePixels, hidden, true, rng));
  fc2 = register_module("fc2", std::make_shared<Linear>(hidden, kFashionClasses, true, rng));
}

Variable FashionMlp::forward(const Variable& x) {
  NASH_CHECK((x.dim() == 2 && x.size(1) == kImagePixels) ||
                 (x.dim() == 4 && x.size(1) == 1 && x.size(2) == kImageSide &&
                  x.size(3) == kImageSide),
             "FashionMlp: expected images [N, 1, 28, 28] or [N, 784], got ", x.shape());
  Variable h = relu((*fc1)(flatten(x, 1)));  // [N, hidden]
  return (*fc2)(h);                          // [N, 10]
}

// ---- ImageCnn and FashionCnn ---------------------------------------------------------------------

int64_t ImageCnn::final_side(int64_t image_size) {
  int64_t side = image_size / 2 / 2;  // the two blocks every ImageCnn has
  while (side > 8) side /= 2;         // and one more block per halving down to <= 8
  return side;
}

ImageCnn::ImageCnn(const ImageCnnOptions& opts, Rng& rng) : ImageCnn("ImageCnn", opts, rng) {}

ImageCnn::ImageCnn(std::string name, const ImageCnnOptions& opts, Rng& rng)
    : Module(std::move(name)), options(opts) {
  NASH_CHECK(opts.channels1 >= 1 && opts.channels2 >= 1 && opts.feature_dim >= 1,
             type_name(), ": channels and feature_dim must be >= 1, got ", opts.channels1, ", ",
             opts.channels2, ", ", opts.feature_dim);
  NASH_CHECK(opts.image_size >= 8 && opts.channels >= 1 && opts.classes >= 2, type_name(),
             ": need image_size >= 8, channels >= 1 and classes >= 2, got ", opts.image_size,
             ", ", opts.channels, ", ", opts.classes);
  body = register_module("features", std::make_shared<Sequential>());
  int64_t in = opts.channels, side = opts.image_size;
  for (int block = 0; block < 2 || side > 8; ++block) {
    const int64_t out = block == 0 ? opts.channels1 : opts.channels2;
    body->emplace_back<Conv2d>(
        Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = 3, .padding = 1},
        rng);                                      // [N, out, side, side]
    body->emplace_back<ReLU>();
    body->emplace_back<MaxPool2d>(2);              // [N, out, side/2, side/2]
    in = out;
    side /= 2;
  }
  body->emplace_back<Flatten>();                   // [N, c2*R*R]
  body->emplace_back<Linear>(opts.channels2 * side * side, opts.feature_dim, true, rng);
  body->emplace_back<ReLU>();                      // [N, D]
  dropout = register_module("dropout", std::make_shared<Dropout>(opts.dropout, rng));
  classifier = register_module(
      "classifier", std::make_shared<Linear>(opts.feature_dim, opts.classes, true, rng));
}

Variable ImageCnn::features(const Variable& x) {
  check_images(type_name().c_str(), x.shape(), options);
  return (*body)(x);  // [N, D]
}

Variable ImageCnn::forward(const Variable& x) {
  return (*classifier)((*dropout)(features(x)));  // [N, K]
}

std::string ImageCnn::extra_repr() const {
  std::string r;
  if (type_name() != "FashionCnn")
    r = "image=" + std::to_string(options.channels) + "x" + std::to_string(options.image_size) +
        "x" + std::to_string(options.image_size) + ", classes=" + std::to_string(options.classes) +
        ", ";
  return r + "channels=(" + std::to_string(options.channels1) + ", " +
         std::to_string(options.channels2) + "), feature_dim=" +
         std::to_string(options.feature_dim) + ", dropout=" + repr::real(options.dropout);
}

FashionCnn::FashionCnn(const FashionCnnOptions& o, Rng& rng)
    : ImageCnn("FashionCnn",
               ImageCnnOptions{.image_size = kImageSide, .channels = 1, .classes = kFashionClasses,
                               .channels1 = o.channels1, .channels2 = o.channels2,
                               .feature_dim = o.feature_dim, .dropout = o.dropout},
               rng) {}

Tensor extract_features(ImageCnn& cnn, const Tensor& images, int64_t batch) {
  NASH_CHECK(batch >= 1, "extract_features: batch must be >= 1, got ", batch);
  check_images("extract_features", images.shape(), cnn.options);
  const bool was_training = cnn.is_training();
  cnn.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < images.size(0); start += batch) {
    const int64_t len = std::min(batch, images.size(0) - start);
    parts.push_back(cnn.features(Variable(images.narrow(0, start, len))).value());  // [len, D]
  }
  cnn.train(was_training);
  if (parts.empty()) return zeros({0, cnn.options.feature_dim});
  return parts.size() == 1 ? parts.front() : cat(parts, 0);  // [N, D]
}

std::shared_ptr<FashionCnn> load_fashion_cnn(const std::string& path) {
  auto cnn = std::make_shared<FashionCnn>();
  load_checkpoint(path, *cnn);
  cnn->eval();
  return cnn;
}

// ---- evaluation and training ---------------------------------------------------------------------

double evaluate_accuracy(Module& model, const Tensor& images, const Tensor& labels, int64_t batch) {
  NASH_CHECK(batch >= 1, "evaluate_accuracy: batch must be >= 1, got ", batch);
  NASH_CHECK(images.dim() >= 1 && labels.dim() == 1 && labels.dtype() == DType::Int64 &&
                 labels.size(0) == images.size(0) && images.size(0) > 0,
             "evaluate_accuracy: expected images [N, ...] and int64 labels [N] with N > 0, got ",
             images.shape(), " and ", labels.shape());
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  const int64_t n = images.size(0);
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t len = std::min(batch, n - start);
    Tensor logits = model(Variable(images.narrow(0, start, len))).value();  // [len, K]
    correct += count_correct(logits, labels.narrow(0, start, len));
  }
  model.train(was_training);
  return static_cast<double>(correct) / static_cast<double>(n);
}

std::vector<EpochReport> train_classifier(Module& model, optim::Optimizer& optimizer,
                                          const MnistSplit& train, const MnistSplit& test,
                                          const TrainOptions& options,
                                          const std::function<void(const EpochReport&)>& on_epoch) {
  NASH_CHECK(options.epochs >= 0 && options.batch_size >= 1 && options.train_limit >= 0,
             "train_classifier: need epochs >= 0, batch_size >= 1, train_limit >= 0, got ",
             options.epochs, ", ", options.batch_size, ", ", options.train_limit);
  check_image_batch("train_classifier", train.images.shape());
  check_image_batch("train_classifier", test.images.shape());
  NASH_CHECK(train.images.shape().size() == test.images.shape().size() &&
                 train.images.size(1) == test.images.size(1) && train.images.size(2) == test.images.size(2) &&
                 train.images.size(3) == test.images.size(3),
             "train_classifier: train and test images differ in shape: ", train.images.shape(), " and ",
             test.images.shape());
  const int64_t n = options.train_limit > 0 ? std::min(options.train_limit, train.images.size(0))
                                            : train.images.size(0);
  DataLoader loader(train.images.narrow(0, 0, n), train.labels.narrow(0, 0, n),
                    {.batch_size = options.batch_size, .shuffle = true, .seed = options.seed});
  std::vector<EpochReport> reports;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    model.train();
    EpochReport r{.epoch = epoch};
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    const auto start = std::chrono::steady_clock::now();
    const int64_t batches = loader.batches_per_epoch();
    for (int64_t b = 0; b < batches; ++b) {
      Batch batch = loader.next();
      Variable logits = model(Variable(batch.x));                 // [B, K]
      Variable loss = cross_entropy(logits, batch.labels);        // mean -log softmax_t
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      const double batch_loss = loss.item();
      loss_sum += batch_loss;
      if (options.on_step)
        options.on_step({.epoch = epoch, .batch = b + 1, .batches = batches, .loss = batch_loss});
      correct += count_correct(logits.value(), batch.labels);
      seen += batch.x.size(0);
    }
    r.train_seconds = seconds_since(start);
    r.train_loss = batches > 0 ? loss_sum / static_cast<double>(batches) : 0.0;
    r.train_accuracy = seen > 0 ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
    const auto eval_start = std::chrono::steady_clock::now();
    r.test_accuracy = evaluate_accuracy(model, test.images, test.labels, options.eval_batch);
    r.eval_seconds = seconds_since(eval_start);
    reports.push_back(r);
    if (on_epoch) on_epoch(r);
  }
  model.train();
  return reports;
}

}  // namespace nash::nn
