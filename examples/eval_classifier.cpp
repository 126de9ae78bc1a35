// The classifier `nash eval` judges a data set's images with, made ahead of time: reads the data,
// computes its fingerprint, and takes the cached classifier for it or trains one now and caches
// it (gan/metrics/eval_classifier.h), exactly as the first `nash eval` on that data would.
// With --out it also writes a copy there (for `nash eval --classifier FILE`, fashion_eval).
//
// Usage: eval_classifier [--data fashion-mnist | DIR | FILE.npy] [--image-size S] [--channels C]
//                        [--cache DIR (default $NASH_CACHE_DIR, $XDG_CACHE_HOME/nash, ~/.cache/nash)]
//                        [--out FILE] [--threads N]
// scripts/train_classifier.sh runs it (with OMP_WAIT_POLICY=passive for a busy machine).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "gan/metrics/eval_classifier.h"
#include "tensor/parallel.h"

using namespace nash;

int main(int argc, char** argv) try {
  std::string data = "fashion-mnist", cache, out;
  int64_t image_size = 0, channels = 0, threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: eval_classifier [--data NAME|DIR|FILE.npy] [--image-size S] [--channels C]"
                  " [--cache DIR] [--out FILE] [--threads N]\n");
      return 0;
    }
    if (i + 1 >= argc) throw std::runtime_error("flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--data") data = v;
    else if (flag == "--image-size") image_size = std::stoll(v);
    else if (flag == "--channels") channels = std::stoll(v);
    else if (flag == "--cache") cache = v;
    else if (flag == "--out") out = v;
    else if (flag == "--threads") threads = std::stoll(v);
    else throw std::runtime_error("unknown flag " + flag + " (try --help)");
  }
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  gan::RunConfig config = gan::default_config(data, "");
  config.image_size = image_size;
  config.channels = channels;
  const gan::ClassifierData d = gan::classifier_data(config);
  if (!d.labelled()) throw std::runtime_error(d.unlabelled_reason());
  if (cache.empty()) cache = gan::classifier_cache_dir();
  std::printf("data: %s\nfingerprint: %s\n", d.description.c_str(), d.fingerprint.c_str());
  std::fflush(stdout);
  gan::EvalClassifier c = gan::cached_eval_classifier(d, cache, {}, [](const gan::ClassifierProgress& p) {
    if (p.heldout_accuracy < 0) return;
    std::printf("epoch %ld/%ld  loss %.4f  held-out accuracy %.4f  %.0f s\n", long(p.epoch),
                long(p.epochs), p.loss, p.heldout_accuracy, p.seconds);
    std::fflush(stdout);
  });
  std::printf("%s %s: held-out accuracy %.4f on %s\n", c.trained_now ? "trained now, cached" : "from cache",
              c.path.c_str(), c.info.heldout_accuracy, c.info.heldout.c_str());
  if (!out.empty()) {
    const std::filesystem::path parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    gan::save_eval_classifier(out, *c.model, c.info);
    std::printf("saved %s\n", out.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "eval_classifier: %s\n", e.what());
  return 1;
}
