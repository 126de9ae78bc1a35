// The nash program, run as a real process (the binary CMake built, NASH_CLI_PATH) on small
// budgets: --help, bad input, the run directory's files, exact resume (byte-identical
// checkpoints and samples), SIGTERM/SIGKILL, the sample formats and eval's JSON.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_test_util.h"
#include "gan/metrics/eval_classifier.h"
#include "nn/checkpoint.h"
#include "nn/models/classifier.h"
#include "tensor/io/json.h"
#include "tensor/io/npy.h"
#include "tensor/io/safetensors.h"


namespace fs = std::filesystem;
using namespace nash;
using namespace nash_cli_test;

namespace {

std::map<std::string, std::string> checkpoint_metadata(const std::string& path) {
  return load_safetensors(path).metadata;
}

// Byte equality of two files, without dumping binary contents into a failure message.
bool same_bytes(const std::string& a, const std::string& b) {
  const std::string x = slurp(a), y = slurp(b);
  return !x.empty() && x == y;
}

// metrics.csv without the timing column (the only one that may differ between runs).
std::string metrics_without_seconds(const std::string& path) {
  std::string out;
  for (const auto& l : lines_of(slurp(path))) out += l.substr(0, l.rfind(',')) + "\n";
  return out;
}

// A tiny MNIST-format directory: n random 28x28 images and labels (uncompressed IDX).
void write_tiny_mnist(const std::string& dir, int n, bool truncate_images = false) {
  fs::create_directories(dir);
  std::mt19937 rng(7);
  auto header = [](std::vector<uint32_t> dims) {
    std::string h = {0, 0, 8, static_cast<char>(dims.size())};
    for (uint32_t d : dims)
      for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((d >> s) & 0xff);
    return h;
  };
  std::string images = header({uint32_t(n), 28, 28}), labels = header({uint32_t(n)});
  for (int i = 0; i < n * 784; ++i) images += static_cast<char>(rng() & 0xff);
  for (int i = 0; i < n; ++i) labels += static_cast<char>(i % 10);
  if (truncate_images) images.resize(images.size() - 100);
  std::ofstream(dir + "/train-images-idx3-ubyte", std::ios::binary) << images;
  std::ofstream(dir + "/train-labels-idx1-ubyte", std::ios::binary) << labels;
}

Json eval_json(const Result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  return parse_json(r.out);
}

const std::vector<std::string> kToy1d = {"train", "--data", "gaussian1d", "--threads", "1", "--log-every", "20"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("nash: every command has --help", "[cli]") {
  TempDir dir;
  Result top = nash_run({"--help"}, dir);
  CHECK(top.code == 0);
  CHECK(top.out.find("train") != std::string::npos);
  CHECK(top.out.find("sample") != std::string::npos);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"train", {"usage: nash train", "--model", "--data", "--steps", "--batch", "--seed", "--threads",
                 "--out", "--resume", "--k", "--n-critic", "--clip", "--lambda", "--pack", "--lr-d",
                 "--lr-g", "--sample-every", "--checkpoint-every", "--label-smoothing"}},
      {"sample", {"usage: nash sample", "--run", "--checkpoint", "--n", "--label", "--seed", "--out"}},
      {"eval", {"usage: nash eval", "--run", "--n"}},
  };
  for (const auto& [command, words] : expected) {
    Result r = nash_run({command, "--help"}, dir);
    INFO(command);
    CHECK(r.code == 0);
    for (const auto& w : words) CHECK(r.out.find(w) != std::string::npos);
  }
  Result none = nash_run({}, dir);
  CHECK(none.code == 2);
}

TEST_CASE("nash: bad flags are one clear line and exit code 2", "[cli]") {
  TempDir dir;
  require_one_line_error(nash_run({"frobnicate"}, dir), 2, "unknown command 'frobnicate'");
  require_one_line_error(nash_run({"train", "--bogus", "1"}, dir), 2, "unknown flag '--bogus'");
  require_one_line_error(nash_run({"train", "--data", "ring", "--steps", "abc"}, dir), 2,
                         "--steps: steps must be an integer in [1, 1000000000], got abc");
  require_one_line_error(nash_run({"train", "--data", "ring", "--steps", "0"}, dir), 2, "--steps: steps must be an integer in [1, 1000000000], got 0");
  require_one_line_error(nash_run({"train", "--data", "ring", "--lr-d"}, dir), 2, "--lr-d needs a value");
  require_one_line_error(nash_run({"train", "--data", "ring", "--seed", "1", "--seed", "2"}, dir), 2,
                         "--seed is given twice");
  require_one_line_error(nash_run({"train", "--model", "vae", "--data", "ring"}, dir), 2, "--model vae");
  require_one_line_error(nash_run({"train", "--data", "no/such/dir"}, dir), 2, "--data no/such/dir");
  require_one_line_error(nash_run({"train", "--data", "ring", "--model", "cgan"}, dir), 2, "class labels");
  require_one_line_error(nash_run({"train", "--data", "ring", "--model", "gan", "--clip", "0.1"}, dir), 2,
                         "--clip does not apply to this run (model gan, loss ns, data ring): it sets the critic weight clipping bound (wgan)");
  require_one_line_error(nash_run({"train", "--data", "ring", "--batch", "63", "--pack", "2"}, dir), 2,
                         "batch 63 must be a multiple of pack 2");
  require_one_line_error(nash_run({"sample", "--out", "x.png"}, dir), 2, "exactly one of --run");
  require_one_line_error(nash_run({"sample", "--run", "r", "--out", "x.jpg"}, dir), 2, ".png, .svg, .npy or .csv");
  require_one_line_error(nash_run({"sample", "--run", "r"}, dir), 2, "--out");
  require_one_line_error(nash_run({"eval", "--n", "5"}, dir), 2, "exactly one of --run");
  for (const auto& e : fs::directory_iterator(dir.path)) {  // nothing but the captured output
    const std::string ext = e.path().extension().string();
    CHECK((ext == ".out" || ext == ".err"));
  }
}

TEST_CASE("nash train: a toy run writes config, metrics, samples, loss curves and a checkpoint", "[cli]") {
  TempDir dir;
  Result r = nash_run(kToy1d + std::vector<std::string>{"--steps", "60", "--batch", "64", "--seed", "5",
                                                        "--sample-every", "20", "--out", "run"},
                      dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  // every default is printed at the start
  for (const char* w : {"loss=ns", "steps=60", "batch=64", "lr_d=", "lr_g=", "beta1=", "beta2=", "seed 5"})
    CHECK(r.err.find(w) != std::string::npos);
  // progress: plain lines when stderr is not a terminal
  CHECK(r.err.find("step 20/60") != std::string::npos);
  CHECK(r.err.find("steps/s") != std::string::npos);
  CHECK(r.err.find("ETA") != std::string::npos);

  Json config = parse_json(slurp(dir / "run/config.json"));
  CHECK(config.at("nash_version").as_string() == NASH_VERSION);
  CHECK(config.at("seed").as_int64() == 5);
  CHECK(config.at("data").as_string() == "gaussian1d");
  CHECK(config.at("steps").as_int64() == 60);
  CHECK(config.at("batch").as_int64() == 64);
  CHECK(config.contains("lr_d"));
  CHECK(config.at("runtime").at("sample_every").as_int64() == 20);

  auto rows = lines_of(slurp(dir / "run/metrics.csv"));
  REQUIRE(rows.size() == 61);
  CHECK(rows[0] == "step,d_loss,g_loss,d_real,d_fake,wasserstein,penalty,penalty_norm,clipped_fraction,grad_norm_d,"
                   "grad_norm_g,lr_d,lr_g,seconds");
  for (int i = 1; i <= 60; ++i) CHECK(rows[size_t(i)].rfind(std::to_string(i) + ",", 0) == 0);

  for (int step : {20, 40, 60}) {  // 1-D data: a histogram chart with its title, axes and legend
    const std::string chart = slurp(dir / ("run/samples/step_" + std::to_string(step) + ".svg"));
    CHECK(chart.rfind("<?xml", 0) == 0);
    CHECK(chart.find("run: G at step " + std::to_string(step)) != std::string::npos);
    CHECK(chart.find(">density</text>") != std::string::npos);
    CHECK(chart.find(">real samples</text>") != std::string::npos);
  }
  std::string svg = slurp(dir / "run/loss.svg");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);

  auto meta = checkpoint_metadata(dir / "run/checkpoint.safetensors");
  CHECK(meta.at("step") == "60");
  CHECK(parse_json(meta.at("config")).at("seed").as_int64() == 5);
  SafetensorsFile ck = load_safetensors(dir / "run/checkpoint.safetensors");
  CHECK(ck.contains("extra.fixed_noise"));
  CHECK(ck.contains("optim_g.param_groups.0.lr"));

  // eval: gaussian1d reports mean, std and KS
  Result e = nash_run({"eval", "--run", "run", "--n", "2000"}, dir, "eval");
  REQUIRE(e.code == 0);
  Json j = eval_json(e);
  CHECK(j.at("step").as_int64() == 60);
  CHECK(j.at("n").as_int64() == 2000);
  for (const char* k : {"mean", "std", "ks"}) CHECK(j.at(k).is_number());
  CHECK(j.at("ks").as_number() >= 0);
  CHECK(j.at("ks").as_number() <= 1);

  // an existing run is not overwritten
  Result again = nash_run(kToy1d + std::vector<std::string>{"--steps", "5", "--out", "run"}, dir, "again");
  require_one_line_error(again, 1, "already holds a run");
  CHECK(checkpoint_metadata(dir / "run/checkpoint.safetensors").at("step") == "60");
}

TEST_CASE("nash train --resume: stopping and resuming gives byte-identical results (toy)", "[cli]") {
  TempDir dir;
  // ring preset (PacGAN, lr decay over the second half) at a small batch
  const std::vector<std::string> base = {"train", "--data", "ring", "--steps", "40", "--batch", "64",
                                         "--seed", "3", "--threads", "1", "--sample-every", "10",
                                         "--checkpoint-every", "10"};
  REQUIRE(nash_run(base + std::vector<std::string>{"--out", "straight"}, dir, "a").code == 0);
  Result first = nash_run(base + std::vector<std::string>{"--out", "split", "--stop-at", "15"}, dir, "b");
  REQUIRE(first.code == 0);
  CHECK(checkpoint_metadata(dir / "split/checkpoint.safetensors").at("step") == "15");
  Result resumed = nash_run({"train", "--resume", "split", "--threads", "1", "--sample-every", "10",
                             "--checkpoint-every", "10"}, dir, "c");
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  CHECK(same_bytes(dir / "straight/checkpoint.safetensors", dir / "split/checkpoint.safetensors"));
  for (int step : {10, 20, 30, 40})
    CHECK(slurp(dir / ("straight/samples/step_" + std::to_string(step) + ".svg")).find("<circle") != std::string::npos);
  // the charts differ only in their titles (the run directory's name)
  for (int step : {10, 20, 30, 40}) {
    std::string a = slurp(dir / ("straight/samples/step_" + std::to_string(step) + ".svg"));
    std::string b = slurp(dir / ("split/samples/step_" + std::to_string(step) + ".svg"));
    CHECK(a.substr(a.find("</text>")) == b.substr(b.find("</text>")));
  }
  CHECK(metrics_without_seconds(dir / "straight/metrics.csv") == metrics_without_seconds(dir / "split/metrics.csv"));
  CHECK(slurp(dir / "straight/samples/step_40.svg").find(">x2</text>") != std::string::npos);  // 2-D: a scatter

  // a resumed run keeps its settings
  Result changed = nash_run({"train", "--resume", "split", "--steps", "50", "--lr-d", "0.5"}, dir, "d");
  require_one_line_error(changed, 2, "--lr-d 0.5 differs from the settings");
  // already finished: nothing to do
  Result done = nash_run({"train", "--resume", "split"}, dir, "e");
  CHECK(done.code == 0);
  CHECK(done.err.find("already at step 40 of 40") != std::string::npos);

  // eval on 2-D data: modes, high-quality share, reverse KL
  Json j = eval_json(nash_run({"eval", "--run", "straight", "--n", "500"}, dir, "f"));
  CHECK(j.at("num_modes").as_int64() == 8);
  for (const char* k : {"modes", "high_quality", "reverse_kl"}) CHECK(j.at(k).is_number());
  CHECK(j.at("mode_histogram").size() == 8);
}

TEST_CASE("nash train --resume on images: byte-identical (CGAN stopped with --stop-at, DCGAN with --steps extended)", "[cli]") {
  TempDir dir;
  write_tiny_mnist(dir / "tiny", 96);
  struct Case {
    std::string model, batch;
    std::vector<std::string> first;  // how the split run's first invocation stops at step 3
  };
  // CGAN's defaults decay the learning rates over the second half of --steps and keep a weight
  // average, so it must stop with --stop-at (extending --steps changes the schedule); DCGAN's
  // rates are constant, so extending --steps from 3 to 7 must also continue exactly.
  for (const Case& c : {Case{"cgan", "16", {"--steps", "7", "--stop-at", "3"}},
                        Case{"dcgan", "4", {"--steps", "3"}}}) {
    INFO(c.model);
    const std::vector<std::string> base = {"train", "--data", "tiny", "--model", c.model, "--batch", c.batch,
                                           "--threads", "1", "--sample-every", "2", "--checkpoint-every", "2"};
    const std::string a = c.model + "_straight", b = c.model + "_split";
    Result straight = nash_run(base + std::vector<std::string>{"--steps", "7", "--out", a}, dir, "a");
    INFO(straight.err);
    REQUIRE(straight.code == 0);
    REQUIRE(nash_run(base + c.first + std::vector<std::string>{"--out", b}, dir, "b").code == 0);
    Result resumed = nash_run({"train", "--resume", b, "--steps", "7", "--threads", "1", "--sample-every", "2",
                               "--checkpoint-every", "2"}, dir, "c");
    INFO(resumed.err);
    REQUIRE(resumed.code == 0);
    CHECK(same_bytes(dir / (a + "/checkpoint.safetensors"), dir / (b + "/checkpoint.safetensors")));
    for (int step : {2, 4, 6, 7})
      CHECK(same_bytes(dir / (a + "/samples/step_" + std::to_string(step) + ".png"),
                       dir / (b + "/samples/step_" + std::to_string(step) + ".png")));
    CHECK(metrics_without_seconds(dir / (a + "/metrics.csv")) == metrics_without_seconds(dir / (b + "/metrics.csv")));
  }
  // CGAN's defaults: the rates held for the first half of the 7 steps and then falling, G's weight
  // average in the checkpoint (samples come from it)
  std::vector<std::string> rows = lines_of(slurp(dir / "cgan_straight/metrics.csv"));
  REQUIRE(rows.size() == 8);
  auto lr_g = [&](int step) {  // lr_g is the second-to-last column
    const std::string& r = rows[static_cast<size_t>(step)];
    const size_t last = r.rfind(','), before = r.rfind(',', last - 1);
    return std::stod(r.substr(before + 1, last - before - 1));
  };
  // row N holds the rate step N trained with: factor 1 until 3.5 steps are done, then linear to 0
  CHECK(lr_g(1) == Approx(2e-4));
  CHECK(lr_g(4) == Approx(2e-4));
  CHECK(lr_g(5) == Approx(2e-4 * (1 - 0.5 / 3.5)));
  CHECK(lr_g(7) == Approx(2e-4 * (1 - 2.5 / 3.5)));
  SafetensorsFile ck = load_safetensors(dir / "cgan_straight/checkpoint.safetensors");
  CHECK(ck.contains("generator_ema.model.0.weight"));
  // the CGAN grid: one class per row, 10 per class: 10 x (28 + 2) + 2 pixels square
  auto [w, h] = png_size(dir / "cgan_straight/samples/step_7.png");
  CHECK((w == 302 && h == 302));
  // an unconditional grid: 8x8
  auto [w2, h2] = png_size(dir / "dcgan_straight/samples/step_7.png");
  CHECK((w2 == 242 && h2 == 242));
}

TEST_CASE("nash sample: PNG, NPY and CSV, with --label for CGAN", "[cli]") {
  TempDir dir;
  write_tiny_mnist(dir / "tiny", 64);
  REQUIRE(nash_run({"train", "--data", "tiny", "--model", "cgan", "--batch", "16", "--steps", "2",
                    "--threads", "1", "--out", "run"}, dir, "train").code == 0);

  Result png = nash_run({"sample", "--run", "run", "--n", "20", "--out", "grid.png"}, dir, "png");
  INFO(png.err);
  REQUIRE(png.code == 0);
  auto [w, h] = png_size(dir / "grid.png");  // 10 classes x 2
  CHECK((w == 2 * 30 + 2 && h == 10 * 30 + 2));

  REQUIRE(nash_run({"sample", "--run", "run", "--n", "10", "--label", "3", "--seed", "9", "--out", "x.npy"},
                   dir, "npy").code == 0);
  Tensor x = load_npy(dir / "x.npy");
  CHECK(x.shape() == Shape{10, 1, 28, 28});
  CHECK(x.dtype() == DType::Float32);
  for (float v : x.values<float>()) CHECK((v >= -1.f && v <= 1.f));
  // the same seed gives the same samples; a checkpoint file works like --run
  REQUIRE(nash_run({"sample", "--checkpoint", "run/checkpoint.safetensors", "--n", "10", "--label", "3",
                    "--seed", "9", "--out", "y.npy"}, dir, "npy2").code == 0);
  CHECK(same_bytes(dir / "x.npy", dir / "y.npy"));
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0) {
    std::string cmd = "/usr/bin/python3 -c \"import numpy; a = numpy.load('" + (dir / "x.npy") +
                      "'); assert a.shape == (10, 1, 28, 28) and a.dtype == numpy.float32\"";
    CHECK(std::system(cmd.c_str()) == 0);
  }

  REQUIRE(nash_run({"sample", "--run", "run", "--n", "5", "--out", "s.csv"}, dir, "csv").code == 0);
  auto rows = lines_of(slurp(dir / "s.csv"));
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].rfind("label,p0,p1,", 0) == 0);
  CHECK(std::count(rows[1].begin(), rows[1].end(), ',') == 784);

  require_one_line_error(nash_run({"sample", "--run", "run", "--label", "10", "--out", "z.png"}, dir, "bad"), 2,
                         "--label must be in [0, 9]");
  CHECK(!fs::exists(dir / "z.png"));
  require_one_line_error(nash_run({"sample", "--run", "run", "--out", "no/such/dir/z.png"}, dir, "bad2"), 1,
                         "no/such/dir/z.png");
}

TEST_CASE("nash eval on images: Fréchet distance, class histogram, label accuracy", "[cli]") {
  TempDir dir;
  write_tiny_mnist(dir / "tiny", 64);
  REQUIRE(nash_run({"train", "--data", "tiny", "--model", "cgan", "--batch", "16", "--steps", "2",
                    "--threads", "1", "--out", "run"}, dir, "train").code == 0);
  // without the classifier: the image metrics are null, with the reason, exit code 1
  Result missing = nash_run({"eval", "--run", "run", "--n", "50", "--classifier", "none.safetensors"}, dir, "m");
  CHECK(missing.code == 1);
  Json m = eval_json(missing);
  CHECK(m.at("frechet_distance").is_null());
  CHECK(m.at("error").as_string().find("scripts/train_classifier.sh") != std::string::npos);
  CHECK(missing.err.find("none.safetensors") != std::string::npos);

  // an (untrained) FashionCnn keyed to the tiny data set stands in for a trained classifier
  gan::RunConfig tiny_config = gan::default_config(dir / "tiny", "");
  tiny_config.data_dir = dir / "tiny";
  const gan::ClassifierData tiny = gan::classifier_data(tiny_config);
  nn::FashionCnn cnn;
  gan::save_eval_classifier(dir / "cnn.safetensors", cnn,
                            {.fingerprint = tiny.fingerprint, .data = tiny.description,
                             .heldout = tiny.heldout_description, .model = cnn.options});
  Result ok = nash_run({"eval", "--run", "run", "--n", "50", "--classifier", "cnn.safetensors"}, dir, "ok");
  REQUIRE(ok.code == 0);
  Json j = eval_json(ok);
  CHECK(j.at("classifier_source").as_string() == "--classifier");
  CHECK(j.at("classifier_fingerprint").as_string() == tiny.fingerprint);
  CHECK(j.at("frechet_distance").as_number() >= 0);
  for (const char* key : {"precision", "recall", "density", "coverage"}) {  // KNN metrics in [0, 1] (density may exceed 1)
    CHECK(j.at(key).as_number() >= 0);
    if (std::string(key) != "density") CHECK(j.at(key).as_number() <= 1);
  }
  CHECK(std::isfinite(j.at("kid_mean").as_number()));
  CHECK(j.at("kid_std").as_number() >= 0);
  CHECK(j.at("label_accuracy").as_number() >= 0);
  CHECK(j.at("label_accuracy").as_number() <= 1);
  int64_t total = 0;
  REQUIRE(j.at("class_histogram").size() == 10);
  for (const auto& v : j.at("class_histogram").as_array()) total += v.as_int64();
  CHECK(total == 50);
}

TEST_CASE("nash: corrupt or mismatched checkpoints, bad data and unwritable directories fail cleanly", "[cli]") {
  TempDir dir;
  REQUIRE(nash_run(kToy1d + std::vector<std::string>{"--steps", "4", "--out", "run"}, dir, "train").code == 0);
  const std::string good = slurp(dir / "run/checkpoint.safetensors");

  // truncated
  fs::create_directories(dir / "cut");
  std::ofstream(dir / "cut/checkpoint.safetensors", std::ios::binary) << good.substr(0, good.size() / 2);
  require_one_line_error(nash_run({"sample", "--run", "cut", "--out", "a.png"}, dir, "a"), 1, "checkpoint.safetensors");
  require_one_line_error(nash_run({"train", "--resume", "cut"}, dir, "b"), 1, "checkpoint.safetensors");
  require_one_line_error(nash_run({"eval", "--run", "cut"}, dir, "c"), 1, "checkpoint.safetensors");
  CHECK(!fs::exists(dir / "a.png"));

  // not a training checkpoint (a bare module file)
  nn::FashionMlp mlp;
  nn::save_checkpoint(dir / "mlp.safetensors", mlp);
  require_one_line_error(nash_run({"sample", "--checkpoint", "mlp.safetensors", "--out", "a.png"}, dir, "d"), 1,
                         "not a nash training checkpoint");

  // a config that does not match the saved networks (G's hidden width changed)
  SafetensorsFile f = load_safetensors(dir / "run/checkpoint.safetensors");
  std::string config = f.metadata.at("config");
  auto at = config.find("\"g_hidden\":32");
  REQUIRE(at != std::string::npos);
  config.replace(at, 13, "\"g_hidden\":16");
  f.metadata["config"] = config;
  fs::create_directories(dir / "mismatch");
  save_safetensors(dir / "mismatch/checkpoint.safetensors", f.tensors, f.metadata);
  Result mm = nash_run({"sample", "--run", "mismatch", "--out", "a.png"}, dir, "e");
  require_one_line_error(mm, 1, "generator.");
  CHECK(!fs::exists(dir / "a.png"));

  // missing directory, and no checkpoint in a directory
  require_one_line_error(nash_run({"sample", "--run", "nowhere", "--out", "a.png"}, dir, "f"), 1, "nowhere");
  fs::create_directories(dir / "empty");
  require_one_line_error(nash_run({"train", "--resume", "empty"}, dir, "g"), 1, "no checkpoint.safetensors");

  // corrupt image data: nothing is created
  write_tiny_mnist(dir / "broken", 32, /*truncate_images=*/true);
  require_one_line_error(nash_run({"train", "--data", "broken", "--model", "gan", "--batch", "8", "--out", "x"},
                                  dir, "h"), 1, "train-images-idx3-ubyte");
  CHECK(!fs::exists(dir / "x"));
  // too few images for one batch
  write_tiny_mnist(dir / "few", 4);
  require_one_line_error(nash_run({"train", "--data", "few", "--model", "gan", "--out", "x"}, dir, "i"), 1,
                         "fewer than one batch");

  // unwritable output: a path under a regular file, and under /proc
  std::ofstream(dir / "afile") << "x";
  require_one_line_error(nash_run(kToy1d + std::vector<std::string>{"--steps", "2", "--out", "afile/run"}, dir, "j"),
                         1, "cannot create the run directory");
  require_one_line_error(nash_run(kToy1d + std::vector<std::string>{"--steps", "2", "--out", "/proc/nash_run"}, dir, "k"),
                         1, "/proc/nash_run");
  require_one_line_error(nash_run(kToy1d + std::vector<std::string>{"--steps", "2", "--out", "afile"}, dir, "l"),
                         1, "not a directory");
}

namespace {
// Waits until metrics.csv has at least `rows` data rows (or the process ends).
void wait_for_rows(const std::string& metrics, size_t rows, pid_t pid) {
  for (int i = 0; i < 6000; ++i) {  // at most 60 s
    if (lines_of(slurp(metrics)).size() > rows) return;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) FAIL("nash train ended before it was signalled");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("nash train wrote no metrics");
}
}  // namespace

TEST_CASE("nash train: SIGTERM finishes the step, checkpoints, exits 143 and resumes exactly", "[cli]") {
  TempDir dir;
  const std::vector<std::string> base = kToy1d + std::vector<std::string>{
      "--steps", "100000", "--batch", "32", "--seed", "11", "--sample-every", "1000000", "--checkpoint-every", "1000000"};
  pid_t pid = spawn(base + std::vector<std::string>{"--out", "run"}, dir, "term");
  wait_for_rows(dir / "run/metrics.csv", 30, pid);
  ::kill(pid, SIGTERM);
  Result r = wait_for(pid, dir, "term");
  INFO(r.err);
  CHECK(r.code == 143);
  CHECK(r.err.find("terminated") != std::string::npos);
  const int64_t step = std::stoll(checkpoint_metadata(dir / "run/checkpoint.safetensors").at("step"));
  CHECK(step >= 30);
  // every step done is in metrics.csv, and the last sample was written at the stop
  CHECK(lines_of(slurp(dir / "run/metrics.csv")).size() == size_t(step) + 1);
  CHECK(fs::exists(dir / ("run/samples/step_" + std::to_string(step) + ".svg")));

  // resume to step + 7 == straight to step + 7 (same --steps, so the same schedule)
  const std::string until = std::to_string(step + 7);
  Result resumed = nash_run({"train", "--resume", "run", "--stop-at", until, "--sample-every", "1000000",
                             "--checkpoint-every", "1000000"}, dir, "resume");
  REQUIRE(resumed.code == 0);
  REQUIRE(nash_run(base + std::vector<std::string>{"--out", "straight", "--stop-at", until}, dir, "straight").code == 0);
  CHECK(same_bytes(dir / "run/checkpoint.safetensors", dir / "straight/checkpoint.safetensors"));
  CHECK(metrics_without_seconds(dir / "run/metrics.csv") == metrics_without_seconds(dir / "straight/metrics.csv"));

  // SIGINT (Ctrl-C) does the same with exit code 130
  pid_t pid2 = spawn(base + std::vector<std::string>{"--out", "int"}, dir, "int");
  wait_for_rows(dir / "int/metrics.csv", 5, pid2);
  ::kill(pid2, SIGINT);
  Result i = wait_for(pid2, dir, "int");
  CHECK(i.code == 130);
  CHECK(i.err.find("interrupted") != std::string::npos);
  CHECK(std::stoll(checkpoint_metadata(dir / "int/checkpoint.safetensors").at("step")) >= 5);
}

TEST_CASE("nash train: SIGKILL leaves the last complete checkpoint readable and resumable", "[cli]") {
  TempDir dir;
  pid_t pid = spawn(kToy1d + std::vector<std::string>{"--steps", "100000", "--batch", "32",
                                                      "--checkpoint-every", "3", "--sample-every", "1000000",
                                                      "--out", "run"},
                    dir, "kill");
  wait_for_rows(dir / "run/metrics.csv", 40, pid);
  ::kill(pid, SIGKILL);
  CHECK(wait_for(pid, dir, "kill").code == 128 + SIGKILL);
  const std::string ck = dir / "run/checkpoint.safetensors";
  const int64_t step = std::stoll(checkpoint_metadata(ck).at("step"));
  CHECK(step >= 3);
  CHECK(step % 3 == 0);
  Result s = nash_run({"sample", "--run", "run", "--n", "100", "--out", "s.csv"}, dir, "sample");
  CHECK(s.code == 0);
  CHECK(lines_of(slurp(dir / "s.csv")).size() == 101);
  // A writer killed mid-write leaves a temporary file (here one from a process that no longer
  // exists, as the atomic writer names them); the next run of the directory removes it.
  const std::string stale = dir / "run/checkpoint.safetensors.tmp-999999999-abcdef";
  std::ofstream(stale) << "half a checkpoint";
  Result r = nash_run({"train", "--resume", "run", "--stop-at", std::to_string(step + 2)}, dir, "resume");
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK(checkpoint_metadata(ck).at("step") == std::to_string(step + 2));
  // metrics.csv was cut back to the checkpoint, then continued: one row per step
  auto rows = lines_of(slurp(dir / "run/metrics.csv"));
  REQUIRE(rows.size() == size_t(step) + 3);
  CHECK(rows.back().rfind(std::to_string(step + 2) + ",", 0) == 0);
}

TEST_CASE("nash train on Fashion-MNIST (a few steps, if the data set is installed)", "[cli]") {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) {
    WARN("Fashion-MNIST is not installed (dataset-fashion-mnist); skipped");
    return;
  }
  TempDir dir;
  Result r = nash_run({"train", "--model", "gan", "--steps", "3", "--batch", "16", "--threads", "2", "--out", "run"},
                      dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("fashion-mnist") != std::string::npos);
  auto [w, h] = png_size(dir / "run/samples/step_3.png");
  CHECK((w == 242 && h == 242));
  Json config = parse_json(slurp(dir / "run/config.json"));
  CHECK(config.at("image_size").as_int64() == 28);
}
