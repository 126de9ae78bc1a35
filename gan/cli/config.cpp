// Run configurations: defaults per data set and model, and their JSON form (see config.h).
#include "gan/cli/config.h"

#include <cstdio>

#include "tensor/error.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::cli {

bool is_toy_data(const std::string& data) {
  return data == "gaussian1d" || data == "ring" || data == "grid";
}

bool is_model_name(const std::string& m) {
  return m == "gan" || m == "cgan" || m == "wgan" || m == "wgan-gp" || m == "dcgan";
}

namespace {
// Image data without --model: gan with PyTorch-GAN's gan.py MLPs (Adam 2e-4, betas (0.5, 0.999),
// batch 64, z 100). DCGAN (--model dcgan) makes better images per step, but its convolutions cost
// ~40x the MLPs' work per step: on 2 cores the MLP GAN reaches recognisable clothes first.
constexpr const char* kBestImageModel = "gan";
constexpr int64_t kImageSteps = 20000;  // G steps (~21 epochs of 60000 at batch 64)

gan::Family family_of(const std::string& model) {
  return model == "dcgan" ? gan::Family::Gan : gan::parse_family(model);
}

std::string number_text(const Json& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "1" : "0";
  if (v.is_int64()) return std::to_string(v.as_int64());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v.as_number());
  return buf;
}

void add_mlp(std::vector<std::pair<std::string, Json>>& out, const std::string& who,
             const gan::MlpSpec& m) {
  out.emplace_back(who + "_hidden", m.hidden);
  out.emplace_back(who + "_layers", m.layers);
  out.emplace_back(who + "_act", gan::activation_name(m.activation));
  out.emplace_back(who + "_slope", m.slope);
  out.emplace_back(who + "_pieces", m.pieces);
  out.emplace_back(who + "_bn", m.batch_norm ? 1 : 0);
  out.emplace_back(who + "_scale", m.input_scale);
}
}  // namespace

std::string best_model(const std::string& data) {
  if (is_toy_data(data)) return gan::family_name(gan::toy_preset(data).train.family);
  return kBestImageModel;
}

RunConfig default_config(const std::string& data, const std::string& model) {
  RunConfig c;
  c.data = data;
  c.model_from_data = model.empty();
  c.model = model.empty() ? best_model(data) : model;
  NASH_CHECK(is_model_name(c.model), "unknown model '", c.model,
             "' (expected gan, cgan, wgan, wgan-gp or dcgan)");
  const gan::Family family = family_of(c.model);
  if (c.toy()) {
    NASH_CHECK(c.model != "cgan", "--model cgan needs class labels: use --data fashion-mnist or a"
               " directory of MNIST-format files");
    NASH_CHECK(c.model != "dcgan", "--model dcgan needs image data: use --data fashion-mnist or a"
               " directory of MNIST-format files");
    c.preset = gan::toy_preset(data);
    if (family != c.preset.train.family) {
      // Another family than the preset's: its networks, noise, batch, packing and schedule stay,
      // the objective and optimiser settings become the family's paper defaults.
      gan::TrainConfig t = gan::TrainConfig::defaults(family);
      t.batch_size = c.preset.train.batch_size;
      t.pack = c.preset.train.pack;
      t.noise = c.preset.train.noise;
      c.preset.train = t;
    }
  } else {
    c.data_dir = data == "fashion-mnist" ? kFashionMnistDir : data;
    c.preset.data = data;
    c.preset.noise_dim = kImageNoiseDim;
    c.preset.train = gan::TrainConfig::defaults(family);
    c.preset.train.batch_size = 64;
    c.preset.train.noise = gan::Noise::Normal;
    c.preset.steps = kImageSteps;
    c.preset.decay_start = 1.0;  // constant learning rates
    c.preset.ema = 0.0;
    if (c.model == "gan" || c.model == "cgan") {
      // The MLP GANs: rates decayed linearly to 0 over the second half, samples from the running
      // average of G's weights. G's last steps jitter the details; the decay and the average
      // smooth them out. Measured at 20000 steps, seed 0: gan FD 146.8 -> 116.2 (nash eval);
      // cgan label accuracy 0.828 (constant) -> 0.839 (decay) -> 0.860 (decay + average), FD
      // 73.8 -> 57.9 (fashion_eval). WGAN, WGAN-GP and DCGAN keep their papers' constant rates.
      c.preset.decay_start = 0.5;
      c.preset.ema = 0.999;
    }
    c.preset.eval_samples = 10000;
    c.image_size = 28;
    c.num_classes = 10;
  }
  return c;
}

std::vector<std::pair<std::string, Json>> training_settings(const RunConfig& c) {
  const gan::Preset& p = c.preset;
  const gan::TrainConfig& t = p.train;
  std::vector<std::pair<std::string, Json>> s = {
      {"family", gan::family_name(t.family)},
      {"steps", p.steps},
      {"batch", t.batch_size},
      {"noise", t.noise == gan::Noise::Normal ? "normal" : "uniform"},
      {"noise_dim", p.noise_dim},
      {"k", t.k},
      {"n_critic", t.n_critic},
      {"clip", t.clip},
      {"gp_lambda", t.gp_lambda},
      {"pack", t.pack},
      {"label_smoothing", t.label_smoothing},
      {"lsgan", t.least_squares ? 1 : 0},
      {"g_loss", t.g_loss == gan::GeneratorLoss::Minimax ? "minimax" : "ns"},
      {"lr_d", t.lr_d},
      {"lr_g", t.lr_g},
      {"beta1", t.beta1},
      {"beta2", t.beta2},
      {"eval_samples", p.eval_samples},
  };
  s.emplace_back("decay_start", p.decay_start);
  s.emplace_back("lr_end", p.lr_end);
  s.emplace_back("ema", p.ema);
  if (c.toy()) {
    add_mlp(s, "g", p.g);
    add_mlp(s, "d", p.d);
  }
  return s;
}

Json config_to_json(const RunConfig& c) {
  Json j = Json::object();
  j["nash_version"] = NASH_VERSION;
  j["data"] = c.data;
  j["data_dir"] = c.data_dir;
  j["model"] = c.model;
  j["model_from_data"] = c.model_from_data;
  j["seed"] = c.seed;
  j["image_size"] = c.image_size;
  j["num_classes"] = c.num_classes;
  Json train = Json::object();
  for (auto& [k, v] : training_settings(c)) train[k] = v;
  j["train"] = train;
  return j;
}

RunConfig config_from_json(const Json& j) {
  NASH_CHECK(j.is_object(), "config: expected a JSON object, got ", j.type_name());
  const std::string data = j.at("data").as_string();
  const std::string model = j.at("model").as_string();
  NASH_CHECK(is_model_name(model), "config: unknown model '", model, "'");
  NASH_CHECK(is_toy_data(data) || !j.at("data_dir").as_string().empty(),
             "config: image data without a data_dir");
  RunConfig c = default_config(data, model);
  c.model_from_data = j.at("model_from_data").as_bool();
  c.data_dir = j.at("data_dir").as_string();
  const Json& seed = j.at("seed");
  NASH_CHECK(seed.is_number() && seed.as_number() >= 0, "config: seed must be a non-negative integer");
  c.seed = seed.is_int64() ? static_cast<uint64_t>(seed.as_int64())
                           : static_cast<uint64_t>(seed.as_number());
  c.image_size = j.at("image_size").as_int64();
  c.num_classes = j.at("num_classes").as_int64();
  NASH_CHECK(c.toy() || (c.image_size == 28 || c.image_size == 32),
             "config: image_size must be 28 or 32, got ", c.image_size);
  NASH_CHECK(c.num_classes >= 0 && c.num_classes <= 1000, "config: bad num_classes ", c.num_classes);
  const Json& train = j.at("train");
  NASH_CHECK(train.is_object(), "config: 'train' must be an object");
  for (const auto& [key, value] : train.items()) {
    NASH_CHECK(value.is_number() || value.is_string() || value.is_bool(), "config: train.", key,
               " must be a number or a string");
    gan::set_preset_option(c.preset, key + "=" + number_text(value));
  }
  NASH_CHECK(gan::family_name(c.preset.train.family) == std::string(gan::family_name(family_of(model))),
             "config: family '", gan::family_name(c.preset.train.family), "' does not match model '",
             model, "'");
  c.preset.train.seed = c.seed;
  return c;
}

}  // namespace nash::cli
