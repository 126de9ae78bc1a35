// nash eval: measures a run's generator with the library's metrics and prints one JSON object.
//   gaussian1d: mean, std, ks (Kolmogorov-Smirnov distance to N(4, 1.25^2))
//   ring, grid: modes, num_modes, high_quality, reverse_kl, mode_histogram
//   images:     frechet_distance, kid_mean / kid_std (Kernel Inception Distance), precision,
//               recall, density, coverage (all on the features of the run's data set's own
//               classifier, generated vs real images), class_histogram (its predicted classes),
//               label_accuracy (CGAN). The classifier comes from the cache, or is trained there on
//               first use (gan/metrics/eval_classifier.h), or is --classifier FILE when its
//               fingerprint is the data set's.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/open_run.h"
#include "cli/progress.h"
#include "gan/metrics/eval_classifier.h"
#include "gan/metrics/feature_metrics.h"
#include "gan/metrics/frechet.h"
#include "gan/metrics/toy_metrics.h"
#include "gan/data/source.h"
#include "nn/models/classifier.h"
#include "tensor/ops.h"

namespace nash::cli {

namespace {
constexpr int64_t kFeatureBatch = 500;

const std::vector<Flag>& eval_flags() {
  static const std::vector<Flag> flags = run_command_flags(
      "the run to evaluate",
      {{"n", "N", "generated samples to measure (default: 2500 ring/grid, 10000 gaussian1d and images)"},
       {"classifier", "FILE", "images: a classifier file for this run's data set (default: the cached one, trained on first use)"}});
  return flags;
}

// Features [n, D] and predicted classes [n] of images [n, C, S, S], in batches.
void classify(nn::ImageCnn& cnn, const Tensor& images, Tensor& features, Tensor& classes) {
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

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * fraction);
  return buf;
}

// The classifier's training on stderr: a redrawn bar when stderr is a terminal, else one plain
// line per epoch (for logs).
class TrainingBar {
 public:
  void operator()(const gan::ClassifierProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (p.heldout_accuracy >= 0) {  // an epoch ended
      if (drawn_) std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "nash eval: classifier epoch %lld/%lld: loss %.4f, held-out accuracy %s, %s\n",
                   static_cast<long long>(p.epoch), static_cast<long long>(p.epochs), p.loss,
                   percent(p.heldout_accuracy).c_str(), format_duration(p.seconds).c_str());
      drawn_ = false;
      return;
    }
    if (!terminal_ || (now - last_ < std::chrono::milliseconds(100) && p.step != p.steps)) return;
    last_ = now;
    std::string line = bar(p, terminal_width());
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  static std::string bar(const gan::ClassifierProgress& p, size_t width) {
    const double done = p.steps > 0 ? double(p.step) / double(p.steps) : 1;
    const double rate = p.seconds > 0 ? double(p.step) / p.seconds : 0;
    const double eta = rate > 0 ? double(p.steps - p.step) / rate : -1;
    char tail[160];
    std::snprintf(tail, sizeof tail, " %lld/%lld steps, epoch %lld/%lld, loss %.3f, %s<%s, %.1f steps/s",
                  static_cast<long long>(p.step), static_cast<long long>(p.steps),
                  static_cast<long long>(p.epoch), static_cast<long long>(p.epochs), p.loss,
                  format_duration(p.seconds).c_str(), format_duration(eta).c_str(), rate);
    char head[32];
    std::snprintf(head, sizeof head, "classifier %3.0f%% |", 100 * done);
    const size_t room = width > std::string(head).size() + std::string(tail).size() + 12
                            ? width - std::string(head).size() - std::string(tail).size() - 2
                            : 10;
    const size_t cells = std::min<size_t>(room, 30);
    const size_t full = static_cast<size_t>(done * double(cells));
    std::string line = head + std::string(full, '#') + std::string(cells - full, '.') + "|" + tail;
    return line.size() < width ? line : line.substr(0, width - 1);
  }

 private:
  bool terminal_ = ::isatty(STDERR_FILENO) != 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// The classifier for the run's data: --classifier FILE (or $NASH_CLASSIFIER) when given, checked
// against the data's fingerprint, else the cached one, trained now on first use. Says on stderr
// which it is and records it in `out`.
gan::EvalClassifier classifier_for(const Args& a, const gan::ClassifierData& data, Json& out) {
  std::string file;
  if (a.has("classifier")) file = a.get_string("classifier", "");
  else if (const char* env = std::getenv("NASH_CLASSIFIER"); env && *env) file = env;
  gan::EvalClassifier c;
  std::string source;
  if (!file.empty()) {
    NASH_CHECK(std::filesystem::is_regular_file(file), "the classifier ", file,
               " is missing: leave out --classifier to use the one cached for this data set (trained"
               " on first use), or write one with scripts/train_classifier.sh");
    c = gan::load_eval_classifier(file, data);
    source = "--classifier";
    std::fprintf(stderr, "nash eval: classifier %s (given; trained on %s, held-out accuracy %s)\n",
                 file.c_str(), c.info.data.c_str(), percent(c.info.heldout_accuracy).c_str());
  } else {
    const std::string dir = gan::classifier_cache_dir();
    const std::string path = gan::cached_classifier_path(dir, data.fingerprint);
    if (!std::filesystem::exists(path))
      std::fprintf(stderr,
                   "nash eval: no classifier for this data set yet: training one now (first use) on %lld"
                   " images of %s; held out: %s; it will be cached as %s\n",
                   static_cast<long long>(data.train.images.size(0)), data.description.c_str(),
                   data.heldout_description.c_str(), path.c_str());
    TrainingBar bar;
    c = gan::cached_eval_classifier(data, dir, {}, std::ref(bar));
    source = c.trained_now ? "trained now" : "cache";
    if (c.trained_now)
      std::fprintf(stderr, "nash eval: classifier trained now (%lld epochs): held-out accuracy %s on %s; saved %s\n",
                   static_cast<long long>(c.info.epochs), percent(c.info.heldout_accuracy).c_str(),
                   c.info.heldout.c_str(), c.path.c_str());
    else
      std::fprintf(stderr, "nash eval: classifier from cache %s (trained on %s, held-out accuracy %s)\n",
                   c.path.c_str(), c.info.data.c_str(), percent(c.info.heldout_accuracy).c_str());
  }
  out["classifier"] = c.path;
  out["classifier_source"] = source;
  out["classifier_data"] = c.info.data;
  out["classifier_fingerprint"] = c.info.fingerprint;
  out["classifier_accuracy"] = c.info.heldout_accuracy;
  return c;
}

// The image metrics on the run's data set's classifier; returns the exit code.
int image_metrics(Json& out, const Args& a, const gan::RunConfig& c, const OpenedRun& run,
                  const Tensor& samples, const Tensor& labels) {
  const int64_t n = samples.size(0);
  out["frechet_distance"] = nullptr;
  out["class_histogram"] = nullptr;
  if (c.conditional()) out["label_accuracy"] = nullptr;
  const gan::ClassifierData data = gan::classifier_data(c);
  out["data_fingerprint"] = data.fingerprint;
  if (!data.labelled()) {  // nothing to train a classifier on: skip its metrics, say why
    const std::string why = "no classifier metrics: " + data.unlabelled_reason();
    out["classifier_skipped"] = why;
    std::fprintf(stderr, "nash eval: %s\n", why.c_str());
    return 0;
  }
  NASH_CHECK(data.image_size == c.image_size && data.channels == c.channels, "the run's images are ",
             c.channels, "x", c.image_size, "x", c.image_size, " but its data now holds ", data.description);
  gan::EvalClassifier classifier;
  try {
    classifier = classifier_for(a, data, out);
  } catch (const Error& e) {  // a missing or mismatched --classifier: the reason in the JSON too
    out["error"] = e.what();
    std::fprintf(stderr, "nash eval: %s\n", e.what());
    return 1;
  }
  nn::ImageCnn& cnn = *classifier.model;
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
  std::vector<int64_t> counts(static_cast<size_t>(cnn.options.classes), 0);
  for (int64_t k : fake_classes.values<int64_t>()) counts[static_cast<size_t>(k)] += 1;
  Json h = Json::array();
  for (int64_t v : counts) h.push_back(v);
  out["class_histogram"] = h;
  if (c.conditional()) out["label_accuracy"] = mean(eq(fake_classes, labels).to(DType::Float64)).item();
  return 0;
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
        "and (CGAN) label_accuracy, measured with a classifier of the run's own data set: the one\n"
        "cached for it ($NASH_CACHE_DIR, else $XDG_CACHE_HOME/nash, else ~/.cache/nash), trained\n"
        "there on first use (progress on stderr), or --classifier FILE, which must have been\n"
        "trained on this data set. Data without labels gets no classifier metrics (the reason is in\n"
        "\"classifier_skipped\"); a missing or mismatched --classifier leaves them null, the reason in\n"
        "\"error\", exit code 1.",
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
  if (c.toy()) toy_metrics(out, c, samples);
  else code = image_metrics(out, a, c, run, samples, labels);
  std::printf("%s\n", to_json(out, 2).c_str());
  return code;
}

}  // namespace nash::cli
