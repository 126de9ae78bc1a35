// Where a training run's real samples come from. A source hands out batches of n samples (and
// their labels when it has them) and can report and restore its position, so a resumed run reads
// exactly the batches an uninterrupted one would have.
//   toy data:   drawn fresh from the run's Rng (no position to keep)
//   image data: a shuffled DataLoader over the training images (epoch and position kept)
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "gan/data/toy.h"
#include "gan/run_config.h"
#include "nn/data/idx.h"
#include "nn/data/loader.h"

namespace nash::gan {

class DataSource {
 public:
  virtual ~DataSource() = default;
  // n real samples x [n, ...] (labels [n] int64 when the source has labels, else undefined).
  virtual nn::Batch next(int64_t n, Rng& rng) = 0;
  // How many samples the source holds (an epoch), or 0 for one that draws without end (toy data).
  virtual int64_t size() const { return 0; }
  // The position as text ("" when there is none), and its inverse; restore throws nash::Error
  // naming `where` for a state that does not fit this source.
  virtual std::string state() const { return ""; }
  virtual void restore(const std::string& state, const std::string& where) {}
};

// Samples of a toy data set (gaussian1d, ring, grid), drawn from the run's Rng.
std::shared_ptr<DataSource> toy_source(const std::string& name);

// Shuffled batches of `batch` images (drop-last epochs, reshuffled per epoch from `seed`).
// labels may be undefined. A request for another batch size throws. Images held as bytes are
// converted batch by batch (a quarter of the memory).
std::shared_ptr<DataSource> image_source(Tensor images, Tensor labels, int64_t batch, uint64_t seed);
std::shared_ptr<DataSource> image_source(ByteImages images, Tensor labels, int64_t batch, uint64_t seed);

// The configured data: a toy data set by name, or the images at config.data_dir, whichever
// form they take: IDX files (the train-* split, or t10k-* when that is all there is), a .npy
// array [N, H, W] / [N, C, H, W] (labels from <stem>_labels.npy beside it), or a folder of PNG/JPEG
// images with one subfolder per class (resized and cropped to config.image_size, default 64, with
// config.channels, default 3). Completes config.image_size, channels and num_classes; checks
// them against values already set; `description` (optional) says what was read. Throws
// nash::Error when the data is missing, corrupt or does not fit the model.
std::shared_ptr<DataSource> open_data(RunConfig& config, std::string* description = nullptr);
// The images metrics compare against: the IDX test split if there is one, else the training
// images; the same images for a .npy array or a folder.
MnistSplit load_reference_images(const RunConfig& config);

// Every labelled image of the configured data, for a classifier trained on it, labels read
// whether or not the model is conditional: `train` the IDX train-* split (or t10k-* when that is
// all there is), the .npy array (labels from <stem>_labels.npy, else all 0) or the folder (one
// label per subfolder, one label for a folder without subfolders); `test` the IDX t10k-* split
// when there are both, else undefined. `description` says what was read.
struct LabelledImages {
  MnistSplit train, test;
  std::string description;  // "DIR: 60000 IDX training images + 10000 test images (t10k-*)"
};
LabelledImages load_labelled_images(const RunConfig& config);

}  // namespace nash::gan
