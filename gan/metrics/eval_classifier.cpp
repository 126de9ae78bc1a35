// The per-data-set evaluation classifier (see eval_classifier.h): the data's fingerprint, the
// held-out split, training by the recipe, and the cache of classifier-<fingerprint> files.
#include "gan/metrics/eval_classifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "gan/data/source.h"
#include "nn/checkpoint.h"
#include "nn/optim.h"
#include "tensor/creation.h"
#include "tensor/error.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"

namespace nash::gan {

namespace {

namespace fs = std::filesystem;

// ---- content hash: xxhash-style lanes -------------------------------------------------------------

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL,
                   kP3 = 0x165667B19E3779F9ULL, kP4 = 0x85EBCA77C2B2AE63ULL,
                   kP5 = 0x27D4EB2F165667C5ULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t word_at(const unsigned char* p) {  // little-endian, whatever the host
  uint64_t w = 0;
  for (int i = 7; i >= 0; --i) w = (w << 8) | p[i];
  return w;
}
uint64_t lane(uint64_t acc, uint64_t w) { return rotl(acc + w * kP2, 31) * kP1; }
uint64_t merge(uint64_t h, uint64_t acc) { return (h ^ lane(0, acc)) * kP1 + kP4; }

// ---- metadata -------------------------------------------------------------------------------------

const std::string kKey = "classifier.";

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const std::string& need(const std::map<std::string, std::string>& m, const std::string& key,
                        const std::string& path) {
  auto it = m.find(key);
  NASH_CHECK(it != m.end(), path, ": no '", key, "' in its metadata, so the data set it was trained"
             " on is unknown (nash eval trains a classifier keyed to its data set on first use;"
             " scripts/train_classifier.sh writes one)");
  return it->second;
}

int64_t need_int(const std::map<std::string, std::string>& m, const std::string& key,
                 const std::string& path) {
  const std::string& v = need(m, key, path);
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  NASH_CHECK(!v.empty() && end && *end == '\0', path, ": metadata '", key, "' should be an integer, got '", v, "'");
  return x;
}

double need_real(const std::map<std::string, std::string>& m, const std::string& key,
                 const std::string& path) {
  const std::string& v = need(m, key, path);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  NASH_CHECK(!v.empty() && end && *end == '\0' && std::isfinite(x), path, ": metadata '", key,
             "' should be a number, got '", v, "'");
  return x;
}

int64_t largest_label(const Tensor& labels) {
  int64_t most = -1;
  for (int64_t l : labels.contiguous().values<int64_t>()) most = std::max(most, l);
  return most;
}

MnistSplit rows(const MnistSplit& s, const std::vector<int64_t>& index) {
  const Tensor i = from_vector(index, {static_cast<int64_t>(index.size())});
  return {index_select(s.images, 0, i).contiguous(), index_select(s.labels, 0, i).contiguous()};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

uint64_t content_hash(const void* bytes, size_t size, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  const unsigned char* const end = p + size;
  uint64_t h;
  if (size >= 32) {
    uint64_t v[4] = {seed + kP1 + kP2, seed + kP2, seed, seed - kP1};
    for (; p + 32 <= end; p += 32)
      for (int k = 0; k < 4; ++k) v[k] = lane(v[k], word_at(p + 8 * k));
    h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
    for (uint64_t x : v) h = merge(h, x);
  } else {
    h = seed + kP5;
  }
  h += static_cast<uint64_t>(size);
  for (; p + 8 <= end; p += 8) h = rotl(h ^ lane(0, word_at(p)), 27) * kP1 + kP4;
  for (; p < end; ++p) h = rotl(h ^ (*p * kP5), 11) * kP1;
  // avalanche: every input bit reaches every output bit
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

std::string data_fingerprint(const MnistSplit& train, const MnistSplit& test) {
  const char tag[] = "nash evaluation classifier data v1";
  uint64_t h = content_hash(tag, sizeof tag - 1);
  for (const MnistSplit* s : {&train, &test}) {
    if (!s->images.defined()) continue;
    NASH_CHECK(s->images.dtype() == DType::Float32 && s->labels.defined() &&
                   s->labels.dtype() == DType::Int64 && s->labels.dim() == 1 &&
                   s->labels.size(0) == s->images.size(0),
               "data_fingerprint: expected float32 images [N, ...] and int64 labels [N], got ",
               s->images.shape(), " and ", s->labels.defined() ? s->labels.shape() : Shape{});
    const Shape& shape = s->images.shape();
    h = content_hash(shape.data(), shape.size() * sizeof(int64_t), h);
    const Tensor x = s->images.contiguous(), y = s->labels.contiguous();
    h = content_hash(x.data<float>(), static_cast<size_t>(x.numel()) * sizeof(float), h);
    h = content_hash(y.data<int64_t>(), static_cast<size_t>(y.numel()) * sizeof(int64_t), h);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string ClassifierData::unlabelled_reason() const {
  if (labelled()) return "";
  return description + " has " + std::to_string(std::max<int64_t>(classes, 0)) +
         " label class: the classifier metrics need a classifier trained on labelled images of at"
         " least 2 classes (class subfolders, or <stem>_labels.npy beside a .npy array)";
}

ClassifierData classifier_data(const RunConfig& config, const ClassifierRecipe& recipe) {
  NASH_CHECK(!config.toy(), "classifier_data: ", config.data, " is toy data, not images");
  NASH_CHECK(recipe.heldout_fraction > 0 && recipe.heldout_fraction < 1,
             "classifier_data: heldout_fraction must be in (0, 1), got ", recipe.heldout_fraction);
  LabelledImages read = load_labelled_images(config);
  ClassifierData d;
  d.description = read.description;
  d.fingerprint = data_fingerprint(read.train, read.test);
  const Shape& shape = read.train.images.shape();
  NASH_CHECK(shape.size() == 4 && shape[2] == shape[3] && shape[0] >= 2, config.data_dir,
             ": expected at least 2 square images [N, C, S, S], got ", shape);
  d.image_size = shape[2];
  d.channels = shape[1];
  d.classes = largest_label(read.train.labels) + 1;
  if (read.test.images.defined()) d.classes = std::max(d.classes, largest_label(read.test.labels) + 1);
  d.description += ", " + std::to_string(d.channels) + "x" + std::to_string(d.image_size) + "x" +
                   std::to_string(d.image_size) + ", " + std::to_string(d.classes) + " class" +
                   (d.classes == 1 ? "" : "es");
  if (read.test.images.defined()) {
    d.train = std::move(read.train);
    d.heldout = std::move(read.test);
    d.heldout_description = "the " + std::to_string(d.heldout.images.size(0)) + " test images";
    return d;
  }
  // No test split: hold out a seeded random share of the images.
  const int64_t n = shape[0];
  const int64_t held = std::clamp<int64_t>(std::llround(recipe.heldout_fraction * double(n)), 1, n - 1);
  Rng split(recipe.seed);
  std::vector<int64_t> order = split.permutation(n);
  std::vector<int64_t> train_rows(order.begin() + held, order.end()), held_rows(order.begin(), order.begin() + held);
  std::sort(train_rows.begin(), train_rows.end());
  std::sort(held_rows.begin(), held_rows.end());
  d.train = rows(read.train, train_rows);
  d.heldout = rows(read.train, held_rows);
  d.heldout_description = std::to_string(held) + " of the images (" +
                          std::to_string(std::llround(100 * recipe.heldout_fraction)) +
                          "%) held out at random";
  return d;
}

// ---- the classifier's metadata --------------------------------------------------------------------

std::map<std::string, std::string> ClassifierInfo::metadata() const {
  return {{"model", "ImageCnn"},
          {"input_range", "[-1, 1]"},
          {kKey + "fingerprint", fingerprint},
          {kKey + "data", data},
          {kKey + "heldout", heldout},
          {kKey + "heldout_accuracy", number(heldout_accuracy)},
          {kKey + "train_images", std::to_string(train_images)},
          {kKey + "epochs", std::to_string(epochs)},
          {kKey + "image_size", std::to_string(model.image_size)},
          {kKey + "channels", std::to_string(model.channels)},
          {kKey + "classes", std::to_string(model.classes)},
          {kKey + "channels1", std::to_string(model.channels1)},
          {kKey + "channels2", std::to_string(model.channels2)},
          {kKey + "feature_dim", std::to_string(model.feature_dim)},
          {kKey + "dropout", number(model.dropout)}};
}

ClassifierInfo ClassifierInfo::from_metadata(const std::map<std::string, std::string>& m,
                                             const std::string& path) {
  ClassifierInfo i;
  i.fingerprint = need(m, kKey + "fingerprint", path);
  i.data = need(m, kKey + "data", path);
  i.heldout = need(m, kKey + "heldout", path);
  i.heldout_accuracy = need_real(m, kKey + "heldout_accuracy", path);
  i.train_images = need_int(m, kKey + "train_images", path);
  i.epochs = need_int(m, kKey + "epochs", path);
  i.model.image_size = need_int(m, kKey + "image_size", path);
  i.model.channels = need_int(m, kKey + "channels", path);
  i.model.classes = need_int(m, kKey + "classes", path);
  i.model.channels1 = need_int(m, kKey + "channels1", path);
  i.model.channels2 = need_int(m, kKey + "channels2", path);
  i.model.feature_dim = need_int(m, kKey + "feature_dim", path);
  i.model.dropout = need_real(m, kKey + "dropout", path);
  return i;
}

// ---- training, saving, loading, the cache ---------------------------------------------------------

std::string classifier_cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (std::string d = env("NASH_CACHE_DIR"); !d.empty()) return d;
  if (std::string d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/nash";
  if (std::string d = env("HOME"); !d.empty()) return d + "/.cache/nash";
  fail("classifier_cache_dir: none of NASH_CACHE_DIR, XDG_CACHE_HOME and HOME is set, so there is"
       " no folder to cache classifiers in");
}

std::string cached_classifier_path(const std::string& cache_dir, const std::string& fingerprint) {
  return (fs::path(cache_dir) / ("classifier-" + fingerprint + ".safetensors")).string();
}

EvalClassifier train_eval_classifier(const ClassifierData& data, const ClassifierRecipe& r,
                                     const ClassifierProgressFn& progress) {
  NASH_CHECK(data.labelled(), "train_eval_classifier: ", data.unlabelled_reason());
  NASH_CHECK(r.epochs >= 1 && r.batch_size >= 1 && r.min_steps >= 0 && r.lr > 0,
             "train_eval_classifier: need epochs >= 1, batch_size >= 1, min_steps >= 0, lr > 0, got ",
             r.epochs, ", ", r.batch_size, ", ", r.min_steps, ", ", r.lr);
  EvalClassifier c;
  c.trained_now = true;
  c.info.fingerprint = data.fingerprint;
  c.info.data = data.description;
  c.info.heldout = data.heldout_description;
  c.info.train_images = data.train.images.size(0);
  c.info.model = nn::ImageCnnOptions{.image_size = data.image_size, .channels = data.channels,
                                     .classes = data.classes, .channels1 = r.channels1,
                                     .channels2 = r.channels2, .feature_dim = r.feature_dim,
                                     .dropout = r.dropout};
  Rng init(r.seed);  // as nn::manual_seed(seed) before building the model (examples/fashion_cnn)
  c.model = std::make_shared<nn::ImageCnn>(c.info.model, init);

  const int64_t n = data.train.images.size(0);
  const int64_t batches = (n + r.batch_size - 1) / r.batch_size;
  const int64_t epochs = std::max(r.epochs, (r.min_steps + batches - 1) / batches);
  c.info.epochs = epochs;
  nn::optim::Adam opt(c.model->parameters(), {.lr = r.lr});
  const auto start = std::chrono::steady_clock::now();
  ClassifierProgress p{.epochs = epochs, .batches = batches, .steps = epochs * batches};
  nn::TrainOptions options{.epochs = epochs, .batch_size = r.batch_size, .seed = r.seed};
  options.on_step = [&](const nn::StepReport& s) {
    p.epoch = s.epoch;
    p.batch = s.batch;
    p.step = (s.epoch - 1) * batches + s.batch;
    p.loss = s.loss;
    p.seconds = seconds_since(start);
    p.heldout_accuracy = -1;
    if (progress) progress(p);
  };
  auto reports = nn::train_classifier(
      *c.model, opt, data.train, data.heldout, options, [&](const nn::EpochReport& e) {
        // Cosine annealing (Loshchilov & Hutter 2017): lr_e = lr/2 (1 + cos(pi e / epochs)).
        opt.set_lr(r.lr * 0.5 * (1.0 + std::cos(M_PI * double(e.epoch) / double(epochs))));
        p.seconds = seconds_since(start);
        p.heldout_accuracy = e.test_accuracy;
        if (progress) progress(p);
      });
  c.info.heldout_accuracy = reports.back().test_accuracy;
  c.model->eval();
  return c;
}

void save_eval_classifier(const std::string& path, nn::ImageCnn& model, const ClassifierInfo& info) {
  nn::save_checkpoint(path, model, nullptr, info.metadata());
}

EvalClassifier load_eval_classifier(const std::string& path, const ClassifierData& data) {
  NASH_CHECK(fs::is_regular_file(path), path, ": no such classifier file");
  EvalClassifier c;
  c.path = path;
  c.info = ClassifierInfo::from_metadata(load_safetensors(path).metadata, path);
  NASH_CHECK(c.info.fingerprint == data.fingerprint, "the classifier ", path,
             " was trained on another data set: ", c.info.data, " (fingerprint ", c.info.fingerprint,
             "), but the images to judge are ", data.description, " (fingerprint ", data.fingerprint,
             ")");
  Rng unused(0);  // the initial weights are replaced by the file's
  c.model = std::make_shared<nn::ImageCnn>(c.info.model, unused);
  nn::load_checkpoint(path, *c.model);
  c.model->eval();
  return c;
}

EvalClassifier cached_eval_classifier(const ClassifierData& data, const std::string& cache_dir,
                                      const ClassifierRecipe& recipe,
                                      const ClassifierProgressFn& progress) {
  const std::string path = cached_classifier_path(cache_dir, data.fingerprint);
  if (fs::exists(path)) return load_eval_classifier(path, data);
  NASH_CHECK(data.labelled(), data.unlabelled_reason());
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  NASH_CHECK(fs::is_directory(cache_dir), cache_dir, ": cannot create the classifier cache folder",
             ec ? " (" + ec.message() + ")" : "");
  EvalClassifier c = train_eval_classifier(data, recipe, progress);
  save_eval_classifier(path, *c.model, c.info);
  c.path = path;
  return c;
}

}  // namespace nash::gan
