// The classifier that judges a run's images (gan/metrics/image_metrics.h): one per data set,
// trained on first use on that data set's labelled images, cached, and never applied to another.
//
// A data set is known by its fingerprint, a 64-bit content hash of its images, labels and shapes
// (16 hex digits). The cache holds classifier-<fingerprint>.safetensors files whose metadata
// repeats the fingerprint with what the data was, the image shape, the classes and the held-out
// accuracy; loading one for a data set with another fingerprint is refused, naming both.
//
//   gan::ClassifierData data = gan::classifier_data(run_config);   // reads the images, hashes them
//   if (!data.labelled()) { /* data.unlabelled_reason(): no classifier can be trained */ }
//   gan::EvalClassifier c = gan::cached_eval_classifier(data, gan::classifier_cache_dir(), {},
//       [](const gan::ClassifierProgress& p) { /* a progress bar */ });
//   // c.trained_now: trained here (and saved to c.path) rather than read from the cache
//   double fd = gan::image_frechet_distance(*c.model, real, fake);
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gan/run_config.h"
#include "nn/data/idx.h"
#include "nn/models/classifier.h"

namespace nash::gan {

// How an evaluation classifier is trained: nn::ImageCnn's default architecture (at 28x28x1 and
// 10 classes, FashionCnn) and examples/fashion_cnn's recipe (Adam, lr annealed along a cosine
// over the epochs, minibatches of 64, seed 0), so Fashion-MNIST figures stay comparable.
struct ClassifierRecipe {
  int64_t epochs = 5;
  int64_t min_steps = 60;         // small data sets: more epochs, up to at least this many steps
  int64_t batch_size = 64;
  double lr = 1e-3;
  uint64_t seed = 0;              // initialisation, data order and the held-out split
  double heldout_fraction = 0.1;  // held out when the data has no test split of its own
  int64_t channels1 = 32, channels2 = 64, feature_dim = 128;
  double dropout = 0.25;
};

// The labelled images a classifier is trained on and keyed to.
struct ClassifierData {
  MnistSplit train;                 // images [N, C, S, S] in [-1, 1], labels int64 [N]
  MnistSplit heldout;               // where accuracy is measured; never trained on
  std::string description;          // what was read, e.g. "DIR: 60000 IDX training images ..."
  std::string heldout_description;  // "the 10000 test images (t10k-*)" or "600 images (10%) ..."
  std::string fingerprint;          // 16 hex digits
  int64_t image_size = 0, channels = 0;
  int64_t classes = 0;              // the largest label + 1

  bool labelled() const { return classes >= 2; }
  std::string unlabelled_reason() const;  // why no classifier can be trained ("" when labelled)
};

// 64 bits of a byte string, seeded (chain calls through the seed to hash several strings):
// four independent multiply-rotate lanes over 32-byte stripes, then the tail, then a final
// avalanche, so a change anywhere changes about half of the bits.
uint64_t content_hash(const void* bytes, size_t size, uint64_t seed = 0);

// The fingerprint of labelled images: shapes, pixels (float32) and labels of train, then of
// test when it is defined.
std::string data_fingerprint(const MnistSplit& train, const MnistSplit& test);

// Reads the configured image data (gan/data/source.h load_labelled_images) with its labels,
// fingerprints it, and splits off the held-out images: the IDX test split when there is one,
// else a seeded recipe.heldout_fraction of the images. Throws nash::Error for toy data or data
// that is missing or corrupt.
ClassifierData classifier_data(const RunConfig& config, const ClassifierRecipe& recipe = {});

// What an evaluation classifier's file says about it (its safetensors metadata).
struct ClassifierInfo {
  std::string fingerprint;        // of the data set it was trained on
  std::string data, heldout;      // ClassifierData's descriptions
  nn::ImageCnnOptions model;      // image shape, classes and architecture
  int64_t train_images = 0, epochs = 0;
  double heldout_accuracy = 0;

  std::map<std::string, std::string> metadata() const;
  // Throws naming `path` and the key that is missing or malformed.
  static ClassifierInfo from_metadata(const std::map<std::string, std::string>& metadata,
                                      const std::string& path);
};

struct EvalClassifier {
  std::shared_ptr<nn::ImageCnn> model;  // in eval mode
  ClassifierInfo info;
  std::string path;                     // where it is (or was just saved)
  bool trained_now = false;             // trained by this call rather than read from a file
};

// Where training stands: after every optimizer step, and after each epoch's held-out evaluation
// (then heldout_accuracy >= 0).
struct ClassifierProgress {
  int64_t epoch = 0, epochs = 0;    // 1-based
  int64_t batch = 0, batches = 0;   // within the epoch
  int64_t step = 0, steps = 0;      // over the whole training
  double loss = 0;                  // the latest batch's cross-entropy
  double seconds = 0;               // since training started
  double heldout_accuracy = -1;
};
using ClassifierProgressFn = std::function<void(const ClassifierProgress&)>;

// $NASH_CACHE_DIR, else $XDG_CACHE_HOME/nash, else $HOME/.cache/nash (throws when none is set).
std::string classifier_cache_dir();
// <cache_dir>/classifier-<fingerprint>.safetensors
std::string cached_classifier_path(const std::string& cache_dir, const std::string& fingerprint);

// Trains a classifier on data.train by the recipe and measures it on data.heldout (not saved;
// path stays empty). Throws when the data is unlabelled.
EvalClassifier train_eval_classifier(const ClassifierData& data, const ClassifierRecipe& recipe = {},
                                     const ClassifierProgressFn& progress = {});

// Writes the model and info.metadata() atomically (temp file + rename).
void save_eval_classifier(const std::string& path, nn::ImageCnn& model, const ClassifierInfo& info);

// The classifier in `path` (metadata read first), refused unless its fingerprint is the data's:
// the error names both data sets. A file without the metadata (e.g. a bare FashionCnn) is refused
// too, since the data it was trained on is unknown.
EvalClassifier load_eval_classifier(const std::string& path, const ClassifierData& data);

// The cached classifier for the data, or (first use) one trained now and saved in cache_dir
// (created when missing).
EvalClassifier cached_eval_classifier(const ClassifierData& data, const std::string& cache_dir,
                                      const ClassifierRecipe& recipe = {},
                                      const ClassifierProgressFn& progress = {});

}  // namespace nash::gan
