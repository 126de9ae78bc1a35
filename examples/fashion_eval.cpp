// Trains one GAN family on Fashion-MNIST for a budget of G steps (the same networks and configs
// as examples/fashion_<family>.cpp), then judges it with the trained FashionCnn classifier:
// Fréchet distance of 10,000 generated images vs the 10,000 real test images (classifier
// features), next to the real-vs-real FD of the two halves of the test set (the noise floor);
// for CGAN the label accuracy (classifier's class == conditioning label), for the unconditional
// families the class histogram. Writes samples/step_N.png like the other examples.
//
//   fashion_eval --family cgan --steps 3000 --classifier runs/fashion_cnn.safetensors
//                [--samples 10000] [--max-seconds S (stop training early)]
//                [--decay-start F (lr linearly to 0 over the last 1 - F of the steps)]
//                [--ema D (sample from the average of G's weights, decay D)] [--seed 0] [--threads 2] [--data DIR] [--out runs/eval_cgan]
// Prints one machine-readable line at the end:
//   RESULT family=cgan steps=3000 train_s=... fd=... fd_real=... label_acc=... hist=a,b,...
#include <chrono>
#include <cstdio>
#include <string>

#include "examples/fashion_common.h"
#include "gan/metrics/image_metrics.h"
#include "gan/presets.h"
#include "nn/checkpoint.h"

using namespace nash;
using namespace nash::gan;

namespace {

struct EvalFlags {
  std::string family = "gan";
  std::string classifier = "runs/fashion_cnn.safetensors";
  int64_t samples = 10000;
  double max_seconds = 0;  // > 0: stop training early when this wall time is spent
  double decay_start = 1;  // < 1: both learning rates fall linearly to 0 from this fraction of --steps
  double ema = 0;          // > 0: samples come from the running average of G's weights
  example::Flags train;
};

EvalFlags parse(int argc, char** argv) {
  EvalFlags e;
  e.train.out = "";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    NASH_CHECK(i + 1 < argc, "fashion_eval: missing value after ", a);
    std::string v = argv[++i];
    if (a == "--family") e.family = v;
    else if (a == "--classifier") e.classifier = v;
    else if (a == "--samples") e.samples = std::stoll(v);
    else if (a == "--max-seconds") e.max_seconds = std::stod(v);
    else if (a == "--decay-start") e.decay_start = std::stod(v);
    else if (a == "--ema") e.ema = std::stod(v);
    else if (a == "--steps") e.train.steps = std::stoll(v);
    else if (a == "--seed") e.train.seed = std::stoull(v);
    else if (a == "--data") e.train.data = v;
    else if (a == "--out") e.train.out = v;
    else if (a == "--threads") e.train.threads = std::stoi(v);
    else fail("fashion_eval: unknown flag ", a,
              " (expected --family, --steps, --classifier, --samples, --max-seconds, --decay-start, --ema, --seed, --data, --out, --threads)");
  }
  if (e.train.out.empty()) e.train.out = "runs/eval_" + e.family;
  set_num_threads(e.train.threads);
  return e;
}

std::shared_ptr<Generator> make_generator(const std::string& family, Rng& init) {
  if (family == "dcgan") return make_dcgan_generator(100, 28, init);
  return make_mlp_generator(100, family == "cgan" ? 10 : 0, init);
}

// The networks and config of examples/fashion_<family>.cpp.
Trainer make_trainer(const std::string& family, const example::Flags& f) {
  Rng init(f.seed);
  const bool dcgan = family == "dcgan";
  const Family fam = dcgan ? Family::Gan : parse_family(family);
  TrainConfig c = TrainConfig::defaults(fam);
  c.seed = f.seed;
  const int64_t classes = fam == Family::Cgan ? 10 : 0;
  auto loader = loader_sampler(example::fashion_loader(f, c.batch_size));
  auto g = make_generator(family, init);
  if (dcgan) return Trainer(g, make_dcgan_discriminator(28, true, init), loader, c);
  return Trainer(g, make_mlp_discriminator(classes, init), loader, c);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) try {
  EvalFlags e = parse(argc, argv);
  nn::FashionCnn cnn;
  nn::load_checkpoint(e.classifier, cnn);
  MnistSplit test = load_mnist(e.train.data, /*train=*/false);  // [10000, 1, 28, 28] in [-1, 1]
  std::printf("fashion_eval: family %s, %lld G steps, %d threads, classifier %s (test acc %.4f)\n",
              e.family.c_str(), static_cast<long long>(e.train.steps), get_num_threads(),
              e.classifier.c_str(), nn::evaluate_accuracy(cnn, test.images, test.labels));

  Trainer t = make_trainer(e.family, e.train);
  auto t0 = std::chrono::steady_clock::now();
  // The loop of example::train_and_sample, with a wall-time budget on top of the step budget.
  std::filesystem::create_directories(e.train.out + "/samples");
  Tensor grid_z = t.noise(100), grid_labels;
  if (t.generator().num_classes > 0) {
    std::vector<int64_t> rows(100);
    for (int64_t i = 0; i < 100; ++i) rows[i] = i / 10;  // row r holds class r
    grid_labels = from_vector(rows, {100});
  }
  int64_t steps = 0;
  Preset schedule;  // --decay-start and --ema, applied as the presets and the CLI apply them
  schedule.decay_start = e.decay_start;
  schedule.ema = e.ema;
  std::shared_ptr<Generator> average;  // --ema: the running average of G's weights
  if (e.ema > 0) {
    Rng unused(e.train.seed + 1);
    average = start_average(make_generator(e.family, unused), t.generator());
  }
  // Samples come from G, or from its average under --ema (BatchNorm on batch statistics in both).
  auto sample = [&](const Tensor& z, const Tensor& labels) {
    if (!average) return t.sample(z, labels);
    NoGradGuard no_grad;
    return average->generate(Variable(z), labels).value();
  };
  while (steps < e.train.steps && (e.max_seconds <= 0 || seconds_since(t0) < e.max_seconds)) {
    StepStats s = scheduled_step(t, schedule, e.train.steps, average.get());
    ++steps;
    if (steps % 100 == 0) {
      std::printf("step %5lld  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1f s\n",
                  static_cast<long long>(steps), s.d_loss, s.g_loss, s.d_real, s.d_fake,
                  seconds_since(t0));
      std::fflush(stdout);
    }
    if (steps % 500 == 0)
      write_image_grid(e.train.out + "/samples/step_" + std::to_string(steps) + ".png",
                       sample(grid_z, grid_labels), 10);
  }
  const double train_s = seconds_since(t0);
  const std::string grid = e.train.out + "/samples/step_" + std::to_string(steps) + ".png";
  write_image_grid(grid, sample(grid_z, grid_labels), 10);
  std::printf("trained %lld G steps in %.1f s; final grid %s\n", static_cast<long long>(steps),
              train_s, grid.c_str());

  // 10,000 generated images in batches of 500 (G as the examples sample it); CGAN: balanced labels.
  auto g0 = std::chrono::steady_clock::now();
  const bool conditional = t.generator().num_classes > 0;
  std::vector<Tensor> parts, label_parts;
  for (int64_t start = 0; start < e.samples; start += 500) {
    const int64_t len = std::min<int64_t>(500, e.samples - start);
    Tensor labels;
    if (conditional) {
      std::vector<int64_t> l(len);
      for (int64_t i = 0; i < len; ++i) l[i] = (start + i) % 10;
      labels = from_vector(l, {len});
      label_parts.push_back(labels);
    }
    parts.push_back(sample(t.noise(len), labels));
  }
  Tensor fake = cat(parts, 0);  // [samples, 1, 28, 28]

  const int64_t half = test.images.size(0) / 2;
  const double fd = image_frechet_distance(cnn, test.images, fake);
  const double fd_real = image_frechet_distance(cnn, test.images.narrow(0, 0, half),
                                                test.images.narrow(0, half, half));
  double acc = -1;
  if (conditional) acc = label_accuracy(cnn, fake, cat(label_parts, 0));
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
