// A run's configuration: the data set, the model and every training setting, resolved from the
// data set's best configuration (toy presets, PyTorch-GAN defaults for images) and the flags the
// user gave; saved in config.json and in every checkpoint, so a run can be resumed, sampled and
// evaluated from its directory alone.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gan/presets.h"
#include "tensor/io/json.h"

namespace nash::cli {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int64_t kImageNoiseDim = 100;  // PyTorch-GAN's --latent_dim

bool is_toy_data(const std::string& data);       // gaussian1d, ring, grid
bool is_model_name(const std::string& model);    // gan, cgan, wgan, wgan-gp, dcgan

struct RunConfig {
  std::string data;          // "gaussian1d", "ring", "grid", "fashion-mnist" or a directory
  std::string data_dir;      // image data: the directory of the MNIST-format files
  std::string model;         // "gan", "cgan", "wgan", "wgan-gp", "dcgan"
  bool model_from_data = false;  // --model was left out: the data set's best configuration
  gan::Preset preset;        // steps, noise, networks (toy), family, batch, optimiser, schedule
  uint64_t seed = 0;
  int64_t image_size = 0;    // image data: H = W of [1, H, W] samples
  int64_t num_classes = 0;   // image data: label classes (10)

  bool toy() const { return is_toy_data(data); }
  bool conditional() const { return preset.train.family == gan::Family::Cgan; }
  const gan::TrainConfig& train() const { return preset.train; }
  gan::TrainConfig& train() { return preset.train; }
};

// ---- the defaults: the ONE place that decides what `--model` left out means ----------------
// Toy data: gan::toy_preset(data) (gan/presets.h), the measured best per data set.
// Images: see best_image_model in config.cpp.
std::string best_model(const std::string& data);
// The configuration before any flag: data's best if model is "", else model's defaults on data.
// Throws nash::Error for a model that cannot train on the data (cgan/dcgan on toy data).
RunConfig default_config(const std::string& data, const std::string& model);

// Every training setting as (key, value) in set_preset_option's vocabulary ("lr_d", "pack", ...),
// the form config.json and the checkpoints store and the start-up banner prints.
std::vector<std::pair<std::string, Json>> training_settings(const RunConfig& config);

// {"nash_version", "data", "data_dir", "model", "model_from_data", "seed", "image_size",
//  "num_classes", "train": {training_settings}}. config_from_json validates and inverts it.
Json config_to_json(const RunConfig& config);
RunConfig config_from_json(const Json& json);

}  // namespace nash::cli
