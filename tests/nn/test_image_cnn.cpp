// nn::ImageCnn, the classifier of any square image size, channel count and class count: its
// shapes at 28x28x1, 32x32x3 and 64x64x3, FashionCnn as its 28x28x1 10-class configuration, and
// training to high accuracy on separable 3-channel 32x32 images.
#include <catch2/catch.hpp>

#include "nn/models/classifier.h"
#include "nn/optim.h"
#include "synthetic_digits.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;

TEST_CASE("ImageCnn: logits [N, K] and features [N, D] at 28x28x1, 32x32x3 and 64x64x3", "[nn]") {
  struct Case {
    int64_t size, channels, classes, convs, side;
  };
  for (const Case& k : {Case{28, 1, 10, 2, 7}, Case{32, 3, 7, 2, 8}, Case{64, 3, 3, 3, 8}}) {
    INFO("image " << k.channels << "x" << k.size << "x" << k.size);
    Rng rng(3);
    nn::ImageCnn cnn({.image_size = k.size, .channels = k.channels, .classes = k.classes,
                      .channels1 = 4, .channels2 = 6, .feature_dim = 16},
                     rng);
    CHECK(nn::ImageCnn::final_side(k.size) == k.side);
    cnn.eval();
    NoGradGuard no_grad;
    Tensor x = uniform({2, k.channels, k.size, k.size}, -1.0, 1.0, rng);
    CHECK(cnn.features(Variable(x)).shape() == Shape{2, 16});
    CHECK(cnn(Variable(x)).shape() == Shape{2, k.classes});
    auto named = cnn.named_parameters();
    REQUIRE(named.size() == static_cast<size_t>(2 * k.convs + 4));  // convs, the Linear, the head
    CHECK(named.front().second.shape() == Shape{4, k.channels, 3, 3});
    CHECK(named[2 * k.convs].second.shape() == Shape{16, 6 * k.side * k.side});
    CHECK(named.back().second.shape() == Shape{k.classes});
    REQUIRE_THROWS_WITH(cnn.features(Variable(zeros({2, k.channels, k.size + 1, k.size + 1}))),
                        Catch::Contains("ImageCnn") && Catch::Contains("[N, " + std::to_string(k.channels)));
  }
  REQUIRE_THROWS_WITH(nn::ImageCnn({.image_size = 28, .channels = 1, .classes = 1}),
                      Catch::Contains("classes >= 2"));
}

TEST_CASE("FashionCnn is ImageCnn at 28x28x1 with 10 classes: same parameters, same logits", "[nn]") {
  Rng a(5), b(5);
  nn::FashionCnn fashion({}, a);
  nn::ImageCnn generic({.image_size = 28, .channels = 1, .classes = 10}, b);
  auto f = fashion.named_parameters(), g = generic.named_parameters();
  REQUIRE(f.size() == g.size());
  for (size_t i = 0; i < f.size(); ++i) {
    CHECK(f[i].first == g[i].first);
    CHECK(equal(f[i].second.value(), g[i].second.value()));
  }
  CHECK(fashion.type_name() == "FashionCnn");
  CHECK(fashion.extra_repr() == "channels=(32, 64), feature_dim=128, dropout=0.25");
  CHECK(generic.extra_repr().find("image=1x28x28, classes=10") != std::string::npos);
}

TEST_CASE("ImageCnn learns separable 3-channel 32x32 images to high accuracy", "[nn]") {
  const MnistSplit train = test::striped_images(256, 32, 1), heldout = test::striped_images(64, 32, 2);
  Rng rng(7);
  nn::ImageCnn cnn({.image_size = 32, .channels = 3, .classes = 4, .channels1 = 8, .channels2 = 8,
                    .feature_dim = 16},
                   rng);
  const double before = nn::evaluate_accuracy(cnn, heldout.images, heldout.labels);
  nn::optim::Adam opt(cnn.parameters(), {.lr = 3e-3});
  int64_t steps = 0;
  auto reports = nn::train_classifier(cnn, opt, train, heldout,
                                      {.epochs = 3, .batch_size = 32, .seed = 1,
                                       .on_step = [&](const nn::StepReport& s) {
                                         CHECK(s.batches == 8);
                                         CHECK(s.batch == steps % 8 + 1);
                                         ++steps;
                                       }});
  CHECK(steps == 24);
  INFO("held-out accuracy before " << before << ", after " << reports.back().test_accuracy);
  CHECK(before <= 0.5);
  CHECK(reports.back().test_accuracy >= 0.95);
}
