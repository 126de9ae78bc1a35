// The run configuration: checking and setting fields, the defaults, JSON (see run_config.h; the
// field list itself is in run_config_fields.cpp).
#include "gan/run_config.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "gan/objective.h"
#include "gan/presets.h"
#include "tensor/error.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::gan {

bool is_toy_data(const std::string& data) {
  return data == "gaussian1d" || data == "ring" || data == "grid";
}

bool is_model_name(const std::string& m) {
  return m == "gan" || m == "cgan" || m == "wgan" || m == "wgan-gp" || m == "dcgan";
}

std::string RunConfig::architecture() const {
  if (toy()) return "toy-mlp";
  return model == "dcgan" || cond == "projection" ? "dcgan" : "mlp";
}

namespace {
using Kind = ConfigField::Kind;

std::string limits_text(const ConfigField& f) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "[%.10g, %.10g]", f.lo, f.hi);
  return buf;
}

std::string shown(const Json& v) { return v.is_string() ? v.as_string() : to_json(v); }

// The paper defaults a model name brings: objective, D steps and optimiser settings.
void apply_model_defaults(RunConfig& c) {
  c.d_steps = 1;
  c.optimizer = "adam";
  c.lr_d = c.lr_g = 2e-4;  // DCGAN's Adam 2e-4, betas (0.5, 0.999)
  c.beta1 = 0.5;
  c.beta2 = 0.999;
  if (c.model == "wgan") {  // RMSprop 5e-5, clip 0.01, n_critic 5
    c.loss = "wgan";
    c.d_steps = 5;
    c.optimizer = "rmsprop";
    c.lr_d = c.lr_g = 5e-5;
    c.clip = 0.01;
  } else if (c.model == "wgan-gp") {  // Adam 1e-4, betas (0, 0.9), lambda 10, n_critic 5
    c.loss = "wgan-gp";
    c.d_steps = 5;
    c.lr_d = c.lr_g = 1e-4;
    c.beta1 = 0.0;
    c.beta2 = 0.9;
    c.gp_lambda = 10;
  } else {
    c.loss = "ns";
  }
}

// Image data without --model: gan with PyTorch-GAN's gan.py MLPs (Adam 2e-4, betas (0.5, 0.999),
// batch 64, z 100). DCGAN makes better images per step, but its convolutions cost ~40x the MLPs'
// work per step: on 2 cores the MLP GAN reaches recognisable clothes first.
constexpr const char* kBestImageModel = "gan";
constexpr int64_t kImageSteps = 20000;  // G steps (~21 epochs of 60000 at batch 64)
}  // namespace

void set_field(RunConfig& c, const ConfigField& f, const Json& v) {
  switch (f.kind) {
    case Kind::Int:
      NASH_CHECK(v.is_int64() && v.as_int64() >= f.lo && v.as_int64() <= f.hi, f.key,
                 " must be an integer in ", limits_text(f), ", got ", shown(v));
      break;
    case Kind::Real:
      NASH_CHECK(v.is_number() && std::isfinite(v.as_number()) && v.as_number() >= f.lo &&
                     v.as_number() <= f.hi,
                 f.key, " must be a number in ", limits_text(f), ", got ", shown(v));
      break;
    case Kind::Text: {
      NASH_CHECK(v.is_string(), f.key, " must be a string, got ", shown(v));
      bool ok = f.choices.empty();
      std::string list;
      for (const auto& choice : f.choices) {
        ok = ok || choice == v.as_string();
        list += (list.empty() ? "" : ", ") + choice;
      }
      NASH_CHECK(ok, f.key, " must be one of ", list, ", got '", v.as_string(), "'");
      NASH_CHECK(v.as_string().size() <= 4096, f.key, " is longer than 4096 characters");
      break;
    }
    case Kind::Bool:
      NASH_CHECK(v.is_bool(), f.key, " must be true or false, got ", shown(v));
      break;
  }
  if (f.check) f.check(v);
  f.put(c, v);
}

void set_field(RunConfig& c, const std::string& key, const std::string& value) {
  const ConfigField* f = find_field(key);
  NASH_CHECK(f != nullptr, "unknown setting '", key, "'");
  Json v;
  switch (f->kind) {
    case Kind::Int:
    case Kind::Real:
      try {
        v = parse_json(value);
      } catch (const Error&) {
        fail(f->key, " must be ", f->kind == Kind::Int ? "an integer" : "a number", " in ",
             limits_text(*f), ", got ", value);
      }
      break;
    case Kind::Text: {
      // Names as people type them: "DCGAN" and "wgan_gp" are dcgan and wgan-gp.
      std::string folded = value;
      for (char& ch : folded) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      bool known = false;
      for (const auto& choice : f->choices) known = known || choice == folded;
      v = Json(known ? folded : value);
      break;
    }
    case Kind::Bool:
      // "" is a switch given without a value (--spectral-norm): on.
      NASH_CHECK(value.empty() || value == "1" || value == "0" || value == "true" || value == "false", f->key,
                 " must be 0 or 1, got ", value);
      v = Json(value.empty() || value == "1" || value == "true");
      break;
  }
  set_field(c, *f, v);
}

void set_field(RunConfig& c, const std::string& key_value) {
  const auto eq = key_value.find('=');
  NASH_CHECK(eq != std::string::npos, "expected key=value, got '", key_value, "'");
  set_field(c, key_value.substr(0, eq), key_value.substr(eq + 1));
}

RunConfig default_config(const std::string& data, const std::string& model) {
  RunConfig c;
  const std::string chosen = model.empty() ? (is_toy_data(data) ? "gan" : kBestImageModel) : model;
  NASH_CHECK(is_model_name(chosen), "unknown model '", chosen,
             "' (expected gan, cgan, wgan, wgan-gp or dcgan)");
  if (is_toy_data(data)) {
    NASH_CHECK(chosen != "cgan", "--model cgan needs class labels: use --data fashion-mnist or a"
               " directory of images");
    NASH_CHECK(chosen != "dcgan", "--model dcgan needs image data: use --data fashion-mnist or a"
               " directory of images");
    c = toy_preset(data);  // measured for model gan; another model keeps its networks, noise,
    c.model = chosen;      // batch, packing and schedule, and takes the model's paper defaults
    if (chosen != "gan") apply_model_defaults(c);
  } else {
    c.data = data;
    c.data_dir = data == "fashion-mnist" ? kFashionMnistDir : data;
    c.model = chosen;
    c.cond = chosen == "cgan" ? "concat" : "none";  // cgan.py's label embeddings
    apply_model_defaults(c);
    c.noise_dim = 100;
    c.noise = "normal";
    c.batch = 64;
    c.steps = kImageSteps;
    if (chosen == "gan" || chosen == "cgan") {
      // The MLP GANs: rates decayed linearly to 0 over the second half, samples from the running
      // average of G's weights: the decay and the average smooth out G's last jitter (figures in
      // docs/results.md). WGAN, WGAN-GP and DCGAN keep their papers' constant rates.
      c.decay_start = 0.5;
      c.ema = 0.999;
    }
    c.eval_samples = 10000;
  }
  c.model_from_data = model.empty();
  return c;
}

std::vector<std::pair<std::string, Json>> applied_settings(const RunConfig& c) {
  std::vector<std::pair<std::string, Json>> out;
  for (const auto& f : config_fields())
    if (f.applies(c) && f.key != "model_from_data") out.emplace_back(f.key, f.get(c));
  return out;
}

Json config_to_json(const RunConfig& c) {
  Json j = Json::object();
  j["nash_version"] = NASH_VERSION;
  for (const auto& f : config_fields()) j[f.key] = f.get(c);
  return j;
}

RunConfig config_from_json(const Json& j) {
  NASH_CHECK(j.is_object(), "config: expected a JSON object, got ", j.type_name());
  for (const char* key : {"data", "model"})
    NASH_CHECK(j.contains(key) && j.at(key).is_string(), "config: '", key, "' must be a string");
  RunConfig c = default_config(j.at("data").as_string(), j.at("model").as_string());
  for (const auto& [key, value] : j.items())
    NASH_CHECK(key == "nash_version" || key == "runtime" || find_field(key) != nullptr,
               "config: unknown setting '", key, "'");
  for (const auto& f : config_fields()) {
    const Json* v = j.find(f.key);
    if (v == nullptr && f.may_be_absent) continue;  // written before the field existed
    NASH_CHECK(v != nullptr, "config: missing setting '", f.key, "'");
    try {
      set_field(c, f, *v);
    } catch (const Error& e) {
      fail("config: ", e.what());
    }
  }
  validate(c);
  return c;
}

namespace {
// cond, diffaugment and spectral_norm on a model they fit.
void validate_components(const RunConfig& c) {
  if (c.toy()) {
    NASH_CHECK(c.cond == "none", "cond ", c.cond, ": toy data (", c.data, ") has no class labels");
    NASH_CHECK(c.diffaugment.empty(), "diffaugment ", c.diffaugment, ": DiffAugment transforms images;",
               " toy data (", c.data, ") has none");
    NASH_CHECK(!c.spectral_norm, "spectral_norm: the toy MLP discriminators have no spectral-norm form;"
               " it applies to the convolutional ones (model dcgan, or cond projection)");
    return;
  }
  if (c.model == "cgan")
    NASH_CHECK(c.cond != "none", "cond none: cgan is conditional (cond concat or projection)");
  else if (c.model == "dcgan")
    NASH_CHECK(c.cond != "concat", "cond concat is cgan.py's label embedding on the MLP cgan; a"
               " class-conditional dcgan takes cond projection");
  else
    NASH_CHECK(c.cond == "none", "cond ", c.cond, ": model ", c.model, " is unconditional; the"
               " conditional models are cgan and dcgan (with cond projection)");
  NASH_CHECK(!c.spectral_norm || c.architecture() == "dcgan", "spectral_norm: model ", c.model,
             "'s discriminator is an MLP of PyTorch-GAN's with no spectral-norm form; it applies to"
             " the convolutional ones (model dcgan, or cond projection)");
}
}  // namespace

void validate(const RunConfig& c) {
  RunConfig scratch = c;  // every field within its limits, as a flag or a file would be checked
  for (const auto& f : config_fields()) set_field(scratch, f, f.get(c));
  NASH_CHECK(is_model_name(c.model), "model must be gan, cgan, wgan, wgan-gp or dcgan, got '", c.model, "'");
  validate_components(c);  // before the rules that depend on them (conditional(), architecture())
  NASH_CHECK(c.batch % c.pack == 0, "batch ", c.batch, " must be a multiple of pack ", c.pack);
  NASH_CHECK(!c.conditional() || c.pack == 1, "pack must be 1 for a conditional model (cgan, or cond projection)");
  NASH_CHECK(c.toy() || !c.data_dir.empty(), "image data needs a data_dir");
  NASH_CHECK(c.d.input_scale > 0 && c.g.input_scale == 1.0, "g_scale must be 1 (input_scale applies to D only)");
  make_objective(c);
}

Objective make_objective(const RunConfig& c) {
  return make_objective(c.loss, ObjectiveOptions{.d_steps = c.d_steps, .label_smoothing = c.label_smoothing,
                                                 .clip = c.clip, .gp_lambda = c.gp_lambda,
                                                 .r1_gamma = c.r1_gamma, .r1_every = c.r1_every});
}

}  // namespace nash::gan
