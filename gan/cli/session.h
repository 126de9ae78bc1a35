// A training session: the networks, the Trainer and everything else a run's exact state is made
// of (optimiser moments, the Trainer's random stream, the data loader's position, the dropout
// masks' streams, the weight average of a toy preset, the fixed noise the sample grids are drawn
// from), with a checkpoint that saves and restores all of it. Toy data sets train through
// gan::ToyRun (the preset's schedule and weight average); images through a Trainer fed by a
// DataLoader the session keeps, so its position can be saved.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gan/cli/config.h"
#include "gan/presets.h"
#include "gan/trainer.h"
#include "nn/data/idx.h"
#include "nn/data/loader.h"
#include "nn/layers/dropout.h"

namespace nash::cli {

// What a checkpoint holds besides the tensors, read and validated before anything is loaded.
struct CheckpointInfo {
  RunConfig config;
  int64_t step = 0;
};
// Reads a checkpoint's metadata; throws nash::Error naming the file and the problem when it is
// unreadable, corrupt, or not a nash training checkpoint.
CheckpointInfo read_checkpoint_info(const std::string& path);

// Loads the training images of an image run and sets config.image_size and num_classes from
// them. Throws nash::Error when the files are missing or corrupt or do not fit the model.
MnistSplit load_training_images(RunConfig& config);
// The images metrics compare against: the test split if the directory has one, else training.
MnistSplit load_reference_images(const RunConfig& config);

class Session {
 public:
  // data: the training split of an image run, or nullptr to only sample from a checkpoint (the
  // Trainer's data source then throws if a step is attempted). Ignored for toy data.
  Session(const RunConfig& config, const MnistSplit* data);

  gan::StepStats step();  // one G step (with its D steps), the lr schedule and weight average
  int64_t steps_done() const { return trainer().steps_done(); }
  gan::Trainer& trainer() const;
  const RunConfig& config() const { return config_; }
  double lr_d() const;
  double lr_g() const;

  // The network samples are drawn from: the weight average (ema > 0), else G.
  gan::Generator& sampler() const;
  // Samples [n, ...] from sampler() in eval mode, without a graph, in chunks (so any n fits).
  Tensor generate(const Tensor& z, const Tensor& labels) const;
  Tensor noise(int64_t n, Rng& rng) const;  // z [n, Z] of the config's kind
  // Labels for n samples, class by class in equal blocks (row r of a K-row grid is class r).
  Tensor class_blocks(int64_t n) const;

  // The fixed batch the sample grids are drawn from (labels undefined unless conditional).
  const Tensor& fixed_noise() const { return fixed_noise_; }
  const Tensor& fixed_labels() const { return fixed_labels_; }

  // Atomic: everything above plus the config, under names listed in session.cpp.
  void save(const std::string& path) const;
  // Validates the whole file against this session's networks first; changes nothing on error.
  void load(const std::string& path);

 private:
  std::vector<std::pair<std::string, nn::Module*>> modules() const;
  std::vector<nn::Dropout*> dropouts() const;
  std::string dropout_state() const;
  // Parses and checks "seed offset;..." against the networks' Dropout layers.
  std::vector<std::pair<uint64_t, uint64_t>> parse_dropout_state(const std::string& text,
                                                                 const std::string& path) const;

  RunConfig config_;
  std::unique_ptr<gan::ToyRun> toy_;                // toy data
  std::unique_ptr<gan::Trainer> trainer_;           // image data
  std::shared_ptr<gan::Generator> average_;      // image data with ema > 0: G's weight average
  std::shared_ptr<nn::DataLoader> loader_;          // image data being trained on
  Tensor fixed_noise_, fixed_labels_;
};

}  // namespace nash::cli
