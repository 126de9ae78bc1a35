// Trains one GAN model on Fashion-MNIST for a budget of G steps through gan::Run (the networks
// and settings `nash train --model <family>` uses), then judges it with the trained FashionCnn classifier:
// Fréchet distance of 10,000 generated images vs the 10,000 real test images (classifier
// features), next to the real-vs-real FD of the two halves of the test set (the noise floor);
// for CGAN the label accuracy (classifier's class == conditioning label), for the unconditional
// families the class histogram. Writes samples/step_N.png like the other examples.
//
//   fashion_eval --family cgan --steps 3000 --classifier runs/fashion_cnn.safetensors
//                [--loss NAME (another objective)] [--samples 10000] [--max-seconds S (stop training early)]
//                [--decay-start F (lr linearly to 0 over the last 1 - F of the steps)]
//                [--ema D (sample from the average of G's weights, decay D)] [--seed 0] [--threads 2] [--data DIR] [--out runs/eval_cgan]
// Prints one machine-readable line at the end:
//   RESULT family=cgan steps=3000 train_s=... fd=... fd_real=... label_acc=... hist=a,b,...
#include <chrono>
#include <cstdio>
#include <string>

#include <filesystem>

#include "gan/metrics/image_metrics.h"
#include "gan/run.h"
#include "nn/checkpoint.h"
#include "nn/models/classifier.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

using namespace nash;
using namespace nash::gan;

namespace {

struct EvalFlags {
  std::string family = "gan";  // a model name: gan, cgan, wgan, wgan-gp, dcgan
  std::string loss;            // "": the model's objective
  std::string classifier = "runs/fashion_cnn.safetensors";
  std::string data = kFashionMnistDir;
  std::string out;
  int64_t steps = 2000;
  uint64_t seed = 0;
  int threads = 2;
  int64_t samples = 10000;
  double max_seconds = 0;  // > 0: stop training early when this wall time is spent
  double decay_start = 1;  // < 1: both learning rates fall linearly to 0 from this fraction of --steps
  double ema = 0;          // > 0: samples come from the running average of G's weights
};

EvalFlags parse(int argc, char** argv) {
  EvalFlags e;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    NASH_CHECK(i + 1 < argc, "fashion_eval: missing value after ", a);
    std::string v = argv[++i];
    if (a == "--family") e.family = v;
    else if (a == "--loss") e.loss = v;
    else if (a == "--classifier") e.classifier = v;
    else if (a == "--samples") e.samples = std::stoll(v);
    else if (a == "--max-seconds") e.max_seconds = std::stod(v);
    else if (a == "--decay-start") e.decay_start = std::stod(v);
    else if (a == "--ema") e.ema = std::stod(v);
    else if (a == "--steps") e.steps = std::stoll(v);
    else if (a == "--seed") e.seed = std::stoull(v);
    else if (a == "--data") e.data = v;
    else if (a == "--out") e.out = v;
    else if (a == "--threads") e.threads = std::stoi(v);
    else fail("fashion_eval: unknown flag ", a,
              " (expected --family, --loss, --steps, --classifier, --samples, --max-seconds, --decay-start, --ema, --seed, --data, --out, --threads)");
  }
  if (e.out.empty()) e.out = "runs/eval_" + e.family;
  set_num_threads(e.threads);
  return e;
}

// The configuration `nash train --model <family>` starts from, with this program's flags.
RunConfig make_config(const EvalFlags& e) {
  RunConfig c = default_config(e.data == kFashionMnistDir ? "fashion-mnist" : e.data, e.family);
  if (!e.loss.empty()) set_field(c, "loss", e.loss);
  set_field(c, "steps", std::to_string(e.steps));
  c.seed = e.seed;
  c.decay_start = e.decay_start;
  c.ema = e.ema;
  validate(c);
  return c;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
  EvalFlags e = parse(argc, argv);
  nn::FashionCnn cnn;
  nn::load_checkpoint(e.classifier, cnn);
  MnistSplit test = load_mnist(e.data, /*train=*/false);  // [10000, 1, 28, 28] in [-1, 1]
  std::printf("fashion_eval: family %s, %lld G steps, %d threads, classifier %s (test acc %.4f)\n",
              e.family.c_str(), static_cast<long long>(e.steps), get_num_threads(),
              e.classifier.c_str(), nn::evaluate_accuracy(cnn, test.images, test.labels));

  Run run(make_config(e));
  auto t0 = std::chrono::steady_clock::now();
  std::filesystem::create_directories(e.out + "/samples");
  Rng grid_rng(e.seed + 1);
  const Tensor grid_z = run.noise(100, grid_rng);
  const bool conditional = run.config().conditional();
  Tensor grid_labels;
  if (conditional) {
    std::vector<int64_t> rows(100);
    for (int64_t i = 0; i < 100; ++i) rows[i] = i / 10;  // row r holds class r
    grid_labels = from_vector(rows, {100});
  }
  while (!run.done() && (e.max_seconds <= 0 || seconds_since(t0) < e.max_seconds)) {
    StepStats s = run.step();
    if (s.step % 100 == 0) {
      std::printf("step %5lld  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1f s\n",
                  static_cast<long long>(s.step), s.d_loss, s.g_loss, s.d_real, s.d_fake,
                  seconds_since(t0));
      std::fflush(stdout);
    }
    if (s.step % 500 == 0)
      write_image_grid(e.out + "/samples/step_" + std::to_string(s.step) + ".png",
                       run.generate(grid_z, grid_labels), 10);
  }
  const int64_t steps = run.steps_done();
  const double train_s = seconds_since(t0);
  const std::string grid = e.out + "/samples/step_" + std::to_string(steps) + ".png";
  write_image_grid(grid, run.generate(grid_z, grid_labels), 10);
  std::printf("trained %lld G steps in %.1f s; final grid %s\n", static_cast<long long>(steps),
              train_s, grid.c_str());

  // Generated images from the run's evaluation stream (eval mode, as `nash eval` samples them);
  // CGAN: balanced labels.
  auto g0 = std::chrono::steady_clock::now();
  Tensor labels;
  if (conditional) {
    std::vector<int64_t> l(static_cast<size_t>(e.samples));
    for (int64_t i = 0; i < e.samples; ++i) l[static_cast<size_t>(i)] = i % 10;
    labels = from_vector(l, {e.samples});
  }
  Tensor fake = run.evaluation_samples(e.samples, labels);  // [samples, 1, 28, 28]

  const int64_t half = test.images.size(0) / 2;
  const double fd = image_frechet_distance(cnn, test.images, fake);
  const double fd_real = image_frechet_distance(cnn, test.images.narrow(0, 0, half),
                                                test.images.narrow(0, half, half));
  double acc = -1;
  if (conditional) acc = label_accuracy(cnn, fake, labels);
  std::vector<int64_t> hist = class_histogram(cnn, fake);
  const double eval_s = seconds_since(g0);

  std::printf("FD (%lld generated vs %lld real test) %.3f   real-vs-real FD (two halves) %.3f\n",
              static_cast<long long>(fake.size(0)), static_cast<long long>(test.images.size(0)),
              fd, fd_real);
  if (conditional) std::printf("label accuracy %.4f\n", acc);
  std::string h;
  for (size_t i = 0; i < hist.size(); ++i) {
    if (i) h += ",";
    h += std::to_string(hist[i]);
  }
  std::printf("class histogram %s\n", h.c_str());
  std::printf("RESULT family=%s steps=%lld train_s=%.1f eval_s=%.1f fd=%.3f fd_real=%.3f "
              "label_acc=%s hist=%s\n",
              e.family.c_str(), static_cast<long long>(steps), train_s, eval_s, fd, fd_real,
              conditional ? std::to_string(acc).c_str() : "-", h.c_str());
  return 0;
} catch (const std::exception& ex) {
  std::fprintf(stderr, "fashion_eval: %s\n", ex.what());
  return 1;
}
