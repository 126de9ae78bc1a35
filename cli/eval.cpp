// nash eval: measures a run's generator with the library's metrics and prints one JSON object.
//   gaussian1d: mean, std, ks (Kolmogorov-Smirnov distance to N(4, 1.25^2))
//   ring, grid: modes, num_modes, high_quality, reverse_kl, mode_histogram
//   images:     frechet_distance, kid_mean / kid_std (Kernel Inception Distance), precision,
//               recall, density, coverage (all on FashionCnn features of generated vs real test
//               images), class_histogram (the classifier's predicted classes), label_accuracy (CGAN)
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/open_run.h"
#include "gan/metrics/feature_metrics.h"
#include "gan/metrics/frechet.h"
#include "gan/metrics/toy_metrics.h"
#include "nn/checkpoint.h"
#include "nn/models/classifier.h"
#include "tensor/ops.h"

#ifndef NASH_SOURCE_DIR
#define NASH_SOURCE_DIR "."
#endif

namespace nash::cli {

namespace {
constexpr const char* kClassifierFile = "runs/fashion_cnn.safetensors";
constexpr int64_t kFeatureBatch = 500;

const std::vector<Flag>& eval_flags() {
  static const std::vector<Flag> flags = run_command_flags(
      "the run to evaluate",
      {{"n", "N", "generated samples to measure (default: 2500 ring/grid, 10000 gaussian1d and images)"},
       {"classifier", "FILE", "images: the FashionCnn checkpoint (default runs/fashion_cnn.safetensors)"}});
  return flags;
}

// --classifier, else $NASH_CLASSIFIER, else runs/fashion_cnn.safetensors here or in the source tree.
std::string find_classifier(const Args& a, std::string& looked) {
  if (a.has("classifier")) return looked = a.get_string("classifier", "");
  if (const char* env = std::getenv("NASH_CLASSIFIER")) return looked = env;
  looked = kClassifierFile;
  if (std::filesystem::is_regular_file(kClassifierFile)) return kClassifierFile;
  std::string in_tree = std::string(NASH_SOURCE_DIR) + "/" + kClassifierFile;
  if (std::filesystem::is_regular_file(in_tree)) return in_tree;
  return "";
}

// Features [n, D] and predicted classes [n] of images [n, 1, 28, 28], in batches.
void classify(nn::FashionCnn& cnn, const Tensor& images, Tensor& features, Tensor& classes) {
  NoGradGuard no_grad;
  std::vector<Tensor> f, k;
  for (int64_t start = 0; start < images.size(0); start += kFeatureBatch) {
    const int64_t len = std::min(kFeatureBatch, images.size(0) - start);
    Variable feat = cnn.features(Variable(images.narrow(0, start, len).contiguous()));
    f.push_back(feat.value());
    k.push_back(argmax(cnn.classifier->forward(feat).value(), 1));
  }
  features = cat(f, 0);
  classes = cat(k, 0);
}

void toy_metrics(Json& out, const gan::RunConfig& c, const Tensor& samples) {
  gan::ToyData data(c.data);
  if (data.dim() == 1) {
    gan::GaussianStats g = gan::gaussian_stats(samples);
    out["mean"] = g.mean;
    out["std"] = g.std;
    out["ks"] = g.ks;
    out["target_mean"] = gan::kGaussianMean;
    out["target_std"] = gan::kGaussianStd;
  } else {
    gan::ModeStats m = gan::mode_stats(samples, data.mixture());
    out["modes"] = m.modes_covered;
    out["num_modes"] = m.num_modes;
    out["high_quality"] = m.high_quality;
    out["reverse_kl"] = m.reverse_kl;
    Json h = Json::array();
    for (int64_t v : m.histogram) h.push_back(v);
    out["mode_histogram"] = h;
  }
}
}  // namespace

int eval_command(int argc, char** argv, int first) {
  Args a = parse_args("eval", eval_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(
        "nash eval --run RUN_DIR [--n N] [--seed S] [--classifier FILE]",
        "Prints one JSON object on stdout with the metrics for the run's data: gaussian1d mean,\n"
        "std, ks; ring/grid modes, num_modes, high_quality, reverse_kl, mode_histogram; images\n"
        "frechet_distance, kid_mean, kid_std, precision, recall, density, coverage, class_histogram\n"
        "and (CGAN) label_accuracy, measured with the Fashion-MNIST\n"
        "classifier that scripts/train_classifier.sh trains (runs/fashion_cnn.safetensors). Without\n"
        "that file the image metrics are null, the reason is in \"error\" and the exit code is 1.",
        eval_flags()).c_str());
    return 0;
  }
  OpenedRun run = open_run(a);
  gan::Run& s = *run.run;
  const gan::RunConfig& c = s.config();
  const int64_t n = a.get_int("n", c.eval_samples, 2, 1'000'000);

  Json out = Json::object();
  out["checkpoint"] = run.checkpoint;
  out["data"] = c.data;
  out["model"] = c.model;
  out["step"] = run.info.step;
  out["n"] = n;
  out["seed"] = run.seed;
  const Tensor labels = c.conditional() ? s.class_blocks(n) : Tensor();
  const Tensor samples = run.generate(n, labels);
  int code = 0;
  if (c.toy()) {
    toy_metrics(out, c, samples);
  } else {
    std::string looked;
    const std::string path = find_classifier(a, looked);
    out["frechet_distance"] = nullptr;
    out["class_histogram"] = nullptr;
    if (c.conditional()) out["label_accuracy"] = nullptr;
    if (path.empty() || !std::filesystem::is_regular_file(path)) {
      std::string why = "the classifier checkpoint " + looked +
                        " is missing: train it with scripts/train_classifier.sh, or pass --classifier FILE";
      out["error"] = why;
      std::fprintf(stderr, "nash eval: %s\n", why.c_str());
      code = 1;
    } else if (c.image_size != 28) {
      out["error"] = "the classifier needs 28x28 images; this run's are " + std::to_string(c.image_size);
      code = 1;
    } else {
      nn::FashionCnn cnn;
      nn::load_checkpoint(path, cnn);
      cnn.eval();
      out["classifier"] = path;
      Tensor fake_features, fake_classes, real_features, real_classes;
      classify(cnn, samples, fake_features, fake_classes);
      MnistSplit real = gan::load_reference_images(c);
      const int64_t m = std::min(n, real.images.size(0));
      classify(cnn, real.images.narrow(0, 0, m), real_features, real_classes);
      Rng subsets(run.seed);  // KID's random subsets
      const gan::FeatureMetrics fm = gan::feature_metrics(real_features, fake_features, subsets);
      out["frechet_distance"] = fm.frechet_distance;
      out["kid_mean"] = fm.kid_mean;
      out["kid_std"] = fm.kid_std;
      out["precision"] = fm.precision;
      out["recall"] = fm.recall;
      out["density"] = fm.density;
      out["coverage"] = fm.coverage;
      out["reference_images"] = m;
      std::vector<int64_t> counts(static_cast<size_t>(nn::kFashionClasses), 0);
      for (int64_t k : fake_classes.values<int64_t>()) counts[static_cast<size_t>(k)] += 1;
      Json h = Json::array();
      for (int64_t v : counts) h.push_back(v);
      out["class_histogram"] = h;
      if (c.conditional())
        out["label_accuracy"] = mean(eq(fake_classes, labels).to(DType::Float64)).item();
    }
  }
  std::printf("%s\n", to_json(out, 2).c_str());
  return code;
}

}  // namespace nash::cli
