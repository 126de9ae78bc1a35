// The per-data-set evaluation classifier (gan/metrics/eval_classifier.h): the content hash and
// the data's fingerprint, the held-out split, training on first use with progress, the cache,
// and the refusal of a classifier of another data set or of unknown data.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_test_util.h"
#include "gan/metrics/eval_classifier.h"
#include "nn/checkpoint.h"
#include "synthetic_digits.h"
#include "tensor/creation.h"
#include "tensor/io/npy.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
namespace fs = std::filesystem;

namespace {

using nash_cli_test::TempDir;

gan::RunConfig images_at(const std::string& dir) {
  gan::RunConfig c = gan::default_config(dir, "");
  c.data_dir = dir;
  return c;
}

// Small and quick: a narrower network, batches of 32, at least 80 steps.
gan::ClassifierRecipe quick_recipe() {
  return {.epochs = 3, .min_steps = 80, .batch_size = 32, .lr = 2e-3, .channels1 = 16,
          .channels2 = 32, .feature_dim = 64};
}

}  // namespace

TEST_CASE("content_hash: deterministic, seeded, every bit and length counts", "[gan][metrics]") {
  std::vector<unsigned char> bytes(200);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
  const uint64_t h = gan::content_hash(bytes.data(), bytes.size());
  CHECK(gan::content_hash(bytes.data(), bytes.size()) == h);
  CHECK(gan::content_hash(bytes.data(), bytes.size(), 1) != h);
  std::set<uint64_t> seen = {h};
  for (size_t at : {size_t{0}, size_t{7}, size_t{31}, size_t{32}, size_t{100}, size_t{195}, size_t{199}})
    for (int bit : {0, 7}) {
      std::vector<unsigned char> flipped = bytes;
      flipped[at] ^= static_cast<unsigned char>(1 << bit);
      CHECK(seen.insert(gan::content_hash(flipped.data(), flipped.size())).second);
    }
  // The top bits of two words flipped together do not cancel.
  std::vector<unsigned char> two = bytes;
  two[7] ^= 0x80;
  two[15] ^= 0x80;
  CHECK(seen.insert(gan::content_hash(two.data(), two.size())).second);
  // Zero bytes of every length 0..70 (across the 32-byte stripes and the 8-byte tail) all differ.
  std::vector<unsigned char> zeros(70, 0);
  for (size_t n = 0; n <= zeros.size(); ++n) CHECK(seen.insert(gan::content_hash(zeros.data(), n)).second);
}

TEST_CASE("data_fingerprint: 16 hex digits that follow pixels, labels and shapes", "[gan][metrics]") {
  const MnistSplit a = test::striped_images(8, 8, 1);
  const std::string f = gan::data_fingerprint(a, {});
  CHECK(f.size() == 16);
  CHECK(f.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(gan::data_fingerprint(test::striped_images(8, 8, 1), {}) == f);
  MnistSplit pixel{a.images.clone(), a.labels};
  pixel.images.data<float>()[100] += 0.5f;
  MnistSplit label{a.images, a.labels.clone()};
  label.labels.data<int64_t>()[3] = 0;
  const MnistSplit reshaped{a.images.reshape({8, 3, 4, 16}), a.labels};
  const std::set<std::string> all = {f, gan::data_fingerprint(pixel, {}), gan::data_fingerprint(label, {}),
                                     gan::data_fingerprint(reshaped, {}), gan::data_fingerprint(a, a)};
  CHECK(all.size() == 5);
}

TEST_CASE("classifier_data: IDX splits, a random held-out share, unlabelled data", "[gan][metrics]") {
  TempDir dir;
  test::write_digits_idx(dir / "both", 100, 40);
  test::write_digits_idx(dir / "train_only", 100);
  const gan::ClassifierData both = gan::classifier_data(images_at(dir / "both"));
  CHECK(both.train.images.shape() == Shape{100, 1, 28, 28});
  CHECK(both.heldout.images.shape() == Shape{40, 1, 28, 28});
  CHECK(both.classes == 10);
  CHECK(both.labelled());
  CHECK(both.description.find(dir / "both") != std::string::npos);
  CHECK(both.heldout_description == "the 40 test images");
  CHECK(gan::classifier_data(images_at(dir / "both")).fingerprint == both.fingerprint);

  const gan::ClassifierData one = gan::classifier_data(images_at(dir / "train_only"));
  CHECK(one.train.images.size(0) == 90);
  CHECK(one.heldout.images.size(0) == 10);
  CHECK(one.heldout_description.find("10%") != std::string::npos);
  CHECK(one.fingerprint != both.fingerprint);
  // The held-out images are not among the training images.
  const Tensor h0 = one.heldout.images.narrow(0, 0, 1);
  for (int64_t i = 0; i < 90; ++i) CHECK_FALSE(equal(one.train.images.narrow(0, i, 1), h0));

  Rng rng(3);
  save_npy(dir / "plain.npy", uniform({20, 3, 8, 8}, 0.0, 1.0, rng));  // no _labels.npy beside it
  const gan::ClassifierData plain = gan::classifier_data(images_at(dir / "plain.npy"));
  CHECK_FALSE(plain.labelled());
  CHECK_THAT(plain.unlabelled_reason(), Catch::Contains("plain.npy") && Catch::Contains("labels"));
  CHECK_THROWS_WITH(gan::cached_eval_classifier(plain, dir / "cache"), Catch::Contains("labelled"));
}

TEST_CASE("cached_eval_classifier: trained once with progress, then read from the cache, and "
          "refused for another data set", "[gan][metrics]") {
  TempDir dir;
  test::write_digits_idx(dir / "digits", 200, 60);
  test::write_digits_idx(dir / "other", 200, 60, /*seed=*/9);
  const gan::ClassifierData digits = gan::classifier_data(images_at(dir / "digits"));
  const gan::ClassifierData other = gan::classifier_data(images_at(dir / "other"));
  REQUIRE(digits.fingerprint != other.fingerprint);

  std::vector<gan::ClassifierProgress> seen;
  const gan::EvalClassifier first = gan::cached_eval_classifier(
      digits, dir / "cache", quick_recipe(), [&](const gan::ClassifierProgress& p) { seen.push_back(p); });
  CHECK(first.trained_now);
  CHECK(first.path == gan::cached_classifier_path(dir / "cache", digits.fingerprint));
  CHECK(fs::is_regular_file(first.path));
  // 200 images make 7 batches of 32 an epoch; 3 epochs are fewer than 80 steps, so it runs 12
  // (84 steps), each epoch followed by its held-out evaluation.
  REQUIRE(seen.size() == 12 * 7 + 12);
  CHECK(first.info.epochs == 12);
  CHECK(seen[0].step == 1);
  CHECK(seen[0].steps == 84);
  CHECK(seen[6].heldout_accuracy < 0);
  CHECK(seen[7].heldout_accuracy >= 0);
  CHECK(seen[8].step == 8);
  CHECK(seen.back().step == 84);
  CHECK(seen.back().heldout_accuracy == first.info.heldout_accuracy);
  INFO("held-out accuracy " << first.info.heldout_accuracy);
  CHECK(first.info.heldout_accuracy >= 0.8);  // chance is 0.1; 84 quick steps reach 0.85

  const auto metadata = load_safetensors(first.path).metadata;
  CHECK(metadata.at("classifier.fingerprint") == digits.fingerprint);
  CHECK(metadata.at("classifier.data") == digits.description);
  CHECK(metadata.at("classifier.classes") == "10");
  CHECK(metadata.at("classifier.image_size") == "28");
  CHECK(std::stod(metadata.at("classifier.heldout_accuracy")) == first.info.heldout_accuracy);

  const gan::EvalClassifier again = gan::cached_eval_classifier(
      digits, dir / "cache", quick_recipe(), [&](const gan::ClassifierProgress&) { FAIL("trained twice"); });
  CHECK_FALSE(again.trained_now);
  CHECK(again.info.heldout_accuracy == first.info.heldout_accuracy);
  NoGradGuard no_grad;
  const Variable x(digits.heldout.images.narrow(0, 0, 5));
  CHECK(allclose((*again.model)(x).value(), (*first.model)(x).value(), 1e-5, 1e-6));

  // Applied to another data set: refused, naming both.
  CHECK_THROWS_WITH(gan::load_eval_classifier(first.path, other),
                    Catch::Contains(dir / "digits") && Catch::Contains(dir / "other") &&
                        Catch::Contains(digits.fingerprint) && Catch::Contains(other.fingerprint));
  // A bare FashionCnn checkpoint does not say what it was trained on: refused too.
  nn::FashionCnn bare;
  nn::save_checkpoint(dir / "bare.safetensors", bare);
  CHECK_THROWS_WITH(gan::load_eval_classifier(dir / "bare.safetensors", digits),
                    Catch::Contains("bare.safetensors") && Catch::Contains("classifier.fingerprint"));
}

TEST_CASE("classifier_cache_dir: NASH_CACHE_DIR, else XDG_CACHE_HOME/nash, else ~/.cache/nash", "[gan][metrics]") {
  auto keep = [](const char* name) {
    const char* v = std::getenv(name);
    return std::make_pair(std::string(name), v ? std::optional<std::string>(v) : std::nullopt);
  };
  const auto saved = {keep("NASH_CACHE_DIR"), keep("XDG_CACHE_HOME"), keep("HOME")};
  ::setenv("NASH_CACHE_DIR", "/tmp/a", 1);
  ::setenv("XDG_CACHE_HOME", "/tmp/b", 1);
  ::setenv("HOME", "/tmp/c", 1);
  CHECK(gan::classifier_cache_dir() == "/tmp/a");
  ::unsetenv("NASH_CACHE_DIR");
  CHECK(gan::classifier_cache_dir() == "/tmp/b/nash");
  ::unsetenv("XDG_CACHE_HOME");
  CHECK(gan::classifier_cache_dir() == "/tmp/c/.cache/nash");
  ::unsetenv("HOME");
  CHECK_THROWS_WITH(gan::classifier_cache_dir(), Catch::Contains("NASH_CACHE_DIR"));
  for (const auto& [name, value] : saved)
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
}
