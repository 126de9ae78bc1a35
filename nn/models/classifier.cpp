// Fashion-MNIST classifiers (MLP and CNN), their accuracy and a plain training loop.
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

void check_images(const char* op, const Shape& shape) {
  NASH_CHECK(shape.size() == 4 && shape[1] == 1 && shape[2] == kImageSide &&
                 shape[3] == kImageSide,
             op, ": expected images [N, 1, 28, 28], got ", shape);
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

// ---- FashionCnn ----------------------------------------------------------------------------------

FashionCnn::FashionCnn(const FashionCnnOptions& opts, Rng& rng)
    : Module("FashionCnn"), options(opts) {
  NASH_CHECK(opts.channels1 >= 1 && opts.channels2 >= 1 && opts.feature_dim >= 1,
             "FashionCnn: channels and feature_dim must be >= 1, got ", opts.channels1, ", ",
             opts.channels2, ", ", opts.feature_dim);
  body = register_module("features", std::make_shared<Sequential>());
  body->emplace_back<Conv2d>(
      Conv2dOptions{.in_channels = 1, .out_channels = opts.channels1, .kernel_size = 3, .padding = 1},
      rng);                                        // 0: [N, c1, 28, 28]
  body->emplace_back<ReLU>();                      // 1
  body->emplace_back<MaxPool2d>(2);                // 2: [N, c1, 14, 14]
  body->emplace_back<Conv2d>(
      Conv2dOptions{.in_channels = opts.channels1, .out_channels = opts.channels2,
                    .kernel_size = 3, .padding = 1},
      rng);                                        // 3: [N, c2, 14, 14]
  body->emplace_back<ReLU>();                      // 4
  body->emplace_back<MaxPool2d>(2);                // 5: [N, c2, 7, 7]
  body->emplace_back<Flatten>();                   // 6: [N, c2*49]
  body->emplace_back<Linear>(opts.channels2 * 7 * 7, opts.feature_dim, true, rng);  // 7
  body->emplace_back<ReLU>();                      // 8: [N, D]
  dropout = register_module("dropout", std::make_shared<Dropout>(opts.dropout, rng));
  classifier = register_module(
      "classifier", std::make_shared<Linear>(opts.feature_dim, kFashionClasses, true, rng));
}

Variable FashionCnn::features(const Variable& x) {
  check_images("FashionCnn", x.shape());
  return (*body)(x);  // [N, D]
}

Variable FashionCnn::forward(const Variable& x) {
  return (*classifier)((*dropout)(features(x)));  // [N, 10]
}

std::string FashionCnn::extra_repr() const {
  return "channels=(" + std::to_string(options.channels1) + ", " +
         std::to_string(options.channels2) + "), feature_dim=" +
         std::to_string(options.feature_dim) + ", dropout=" + repr::real(options.dropout);
}

Tensor extract_features(FashionCnn& cnn, const Tensor& images, int64_t batch) {
  NASH_CHECK(batch >= 1, "extract_features: batch must be >= 1, got ", batch);
  check_images("extract_features", images.shape());
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
    Tensor logits = model(Variable(images.narrow(0, start, len))).value();  // [len, 10]
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
  check_images("train_classifier", train.images.shape());
  check_images("train_classifier", test.images.shape());
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
      Variable logits = model(Variable(batch.x));                 // [B, 10]
      Variable loss = cross_entropy(logits, batch.labels);        // mean -log softmax_t
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item();
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
