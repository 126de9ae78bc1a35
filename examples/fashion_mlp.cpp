// Fashion-MNIST with a 784-256-10 ReLU MLP and Adam (cosine-annealed learning rate): nn's proof
// on real data.
// Prints train loss, train and test accuracy and the wall time of every epoch.
//
// Usage: fashion_mlp [--epochs 10] [--batch 64] [--lr 1e-3] [--hidden 256] [--seed 0]
//                    [--threads N] [--limit N (first N training images; 0: all)]
//                    [--data /usr/share/datasets/fashion-mnist]
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "examples/classifier_common.h"

using namespace nash;

int main(int argc, char** argv) try {
  example::ClassifierFlags flags{.epochs = 10};
  int64_t hidden = 256;
  example::parse_classifier_flags(
      argc, argv,
      "usage: fashion_mlp [--epochs N] [--batch N] [--lr X] [--hidden N] [--seed N]"
      " [--threads N] [--limit N] [--data DIR]",
      flags, [&](const std::string& flag, const std::string& value) {
        if (flag != "--hidden") return false;
        hidden = std::stoll(value);
        return true;
      });
  const example::FashionSplits data = example::load_fashion(flags);

  nn::manual_seed(flags.seed);
  nn::FashionMlp model(hidden);
  example::train_with_cosine_adam("fashion_mlp", model, flags, data);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_mlp: %s\n", e.what());
  return 1;
}
