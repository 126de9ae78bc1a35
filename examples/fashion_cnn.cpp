// Fashion-MNIST with a small CNN (two 3x3 convs, two max-pools, a 128-wide feature layer) and
// Adam with a cosine-annealed learning rate. Saves the trained model for the GAN metrics, whose
// Fréchet distance uses its 128 penultimate activations (nn::extract_features).
//
// Usage: fashion_cnn [--epochs 5] [--batch 64] [--lr 1e-3] [--seed 0] [--threads N]
//                    [--limit N (first N training images; 0: all)]
//                    [--data /usr/share/datasets/fashion-mnist]
//                    [--out runs/fashion_cnn.safetensors]   ("" or "-": do not save)
// Load it back with nn::load_fashion_cnn(path). On a busy machine run it with
// OMP_WAIT_POLICY=passive (scripts/train_classifier.sh does): libgomp's spinning is ruinous there.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "nn/checkpoint.h"
#include "nn/models/classifier.h"
#include "nn/optim.h"
#include "tensor/parallel.h"

using namespace nash;

namespace {

struct Args {
  int64_t epochs = 5, batch = 64, limit = 0, threads = 0;
  double lr = 1e-3;
  uint64_t seed = 0;
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string out = "runs/fashion_cnn.safetensors";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: fashion_cnn [--epochs N] [--batch N] [--lr X] [--seed N] [--threads N]"
                  " [--limit N] [--data DIR] [--out PATH]\n");
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::runtime_error("flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--epochs") a.epochs = std::stoll(v);
    else if (flag == "--batch") a.batch = std::stoll(v);
    else if (flag == "--lr") a.lr = std::stod(v);
    else if (flag == "--seed") a.seed = std::stoull(v);
    else if (flag == "--threads") a.threads = std::stoll(v);
    else if (flag == "--limit") a.limit = std::stoll(v);
    else if (flag == "--data") a.data = v;
    else if (flag == "--out") a.out = v;
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
  nn::FashionCnn model;
  optim::Adam opt(model.parameters(), {.lr = args.lr});
  std::printf("fashion_cnn: %ld train / %ld test images, %ld parameters, %d threads\n",
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
  if (reports.empty()) return 0;
  const double accuracy = reports.back().test_accuracy;
  std::printf("final test accuracy %.4f after %ld epochs, %.1f s training (%.1f s/epoch)\n",
              accuracy, long(reports.size()), total, total / double(reports.size()));

  if (!args.out.empty() && args.out != "-") {
    const std::filesystem::path parent = std::filesystem::path(args.out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    model.eval();  // saved weights are mode-free; eval is what the metrics use
    nn::save_checkpoint(args.out, model, nullptr,
                        {{"model", "FashionCnn"},
                         {"input_range", "[-1, 1]"},
                         {"feature_dim", std::to_string(model.options.feature_dim)},
                         {"epochs", std::to_string(reports.size())},
                         {"test_accuracy", std::to_string(accuracy)},
                         {"seed", std::to_string(args.seed)}});
    std::printf("saved %s\n", args.out.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_cnn: %s\n", e.what());
  return 1;
}
