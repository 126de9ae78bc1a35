// nn on real data: the MLP learns Fashion-MNIST from 10k images in two epochs well past
// what chance (10%) or a broken gradient could reach; evaluate_accuracy on a hand-wired model; the
// CNN's Fréchet features and its checkpoint round trip.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "fashion_data.h"
#include "autograd/ops.h"
#include "nn/checkpoint.h"
#include "nn/models/classifier.h"
#include "nn/optim.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;

namespace {

using test::fashion_installed;
using test::kFashionDir;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nash_fashion_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace

TEST_CASE("FashionMlp learns Fashion-MNIST from 10k images in 2 epochs", "[nn][dataset]") {
  if (!fashion_installed()) {
    WARN("skipped: Fashion-MNIST is not installed in " << kFashionDir
                                                       << " (Debian package dataset-fashion-mnist)");
    return;
  }
  MnistSplit train = load_mnist(kFashionDir, true);
  MnistSplit test = load_mnist(kFashionDir, false);
  REQUIRE(test.images.shape() == Shape{10000, 1, 28, 28});

  Rng rng(7);
  nn::FashionMlp model(128, rng);
  const double before = nn::evaluate_accuracy(model, test.images, test.labels);
  nn::optim::Adam opt(model.parameters(), {.lr = 2e-3});
  auto reports = nn::train_classifier(model, opt, train, test,
                                      {.epochs = 2, .batch_size = 64, .seed = 3,
                                       .train_limit = 10000});
  REQUIRE(reports.size() == 2);
  INFO("test accuracy before " << before << ", after epoch 1 " << reports[0].test_accuracy
                               << ", after epoch 2 " << reports[1].test_accuracy);
  CHECK(before < 0.3);  // an untrained model is near chance
  // Loss falls from epoch to epoch, and the test set (never seen) is classified at a level only
  // real learning reaches (this run: 81%; chance is 10%, a linear model on all 60k images 84%).
  CHECK(reports[1].train_loss < reports[0].train_loss);
  CHECK(reports[0].train_loss < 1.0);  // chance is ln 10 = 2.30
  CHECK(reports[1].test_accuracy >= 0.75);
  CHECK(reports[1].test_accuracy == Approx(nn::evaluate_accuracy(model, test.images, test.labels)));
}

TEST_CASE("evaluate_accuracy counts argmax hits over uneven batches", "[nn]") {
  // An MLP wired by hand: hidden unit j copies pixel j and logit j copies hidden unit j, so the
  // prediction for an image is the index of its single bright pixel among the first 10.
  nn::FashionMlp model(10);
  for (Variable* p : {&model.fc1->weight, &model.fc1->bias, &model.fc2->weight, &model.fc2->bias}) {
    Tensor& v = p->mutable_value();  // contiguous float32, written in place
    for (int64_t i = 0; i < v.numel(); ++i) v.data<float>()[i] = 0.f;
  }
  for (int64_t j = 0; j < 10; ++j) {
    model.fc1->weight.mutable_value().data<float>()[j * 784 + j] = 1.f;  // [10, 784]
    model.fc2->weight.mutable_value().data<float>()[j * 10 + j] = 1.f;   // [10, 10]
  }
  const int64_t predicted[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const int64_t truth[10] = {0, 1, 2, 9, 4, 5, 0, 7, 8, 1};  // 7 of 10 agree
  Tensor images = zeros({10, 1, 28, 28});
  Tensor labels = zeros({10}, DType::Int64);
  for (int64_t i = 0; i < 10; ++i) {
    images.data<float>()[i * 784 + predicted[i]] = 1.f;
    labels.data<int64_t>()[i] = truth[i];
  }
  REQUIRE(model.is_training());
  CHECK(nn::evaluate_accuracy(model, images, labels, 3) == Approx(0.7));
  CHECK(nn::evaluate_accuracy(model, images, labels, 100) == Approx(0.7));
  CHECK(model.is_training());  // the mode is restored
  REQUIRE_THROWS_WITH(nn::evaluate_accuracy(model, images, labels.narrow(0, 0, 9)),
                      Catch::Contains("[10, 1, 28, 28]") && Catch::Contains("[9]"));
}

TEST_CASE("FashionCnn: logits [N, 10], Fréchet features [N, 128] feeding the head", "[nn]") {
  Rng rng(11);
  nn::FashionCnn cnn({}, rng);
  cnn.eval();
  Tensor x = uniform({5, 1, 28, 28}, -1.0, 1.0, rng);
  NoGradGuard no_grad;
  Tensor f = cnn.features(Variable(x)).value();
  Tensor logits = cnn(Variable(x)).value();
  REQUIRE(f.shape() == Shape{5, 128});
  REQUIRE(logits.shape() == Shape{5, 10});
  CHECK(amin(f).item() >= 0.0);  // after the ReLU
  CHECK(amax(f).item() > 0.0);
  // In eval mode dropout is the identity, so the logits are the head applied to the features.
  CHECK(allclose(logits, (*cnn.classifier)(Variable(f)).value(), 1e-5, 1e-6));
  // Batched extraction (2 + 2 + 1 images) gives the same features, and restores the mode.
  cnn.train();
  Tensor batched = nn::extract_features(cnn, x, 2);
  CHECK(cnn.is_training());
  REQUIRE(batched.shape() == Shape{5, 128});
  CHECK(allclose(batched, f, 1e-5, 1e-6));
  cnn.eval();
  // Parameter names the GAN metrics' checkpoint loader will see.
  auto named = cnn.named_parameters();
  REQUIRE(named.size() == 8);
  CHECK(named.front().first == "features.0.weight");
  CHECK(named.front().second.shape() == Shape{32, 1, 3, 3});
  CHECK(named[4].first == "features.7.weight");
  CHECK(named[4].second.shape() == Shape{128, 64 * 7 * 7});
  CHECK(named.back().first == "classifier.bias");
  REQUIRE_THROWS_WITH(cnn.features(Variable(zeros({2, 3, 28, 28}))),
                      Catch::Contains("FashionCnn") && Catch::Contains("[2, 3, 28, 28]"));
}

TEST_CASE("FashionCnn checkpoint round trip gives identical logits", "[nn]") {
  Rng gen_a(1), gen_b(2);
  nn::FashionCnn saved({}, gen_a), loaded({}, gen_b);
  saved.eval();
  loaded.eval();
  Tensor x = uniform({4, 1, 28, 28}, -1.0, 1.0, gen_a);
  NoGradGuard no_grad;
  Tensor expected = saved(Variable(x)).value();
  REQUIRE_FALSE(allclose(loaded(Variable(x)).value(), expected, 1e-3, 1e-3));  // differ at first

  const std::string path = temp_path("cnn.safetensors");
  nn::save_checkpoint(path, saved, nullptr, {{"test_accuracy", "0.9"}});
  auto metadata = nn::load_checkpoint(path, loaded);
  auto fresh = nn::load_fashion_cnn(path);
  std::remove(path.c_str());
  CHECK(metadata.at("test_accuracy") == "0.9");
  CHECK(equal(loaded(Variable(x)).value(), expected));
  CHECK(equal(loaded.features(Variable(x)).value(), saved.features(Variable(x)).value()));
  CHECK_FALSE(fresh->is_training());
  CHECK(equal((*fresh)(Variable(x)).value(), expected));
  // A checkpoint of another model is refused with the first mismatching name.
  nn::FashionMlp mlp;
  nn::save_checkpoint(path, mlp);
  REQUIRE_THROWS_WITH(nn::load_fashion_cnn(path), Catch::Contains("model."));
  std::remove(path.c_str());
}
