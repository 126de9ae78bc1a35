// A training run's configuration: the data, the networks, the objective and every training
// setting, as one struct whose fields are listed ONCE, in config_fields() (gan/run_config.cpp).
// Command-line flags, --help, config.json, checkpoint metadata and the start-up banner all derive
// from that list, so a field is added in one place and is validated the same way wherever its
// value comes from (a flag or a file).
//
//   gan::RunConfig c = gan::default_config("ring", "");     // the ring's measured best settings
//   gan::set_field(c, "loss", "hinge");                     // as `--loss hinge` would
//   Json j = gan::config_to_json(c);                        // what config.json holds
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gan/toy_models.h"
#include "tensor/io/json.h"

namespace nash::gan {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

bool is_toy_data(const std::string& data);     // gaussian1d, ring, grid
bool is_model_name(const std::string& model);  // gan, cgan, wgan, wgan-gp, dcgan

struct RunConfig {
  // ---- what is trained
  std::string data = "fashion-mnist";  // gaussian1d, ring, grid, fashion-mnist or a directory
  std::string data_dir;                // image data: the directory the images are read from
  std::string model = "gan";           // gan, cgan, wgan, wgan-gp or dcgan (networks + defaults)
  bool model_from_data = false;        // --model left out: the data set's best configuration
  std::string loss = "ns";             // the objective (gan/objective.h), e.g. ns, hinge, r1
  uint64_t seed = 0;                   // seeds everything random in the run
  // ---- networks
  int64_t noise_dim = 100;             // Z
  std::string noise = "normal";        // z ~ N(0, I) ("normal") or U[0, 1)^Z ("uniform")
  MlpSpec g, d;                        // toy data: the MLPs' shapes
  int64_t image_size = 0;              // image data: H = W (read from the data)
  int64_t channels = 0;                // image data: C (read from the data)
  int64_t num_classes = 0;             // image data: label classes (read from the data)
  // ---- objective
  int64_t d_steps = 1;                 // D (critic) steps per G step: k, or WGAN's n_critic
  double label_smoothing = 0;          // logit objectives: real label 1 - label_smoothing
  double clip = 0.01;                  // wgan: critic weight bound
  double gp_lambda = 10;               // wgan-gp: penalty weight
  double r1_gamma = 10;                // r1: penalty weight
  int64_t r1_every = 1;                // r1: lazy interval in D steps
  int64_t pack = 1;                    // PacGAN: D judges `pack` samples at once (toy data)
  // ---- components of later GANs (image data)
  std::string cond = "none";           // how labels enter: none (unconditional), concat (cgan.py:
                                       // label embeddings concatenated to G's and D's inputs) or
                                       // projection (conditional-BatchNorm G, projection D)
  std::string diffaugment;             // DiffAugment policy, e.g. "color,translation,cutout" ("": off)
  bool spectral_norm = false;          // spectral norm on every conv and linear layer of D
  // ---- optimisation
  std::string optimizer = "adam";      // adam or rmsprop
  double lr_d = 2e-4, lr_g = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;   // Adam
  int64_t batch = 64;
  bool sync_batchnorm = false;         // data parallel: BatchNorm over the whole batch, not a shard
  int64_t steps = 20000;               // G steps in the whole run
  double decay_start = 1.0;            // rates held until this fraction of steps, then linear ...
  double lr_end = 0.0;                 // ... down to lr_end x the initial rate at the last step
  double ema = 0.0;                    // decay of G's weight average samples come from (0: off)
  int64_t eval_samples = 10000;        // samples the final metrics are measured on

  bool toy() const { return is_toy_data(data); }
  // cgan, or dcgan with cond projection: G and D take class labels.
  bool conditional() const { return model == "cgan" || cond == "projection"; }
  // The networks the model name selects: "toy-mlp" (toy data), "mlp" (PyTorch-GAN's gan.py /
  // cgan.py) or "dcgan" (dcgan.py's conv nets; with cond projection, their class-conditional
  // form: conditional-BatchNorm G and projection D, gan/conditional_nets.h, for cgan as well).
  std::string architecture() const;
};

// One field of RunConfig: its key in files, its flag, its limits and when it applies.
struct ConfigField {
  enum class Kind { Int, Real, Text, Bool };
  std::string key;                   // in config.json and checkpoints: "lr_d"
  std::string flag;                  // on the command line: "lr-d" ("" when not a flag)
  std::vector<std::string> aliases;  // other accepted flag names, e.g. PyTorch-GAN's
  std::string value_name;            // "X", "N", ...
  std::string help;
  Kind kind = Kind::Real;
  double lo = 0, hi = 0;                           // Int and Real: inclusive range
  std::vector<std::string> choices;                // Text: the allowed values (empty: any)
  std::function<bool(const RunConfig&)> applies;   // does this setting act on this run?
  std::function<Json(const RunConfig&)> get;
  std::function<void(RunConfig&, const Json&)> put;  // value already checked
  std::function<void(const Json&)> check;            // a further check of a value (or empty): throws
  bool may_be_absent = false;  // files written before the field existed lack it: the default stands
};

// Every field, in the order files and --help list them.
const std::vector<ConfigField>& config_fields();
const ConfigField* find_field(const std::string& key_or_flag);  // by key, flag or alias

// Checks a value against the field's kind and limits, then stores it. A flag's text and a file's
// JSON value go through the same check and give the same message, e.g.
//   "steps must be an integer in [1, 1000000000], got 1e300". Throws nash::Error.
void set_field(RunConfig& config, const ConfigField& field, const Json& value);
void set_field(RunConfig& config, const std::string& key, const std::string& text);
// "key=value" (as examples/toy_2d and scripts take them).
void set_field(RunConfig& config, const std::string& key_value);

// ---- the defaults: the ONE place that decides what a left-out setting means ---------------
// The data set's best model when model is "" (toy data: the measured presets of
// gan/presets.cpp; images: gan.py's MLPs), else the model's paper defaults on that data.
// Throws nash::Error for a model that cannot train on the data (cgan or dcgan on toy data).
RunConfig default_config(const std::string& data, const std::string& model);

// The settings that apply to this run, as (key, value) in the list's order (the banner).
std::vector<std::pair<std::string, Json>> applied_settings(const RunConfig& config);
// Every field as a flat JSON object; config_from_json checks every field and inverts it.
Json config_to_json(const RunConfig& config);
RunConfig config_from_json(const Json& json);
// The objective the configuration names, with its settings (gan/objective.h).
struct Objective;
Objective make_objective(const RunConfig& config);

// Checks the cross-field rules (batch a multiple of pack, a conditional model on labelled data,
// the objective's options, cond / diffaugment / spectral_norm on a model they fit); throws
// nash::Error naming the fields.
void validate(const RunConfig& config);

}  // namespace nash::gan
