// What the Fashion-MNIST classifier examples (fashion_mlp, fashion_cnn) share: their common
// flags, and Adam with a cosine-annealed learning rate around nn::train_classifier, printing
// every epoch. Each example only chooses its model and what it does with it afterwards.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/models/classifier.h"
#include "nn/optim.h"
#include "tensor/parallel.h"

namespace example {

struct ClassifierFlags {
  int64_t epochs = 5, batch = 64, limit = 0, threads = 0;
  double lr = 1e-3;
  uint64_t seed = 0;
  std::string data = "/usr/share/datasets/fashion-mnist";
};

// A program's own flag: extra(flag, value) stores it and returns true, or returns false for a
// flag it does not know either.
using ExtraFlag = std::function<bool(const std::string& flag, const std::string& value)>;

// --epochs N --batch N --lr X --seed N --threads N --limit N --data DIR, plus the program's own
// flags through `extra`. --help prints `usage` and exits 0; a bad flag throws.
inline void parse_classifier_flags(int argc, char** argv, const char* usage, ClassifierFlags& f,
                                   const ExtraFlag& extra = {}) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("%s\n", usage);
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error("flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--epochs") f.epochs = std::stoll(v);
    else if (flag == "--batch") f.batch = std::stoll(v);
    else if (flag == "--lr") f.lr = std::stod(v);
    else if (flag == "--seed") f.seed = std::stoull(v);
    else if (flag == "--threads") f.threads = std::stoll(v);
    else if (flag == "--limit") f.limit = std::stoll(v);
    else if (flag == "--data") f.data = v;
    else if (!extra || !extra(flag, v))
      throw std::runtime_error("unknown flag " + flag + " (try --help)");
  }
}

struct FashionSplits {
  nash::MnistSplit train, test;  // images [N, 1, 28, 28] in [-1, 1], int64 labels [N]
};

// Applies --threads, then loads both Fashion-MNIST splits from f.data.
inline FashionSplits load_fashion(const ClassifierFlags& f) {
  if (f.threads > 0) nash::set_num_threads(static_cast<int>(f.threads));
  return {nash::load_mnist(f.data, /*train=*/true), nash::load_mnist(f.data, /*train=*/false)};
}

// Trains `model` with Adam (f.lr, annealed along a cosine after every epoch) on the splits,
// printing a header, one line per epoch and the final accuracy; returns the epochs' reports.
inline std::vector<nash::nn::EpochReport> train_with_cosine_adam(const char* program,
                                                                  nash::nn::Module& model,
                                                                  const ClassifierFlags& f,
                                                                  const FashionSplits& data) {
  nash::nn::optim::Adam opt(model.parameters(), {.lr = f.lr});
  std::printf("%s: %ld train / %ld test images, %ld parameters, %d threads\n", program,
              long(data.train.images.size(0)), long(data.test.images.size(0)),
              long(model.num_parameters()), nash::get_num_threads());
  double total = 0;
  auto reports = nash::nn::train_classifier(
      model, opt, data.train, data.test,
      {.epochs = f.epochs, .batch_size = f.batch, .seed = f.seed, .train_limit = f.limit},
      [&](const nash::nn::EpochReport& r) {
        total += r.train_seconds;
        // Cosine annealing (Loshchilov & Hutter 2017): lr_e = lr/2 (1 + cos(pi e / epochs)).
        opt.set_lr(f.lr * 0.5 * (1.0 + std::cos(M_PI * double(r.epoch) / double(f.epochs))));
        std::printf("epoch %2ld  loss %.4f  train acc %.4f  test acc %.4f  train %.1f s  eval %.1f s\n",
                    long(r.epoch), r.train_loss, r.train_accuracy, r.test_accuracy,
                    r.train_seconds, r.eval_seconds);
        std::fflush(stdout);
      });
  if (!reports.empty())
    std::printf("final test accuracy %.4f after %ld epochs, %.1f s training (%.1f s/epoch)\n",
                reports.back().test_accuracy, long(reports.size()), total,
                total / double(reports.size()));
  return reports;
}

}  // namespace example
