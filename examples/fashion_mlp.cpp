// Fashion-MNIST with a 784-256-10 ReLU MLP and Adam (cosine-annealed learning rate): nn's proof
// on real data (issue 5).
// Prints train loss, train and test accuracy and the wall time of every epoch.
//
// Usage: fashion_mlp [--epochs 10] [--batch 64] [--lr 1e-3] [--hidden 256] [--seed 0]
//                    [--threads N] [--limit N (first N training images; 0: all)]
//                    [--data /usr/share/datasets/fashion-mnist]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

#include "nn/models/classifier.h"
#include "nn/optim.h"
#include "tensor/parallel.h"

using namespace nash;

namespace {

struct Args {
  int64_t epochs = 10, batch = 64, limit = 0, hidden = 256, threads = 0;
  double lr = 1e-3;
  uint64_t seed = 0;
  std::string data = "/usr/share/datasets/fashion-mnist";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: fashion_mlp [--epochs N] [--batch N] [--lr X] [--hidden N] [--seed N]"
                  " [--threads N] [--limit N] [--data DIR]\n");
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error("flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--epochs") a.epochs = std::stoll(v);
    else if (flag == "--batch") a.batch = std::stoll(v);
    else if (flag == "--lr") a.lr = std::stod(v);
    else if (flag == "--hidden") a.hidden = std::stoll(v);
    else if (flag == "--seed") a.seed = std::stoull(v);
    else if (flag == "--threads") a.threads = std::stoll(v);
    else if (flag == "--limit") a.limit = std::stoll(v);
    else if (flag == "--data") a.data = v;
    else throw std::runtime_error("unknown flag " + flag + " (try --help)");
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args args = parse(argc, argv);
  if (args.threads > 0) set_num_threads(static_cast<int>(args.threads));
  MnistSplit train = load_mnist(args.data, /*train=*/true);   // [60000, 1, 28, 28] in [-1, 1]
  MnistSplit test = load_mnist(args.data, /*train=*/false);   // [10000, 1, 28, 28]

  nn::manual_seed(args.seed);
  nn::FashionMlp model(args.hidden);
  optim::Adam opt(model.parameters(), {.lr = args.lr});
  std::printf("fashion_mlp: %ld train / %ld test images, %ld parameters, %d threads\n",
              long(train.images.size(0)), long(test.images.size(0)), long(model.num_parameters()),
              get_num_threads());

  double total = 0;
  auto reports = nn::train_classifier(
      model, opt, train, test, {.epochs = args.epochs,
                                  .batch_size = args.batch,
                                  .seed = args.seed,
                                  .train_limit = args.limit},
      [&](const nn::EpochReport& r) {
        total += r.train_seconds;
        // Cosine annealing (Loshchilov & Hutter 2017): lr_e = lr/2 (1 + cos(pi e / epochs)).
        opt.set_lr(args.lr * 0.5 * (1.0 + std::cos(M_PI * double(r.epoch) / double(args.epochs))));
        std::printf("epoch %2ld  loss %.4f  train acc %.4f  test acc %.4f  train %.1f s  eval %.1f s\n",
                    long(r.epoch), r.train_loss, r.train_accuracy, r.test_accuracy,
                    r.train_seconds, r.eval_seconds);
        std::fflush(stdout);
      });
  if (!reports.empty())
    std::printf("final test accuracy %.4f after %ld epochs, %.1f s training (%.1f s/epoch)\n",
                reports.back().test_accuracy, long(reports.size()), total,
                total / double(reports.size()));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_mlp: %s\n", e.what());
  return 1;
}
