// The conditional DCGAN generator and the projection discriminator: shapes and parameters,
// the projection formula, per-class conditioning, gradients, and errors.
#include <catch2/catch.hpp>

#include <algorithm>

#include "autograd/gradcheck.h"
#include "error_of.h"
#include "gan/conditional_nets.h"
#include "nn/layers/conditional_batchnorm.h"
#include "nn/layers/embedding.h"
#include "nn/layers/linear.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;
using nash::test::error_of;

namespace {
Tensor labels_of(std::vector<int64_t> v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }
double max_abs(const Tensor& t) { return amax(abs(t)).item(); }

std::vector<std::string> param_names(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [n, v] : m.named_parameters()) out.push_back(n);
  return out;
}
std::shared_ptr<nn::Module> child(const nn::Module& m, const std::string& name) {
  for (auto& [n, c] : m.named_children())
    if (n == name) return c;
  FAIL("no child module " << name);
  return nullptr;
}
bool has(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}
}  // namespace

TEST_CASE("conditional DCGAN generator: shapes, parameters, errors", "[gan][conditional]") {
  Rng rng(1);
  auto g = make_conditional_dcgan_generator({.noise_dim = 16, .num_classes = 3, .image_size = 28}, rng);
  CHECK(g->noise_dim == 16);
  CHECK(g->num_classes == 3);
  CHECK(g->sample_shape == Shape{1, 28, 28});
  Variable x = g->generate(Variable(normal({4, 16}, 0, 1, rng)), labels_of({0, 1, 2, 0}));
  CHECK(x.shape() == Shape{4, 1, 28, 28});
  CHECK(max_abs(x.value()) <= 1.0);
  std::vector<std::string> names = param_names(*g);
  for (const char* n : {"fc.weight", "bn0.weight", "bn0.bias", "conv1.weight", "bn1.weight", "conv2.weight", "bn2.bias", "conv3.weight"})
    CHECK(has(names, n));
  auto rgb = make_conditional_dcgan_generator(
      {.noise_dim = 8, .num_classes = 2, .image_size = 32, .channels = 3, .self_attention = true}, rng);
  CHECK(rgb->generate(Variable(normal({2, 8}, 0, 1, rng)), labels_of({1, 0})).shape() == Shape{2, 3, 32, 32});
  CHECK(has(param_names(*rgb), "attention.gamma"));
  CHECK_THAT(error_of([&] { g->generate(Variable(zeros({2, 16})), Tensor()); }),
             Catch::Contains("ConditionalDcganGenerator: a conditional network needs int64 labels [2], got undefined"));
  CHECK_THAT(error_of([&] { g->generate(Variable(zeros({2, 16})), labels_of({0, 3})); }),
             Catch::Contains("labels must be in [0, 3)"));
  CHECK_THAT(error_of([&] { make_conditional_dcgan_generator({.image_size = 64, .self_attention = true}, rng); }),
             Catch::Contains("self-attention at 32x32 is too large"));
}

TEST_CASE("conditional DCGAN generator: a class's gain and bias change only its samples", "[gan][conditional]") {
  Rng rng(2);
  auto g = make_conditional_dcgan_generator({.noise_dim = 8, .num_classes = 2, .image_size = 8}, rng);
  Variable z(normal({4, 8}, 0, 1, rng));
  Tensor labels = labels_of({0, 1, 0, 1});
  g->train();
  g->generate(z, labels);  // one training pass fills the running statistics
  g->eval();               // per-sample normalisation: samples independent of each other
  Tensor before = g->generate(z, labels).value();
  auto bn1 = std::dynamic_pointer_cast<nn::ConditionalBatchNorm2d>(child(*g, "bn1"));
  REQUIRE(bn1);
  {
    NoGradGuard no_grad;
    Tensor row = bn1->bias.mutable_value().select(0, 1);
    copy_(row, add(row, 0.5));  // class 1's bias
  }
  Tensor after = g->generate(z, labels).value();
  for (int64_t i : {0, 2}) CHECK(max_abs(sub(after.select(0, i), before.select(0, i))) == 0.0);
  for (int64_t i : {1, 3}) CHECK(max_abs(sub(after.select(0, i), before.select(0, i))) > 1e-3);
}

TEST_CASE("projection discriminator: score = psi(phi) + <embed(y), phi>", "[gan][conditional]") {
  Rng rng(3);
  auto d = make_projection_discriminator(
      {.num_classes = 2, .image_size = 8, .channels = 3, .spectral_norm = false, .dropout = 0.0}, rng);
  std::vector<std::string> names = param_names(*d);
  CHECK(has(names, "psi.weight"));
  CHECK(has(names, "embed.weight"));
  std::shared_ptr<nn::Module> psi = child(*d, "psi"), embed = child(*d, "embed");
  REQUIRE(psi->type_name() == "Linear");
  REQUIRE(embed->type_name() == "Embedding");
  // F = 128 * 1 * 1 for 8x8 inputs (8 -> 4 -> 2 -> 1 -> 1).
  Variable w = psi->named_parameters()[0].second, b = psi->named_parameters()[1].second;
  Variable e = embed->named_parameters()[0].second;
  REQUIRE(w.shape() == Shape{1, 128});
  REQUIRE(e.shape() == Shape{2, 128});
  {
    NoGradGuard no_grad;
    Tensor row0 = e.mutable_value().select(0, 0), row1 = e.mutable_value().select(0, 1);
    zero_(row0);                           // class 0: no projection term
    copy_(row1, w.value().select(0, 0));   // class 1: embed = psi's weight
  }
  Tensor x = normal({3, 3, 8, 8}, 0, 1, rng);
  const double bias = b.value().item();
  Tensor s0 = d->score(Variable(x), labels_of({0, 0, 0})).value();
  Tensor s1 = d->score(Variable(x), labels_of({1, 1, 1})).value();
  REQUIRE(s0.shape() == Shape{3, 1});
  // psi(phi) = w.phi + b, so with embed(1) = w: score_1 = 2 w.phi + b = 2 score_0 - b.
  for (int64_t i = 0; i < 3; ++i) CHECK(s1.at({i, 0}) == Approx(2 * s0.at({i, 0}) - bias).epsilon(1e-4));
  CHECK_THAT(error_of([&] { d->score(Variable(zeros({2, 1, 8, 8})), labels_of({0, 1})); }),
             Catch::Contains("ProjectionDiscriminator: expected images [N, 3, 8, 8], got [2, 1, 8, 8]"));
}

TEST_CASE("projection discriminator: spectral norm, attention, minibatch std", "[gan][conditional]") {
  Rng rng(4);
  auto d = make_projection_discriminator({.num_classes = 10, .image_size = 28, .self_attention = true,
                                          .minibatch_std = true}, rng);
  std::vector<std::string> names = param_names(*d);
  for (const char* n : {"conv0.weight_orig", "psi.weight_orig", "embed.weight_orig", "attention.gamma",
                        "attention.query.weight_orig"})
    CHECK(has(names, n));
  Tensor x = uniform({4, 1, 28, 28}, -1, 1, rng);
  CHECK(d->score(Variable(x), labels_of({0, 9, 3, 3})).shape() == Shape{4, 1});
  auto unconditional = make_projection_discriminator({.num_classes = 0}, rng);
  CHECK(!has(param_names(*unconditional), "embed.weight_orig"));
  CHECK(unconditional->score(Variable(x), Tensor()).shape() == Shape{4, 1});
}

TEST_CASE("conditional networks: gradients with respect to the input", "[gan][conditional]") {
  Rng rng(5);
  auto d = make_projection_discriminator({.num_classes = 3, .image_size = 8, .channels = 2,
                                          .self_attention = true, .minibatch_std = true, .dropout = 0.0}, rng);
  d->to(DType::Float64);
  d->eval();  // spectral norm's u, v fixed, so every evaluation is the same function
  Tensor labels = labels_of({2, 0, 1, 2});
  GradcheckFn fd = [&](const std::vector<Variable>& v) { return d->score(v[0], labels); };
  std::vector<Tensor> x{random_away_from({4, 2, 8, 8}, rng, {0.0}, 0.05, -1, 1)};
  GradcheckResult r = gradcheck(fd, x);
  INFO(r.message);
  CHECK(r.ok);

  // The projection head's parameters: the embedding table and psi's weight.
  auto plain = make_projection_discriminator({.num_classes = 3, .image_size = 8, .channels = 2,
                                              .spectral_norm = false, .dropout = 0.0}, rng);
  plain->to(DType::Float64);
  auto embed = std::dynamic_pointer_cast<nn::Embedding>(child(*plain, "embed"));
  auto psi = std::dynamic_pointer_cast<nn::Linear>(child(*plain, "psi"));
  REQUIRE(embed);
  REQUIRE(psi);
  GradcheckFn fp = [&](const std::vector<Variable>& v) {
    embed->weight = v[1];
    psi->weight = v[2];
    return plain->score(v[0], labels);
  };
  GradcheckResult rp = gradcheck(fp, {x[0], embed->weight.value(), psi->weight.value()});
  INFO(rp.message);
  CHECK(rp.ok);
  // ... and the score really depends on both (else the check above would pass vacuously).
  const Tensor e = embed->weight.value(), w = psi->weight.value();
  Tensor base = fp({Variable(x[0]), Variable(e), Variable(w)}).value();
  CHECK(max_abs(sub(fp({Variable(x[0]), Variable(mul(e, 2.0)), Variable(w)}).value(), base)) > 1e-6);
  CHECK(max_abs(sub(fp({Variable(x[0]), Variable(e), Variable(mul(w, 2.0))}).value(), base)) > 1e-6);

  auto g = make_conditional_dcgan_generator({.noise_dim = 4, .num_classes = 3, .image_size = 8,
                                             .self_attention = true}, rng);
  g->to(DType::Float64);
  GradcheckFn fg = [&](const std::vector<Variable>& v) { return g->generate(v[0], labels); };
  GradcheckResult rg = gradcheck(fg, {random_away_from({4, 4}, rng)});
  INFO(rg.message);
  CHECK(rg.ok);
}
