// What the Fashion-MNIST GAN examples share: flags, the data loader, and the loop that trains,
// logs and saves sample grids. Each example only chooses its networks and its TrainConfig.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "gan/trainer.h"
#include "nn/data/idx.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace example {

struct Flags {
  int64_t steps = 2000;
  uint64_t seed = 0;
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string out = "runs/example";
  int threads = 2;
};

// --steps N --seed S --data DIR --out DIR --threads T
inline Flags parse_flags(int argc, char** argv, const std::string& default_out) {
  Flags f;
  f.out = default_out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    NASH_CHECK(i + 1 < argc, "missing value after ", a);
    std::string v = argv[++i];
    if (a == "--steps") f.steps = std::stoll(v);
    else if (a == "--seed") f.seed = std::stoull(v);
    else if (a == "--data") f.data = v;
    else if (a == "--out") f.out = v;
    else if (a == "--threads") f.threads = std::stoi(v);
    else nash::fail("unknown flag ", a, " (expected --steps, --seed, --data, --out, --threads)");
  }
  nash::set_num_threads(f.threads);
  return f;
}

inline std::shared_ptr<nash::nn::DataLoader> fashion_loader(const Flags& f, int64_t batch) {
  nash::MnistSplit train = nash::load_mnist(f.data, /*train=*/true);  // pixels in [-1, 1]
  return std::make_shared<nash::nn::DataLoader>(
      train.images, train.labels,
      nash::nn::DataLoaderOptions{.batch_size = batch, .seed = f.seed, .drop_last = true});
}

// Trains for f.steps G steps, printing the losses and writing samples/step_<N>.png from a fixed
// noise batch (10 x 10; for a conditional G, row r holds class r).
inline void train_and_sample(nash::gan::Trainer& t, const Flags& f) {
  std::filesystem::create_directories(f.out + "/samples");
  nash::Tensor z = t.noise(100);
  nash::Tensor labels;
  if (t.generator().num_classes > 0) {
    std::vector<int64_t> rows(100);
    for (int64_t i = 0; i < 100; ++i) rows[i] = i / 10;
    labels = nash::from_vector(rows, {100});
  }
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= f.steps; ++step) {
    nash::gan::StepStats s = t.step();
    if (step % 100 == 0 || step == f.steps) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("step %5lld  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1f s\n",
                  static_cast<long long>(step), s.d_loss, s.g_loss, s.d_real, s.d_fake, secs);
      std::fflush(stdout);
    }
    if (step % 500 == 0 || step == f.steps) {
      std::string path = f.out + "/samples/step_" + std::to_string(step) + ".png";
      nash::write_image_grid(path, t.sample(z, labels), 10);
    }
  }
  std::printf("samples in %s/samples/\n", f.out.c_str());
}

}  // namespace example
