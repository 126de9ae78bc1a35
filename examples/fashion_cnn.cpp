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
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "examples/classifier_common.h"
#include "nn/checkpoint.h"

using namespace nash;

int main(int argc, char** argv) try {
  example::ClassifierFlags flags{.epochs = 5};
  std::string out = "runs/fashion_cnn.safetensors";
  example::parse_classifier_flags(
      argc, argv,
      "usage: fashion_cnn [--epochs N] [--batch N] [--lr X] [--seed N] [--threads N]"
      " [--limit N] [--data DIR] [--out PATH]",
      flags, [&](const std::string& flag, const std::string& value) {
        if (flag != "--out") return false;
        out = value;
        return true;
      });
  const example::FashionSplits data = example::load_fashion(flags);

  nn::manual_seed(flags.seed);
  nn::FashionCnn model;
  auto reports = example::train_with_cosine_adam("fashion_cnn", model, flags, data);
  if (reports.empty()) return 0;

  if (!out.empty() && out != "-") {
    const std::filesystem::path parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    model.eval();  // saved weights are mode-free; eval is what the metrics use
    nn::save_checkpoint(out, model, nullptr,
                        {{"model", "FashionCnn"},
                         {"input_range", "[-1, 1]"},
                         {"feature_dim", std::to_string(model.options.feature_dim)},
                         {"epochs", std::to_string(reports.size())},
                         {"test_accuracy", std::to_string(reports.back().test_accuracy)},
                         {"seed", std::to_string(flags.seed)}});
    std::printf("saved %s\n", out.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_cnn: %s\n", e.what());
  return 1;
}
