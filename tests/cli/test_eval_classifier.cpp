// nash eval on a data set other than Fashion-MNIST (synthetic digits): a classifier keyed to that
// data set is trained on first use and cached, the next eval reads it from the cache, a
// classifier of another data set is refused, and runs/fashion_cnn.safetensors is never read.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "gan/metrics/eval_classifier.h"
#include "synthetic_digits.h"
#include "tensor/io/json.h"
#include "tensor/io/safetensors.h"

using namespace nash;
using namespace nash_cli_test;

namespace {

Json eval_json(const Result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  return parse_json(r.out);
}

gan::ClassifierData data_at(const std::string& dir) {
  gan::RunConfig c = gan::default_config(dir, "");
  c.data_dir = dir;
  return gan::classifier_data(c);
}

}  // namespace

TEST_CASE("nash eval trains, caches and checks a classifier of the run's own data set", "[cli]") {
  TempDir dir;
  ::setenv("NASH_CACHE_DIR", (dir / "cache").c_str(), 1);  // the nash processes inherit it
  ::unsetenv("NASH_CLASSIFIER");
  test::write_digits_idx(dir / "digits", 300, 100);
  // A file in the old place that is not a classifier at all: reading it would fail the evals.
  fs::create_directories(dir / "runs");
  std::ofstream(dir / "runs/fashion_cnn.safetensors") << "not a classifier";
  REQUIRE(nash_run({"train", "--data", "digits", "--model", "cgan", "--batch", "16", "--steps", "2",
                    "--threads", "1", "--out", "run"}, dir, "train").code == 0);

  // First use: trained now, on this data set, and cached.
  Result first = nash_run({"eval", "--run", "run", "--n", "100", "--threads", "1"}, dir, "first");
  REQUIRE(first.code == 0);
  const Json j = eval_json(first);
  const std::string fingerprint = data_at(dir / "digits").fingerprint;
  CHECK(j.at("data_fingerprint").as_string() == fingerprint);
  CHECK(j.at("classifier_source").as_string() == "trained now");
  CHECK(j.at("classifier_fingerprint").as_string() == fingerprint);
  CHECK(j.at("classifier_data").as_string().find("digits: 300 IDX training images") != std::string::npos);
  const std::string cached = j.at("classifier").as_string();
  CHECK(cached == gan::cached_classifier_path(dir / "cache", fingerprint));
  REQUIRE(fs::is_regular_file(cached));
  CHECK(load_safetensors(cached).metadata.at("classifier.fingerprint") == fingerprint);
  INFO("stderr: " << first.err);
  CHECK(j.at("classifier_accuracy").as_number() >= 0.8);  // ten glyphs, chance 0.1: 60 steps reach ~0.9
  CHECK(first.err.find("training one now") != std::string::npos);
  CHECK(first.err.find("digits") != std::string::npos);
  CHECK(first.err.find("classifier epoch 1/") != std::string::npos);  // progress (plain lines: no TTY)
  CHECK(first.err.find("fashion") == std::string::npos);
  REQUIRE(j.at("class_histogram").size() == 10);
  int64_t total = 0;
  for (const auto& v : j.at("class_histogram").as_array()) total += v.as_int64();
  CHECK(total == 100);
  CHECK(j.at("frechet_distance").as_number() >= 0);
  CHECK(j.at("label_accuracy").as_number() >= 0);

  // Second use: from the cache, no training, the same figures.
  Result second = nash_run({"eval", "--run", "run", "--n", "100", "--threads", "1"}, dir, "second");
  REQUIRE(second.code == 0);
  const Json k = eval_json(second);
  CHECK(k.at("classifier_source").as_string() == "cache");
  CHECK(k.at("classifier").as_string() == cached);
  CHECK(second.err.find("training one now") == std::string::npos);
  CHECK(second.err.find("classifier epoch") == std::string::npos);
  CHECK(second.err.find("from cache") != std::string::npos);
  CHECK(k.at("frechet_distance").as_number() == j.at("frechet_distance").as_number());

  // --classifier of another data set is refused, naming both (one of this data set is accepted:
  // tests/cli/test_cli.cpp).

  test::write_digits_idx(dir / "letters", 100, 0, /*seed=*/5);
  const gan::ClassifierData letters = data_at(dir / "letters");
  gan::ClassifierInfo info{.fingerprint = letters.fingerprint, .data = letters.description,
                           .heldout = letters.heldout_description,
                           .model = {.image_size = 28, .channels = 1, .classes = 10}};
  nn::ImageCnn other(info.model);
  gan::save_eval_classifier(dir / "letters.safetensors", other, info);
  Result refused = nash_run({"eval", "--run", "run", "--n", "100", "--threads", "1", "--classifier",
                             "letters.safetensors"}, dir, "refused");
  require_one_line_error(refused, 1, "trained on another data set");
  CHECK(refused.err.find("letters") != std::string::npos);
  CHECK(refused.err.find("digits") != std::string::npos);
  const Json r = eval_json(refused);
  CHECK(r.at("frechet_distance").is_null());
  CHECK(r.at("error").as_string().find(letters.fingerprint) != std::string::npos);
  ::unsetenv("NASH_CACHE_DIR");
}
