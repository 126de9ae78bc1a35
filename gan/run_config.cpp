// The run configuration's field list and defaults (see run_config.h).
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
  return model == "dcgan" ? "dcgan" : "mlp";
}

namespace {
using Kind = ConfigField::Kind;
using Applies = std::function<bool(const RunConfig&)>;

bool always(const RunConfig&) { return true; }
bool on_toy(const RunConfig& c) { return c.toy(); }
bool on_images(const RunConfig& c) { return !c.toy(); }
bool logit_loss(const RunConfig& c) { return c.loss == "ns" || c.loss == "minimax" || c.loss == "r1"; }

// Builders for the list below: a reference to the struct member, the field's text.
ConfigField integer(std::string key, std::string flag, std::string help, double lo, double hi,
                    int64_t& (*ref)(RunConfig&), Applies applies = always) {
  ConfigField f{.key = std::move(key), .flag = std::move(flag), .value_name = "N",
                .help = std::move(help), .kind = Kind::Int, .lo = lo, .hi = hi,
                .applies = std::move(applies)};
  f.get = [ref](const RunConfig& c) { return Json(ref(const_cast<RunConfig&>(c))); };
  f.put = [ref](RunConfig& c, const Json& v) { ref(c) = v.as_int64(); };
  return f;
}
ConfigField real(std::string key, std::string flag, std::string help, double lo, double hi,
                 double& (*ref)(RunConfig&), Applies applies = always) {
  ConfigField f{.key = std::move(key), .flag = std::move(flag), .value_name = "X",
                .help = std::move(help), .kind = Kind::Real, .lo = lo, .hi = hi,
                .applies = std::move(applies)};
  f.get = [ref](const RunConfig& c) { return Json(ref(const_cast<RunConfig&>(c))); };
  f.put = [ref](RunConfig& c, const Json& v) { ref(c) = v.as_number(); };
  return f;
}
ConfigField text(std::string key, std::string flag, std::string help, std::vector<std::string> choices,
                 std::string& (*ref)(RunConfig&), Applies applies = always) {
  ConfigField f{.key = std::move(key), .flag = std::move(flag), .value_name = "NAME",
                .help = std::move(help), .kind = Kind::Text, .choices = std::move(choices),
                .applies = std::move(applies)};
  f.get = [ref](const RunConfig& c) { return Json(ref(const_cast<RunConfig&>(c))); };
  f.put = [ref](RunConfig& c, const Json& v) { ref(c) = v.as_string(); };
  return f;
}
ConfigField with(ConfigField f, std::string value_name, std::vector<std::string> aliases = {}) {
  f.value_name = std::move(value_name);
  f.aliases = std::move(aliases);
  return f;
}

const std::vector<std::string> kActivations = {"relu", "lrelu", "elu", "tanh", "maxout"};

// The toy MLPs' fields, for G ("g") or D ("d").
void add_mlp_fields(std::vector<ConfigField>& out, bool g) {
  const std::string who = g ? "g" : "d", net = g ? "G" : "D";
  auto spec = g ? +[](RunConfig& c) -> MlpSpec& { return c.g; } : +[](RunConfig& c) -> MlpSpec& { return c.d; };
  auto field = [&](ConfigField f, auto member) {
    f.get = [spec, member](const RunConfig& c) { return Json(spec(const_cast<RunConfig&>(c)).*member); };
    out.push_back(std::move(f));
  };
  ConfigField hidden{.key = who + "_hidden", .value_name = "N", .help = net + " hidden units per layer (toy data)",
                     .kind = Kind::Int, .lo = 1, .hi = 65536, .applies = on_toy};
  hidden.put = [spec](RunConfig& c, const Json& v) { spec(c).hidden = v.as_int64(); };
  field(hidden, &MlpSpec::hidden);
  ConfigField layers{.key = who + "_layers", .value_name = "N", .help = net + " hidden layers (toy data)",
                     .kind = Kind::Int, .lo = 0, .hi = 64, .applies = on_toy};
  layers.put = [spec](RunConfig& c, const Json& v) { spec(c).layers = v.as_int64(); };
  field(layers, &MlpSpec::layers);
  ConfigField act{.key = who + "_act", .value_name = "NAME", .help = net + " activation (toy data)",
                  .kind = Kind::Text, .choices = kActivations, .applies = on_toy};
  act.get = [spec](const RunConfig& c) { return Json(activation_name(spec(const_cast<RunConfig&>(c)).activation)); };
  act.put = [spec](RunConfig& c, const Json& v) { spec(c).activation = parse_activation(v.as_string()); };
  out.push_back(act);
  ConfigField slope{.key = who + "_slope", .value_name = "X", .help = net + " LeakyReLU slope (toy data)",
                    .kind = Kind::Real, .lo = 0, .hi = 1,
                    .applies = [spec](const RunConfig& c) { return c.toy() && spec(const_cast<RunConfig&>(c)).activation == Activation::LeakyRelu; }};
  slope.put = [spec](RunConfig& c, const Json& v) { spec(c).slope = v.as_number(); };
  field(slope, &MlpSpec::slope);
  ConfigField pieces{.key = who + "_pieces", .value_name = "N", .help = net + " Maxout pieces (toy data)",
                     .kind = Kind::Int, .lo = 1, .hi = 64,
                     .applies = [spec](const RunConfig& c) { return c.toy() && spec(const_cast<RunConfig&>(c)).activation == Activation::Maxout; }};
  pieces.put = [spec](RunConfig& c, const Json& v) { spec(c).pieces = v.as_int64(); };
  field(pieces, &MlpSpec::pieces);
  ConfigField bn{.key = who + "_bn", .value_name = "0|1", .help = net + " BatchNorm after hidden layers (toy data)",
                 .kind = Kind::Bool, .applies = on_toy};
  bn.put = [spec](RunConfig& c, const Json& v) { spec(c).batch_norm = v.as_bool(); };
  field(bn, &MlpSpec::batch_norm);
  ConfigField scale{.key = who + "_scale", .value_name = "X", .help = net + " input scale (toy data, D only)",
                    .kind = Kind::Real, .lo = 1e-6, .hi = 1e6, .applies = on_toy};
  scale.put = [spec](RunConfig& c, const Json& v) { spec(c).input_scale = v.as_number(); };
  field(scale, &MlpSpec::input_scale);
}

std::vector<ConfigField> make_fields() {
  std::vector<ConfigField> f;
  f.push_back(with(text("data", "data", "gaussian1d, ring, grid, fashion-mnist or a directory of images", {},
                        [](RunConfig& c) -> std::string& { return c.data; }), "D"));
  f.push_back(text("data_dir", "", "the directory image data is read from", {},
                   [](RunConfig& c) -> std::string& { return c.data_dir; }, on_images));
  f.push_back(with(text("model", "model", "gan, cgan, wgan, wgan-gp or dcgan: networks and paper defaults",
                        {"gan", "cgan", "wgan", "wgan-gp", "dcgan"},
                        [](RunConfig& c) -> std::string& { return c.model; }), "M"));
  ConfigField from_data{.key = "model_from_data", .help = "the model is the data set's best",
                        .kind = Kind::Bool, .applies = always};
  from_data.get = [](const RunConfig& c) { return Json(c.model_from_data); };
  from_data.put = [](RunConfig& c, const Json& v) { c.model_from_data = v.as_bool(); };
  f.push_back(from_data);
  std::string losses;
  for (const auto& n : objective_names()) losses += (losses.empty() ? "" : ", ") + n;
  f.push_back(with(text("loss", "loss", "the objective: " + losses + " (default: the model's)",
                        objective_names(), [](RunConfig& c) -> std::string& { return c.loss; }), "NAME"));
  ConfigField seed{.key = "seed", .flag = "seed", .value_name = "S", .help = "seed of everything random in the run",
                   .kind = Kind::Int, .lo = 0, .hi = 9007199254740992.0 /* 2^53 */, .applies = always};
  seed.get = [](const RunConfig& c) { return Json(c.seed); };
  seed.put = [](RunConfig& c, const Json& v) { c.seed = static_cast<uint64_t>(v.as_int64()); };
  f.push_back(seed);

  f.push_back(with(integer("noise_dim", "latent-dim", "noise dimension Z", 1, 65536,
                           [](RunConfig& c) -> int64_t& { return c.noise_dim; }), "Z", {"latent_dim", "noise-dim"}));
  f.push_back(text("noise", "noise", "z ~ N(0, I) or U[0, 1)", {"normal", "uniform"},
                   [](RunConfig& c) -> std::string& { return c.noise; }));
  add_mlp_fields(f, true);
  add_mlp_fields(f, false);
  f.push_back(integer("image_size", "", "image height = width (from the data; 0 for toy data)", 0, 4096,
                      [](RunConfig& c) -> int64_t& { return c.image_size; }, on_images));
  f.push_back(integer("channels", "", "image channels (from the data; 0 for toy data)", 0, 4,
                      [](RunConfig& c) -> int64_t& { return c.channels; }, on_images));
  f.push_back(integer("num_classes", "", "label classes (from the data)", 0, 100000,
                      [](RunConfig& c) -> int64_t& { return c.num_classes; }, on_images));

  f.push_back(with(integer("d_steps", "d-steps", "D (critic) steps per G step: k, or WGAN's n_critic", 1, 1000,
                           [](RunConfig& c) -> int64_t& { return c.d_steps; }), "K", {"k", "n-critic", "n_critic"}));
  f.push_back(with(real("label_smoothing", "label-smoothing", "one-sided: real label 1 - X (logit losses)", 0, 0.999,
                        [](RunConfig& c) -> double& { return c.label_smoothing; }, logit_loss), "X"));
  f.push_back(with(real("clip", "clip", "critic weight clipping bound (wgan)", 1e-12, 1e6,
                        [](RunConfig& c) -> double& { return c.clip; }, [](const RunConfig& c) { return c.loss == "wgan"; }),
                   "C", {"clip_value", "clip-value"}));
  f.push_back(with(real("gp_lambda", "lambda", "gradient penalty weight (wgan-gp)", 0, 1e6,
                        [](RunConfig& c) -> double& { return c.gp_lambda; }, [](const RunConfig& c) { return c.loss == "wgan-gp"; }),
                   "L", {"lambda_gp", "lambda-gp"}));
  f.push_back(with(real("r1_gamma", "r1-gamma", "R1 penalty weight gamma (r1)", 0, 1e6,
                        [](RunConfig& c) -> double& { return c.r1_gamma; }, [](const RunConfig& c) { return c.loss == "r1"; }),
                   "G", {"r1_gamma"}));
  f.push_back(with(integer("r1_every", "r1-every", "apply R1 every N D steps, scaled by N (r1)", 1, 1000,
                           [](RunConfig& c) -> int64_t& { return c.r1_every; }, [](const RunConfig& c) { return c.loss == "r1"; }),
                   "N", {"r1_every"}));
  f.push_back(with(integer("pack", "pack", "PacGAN: D judges M samples at once (toy data)", 1, 1024,
                           [](RunConfig& c) -> int64_t& { return c.pack; }, on_toy), "M"));

  f.push_back(text("optimizer", "optimizer", "adam or rmsprop", {"adam", "rmsprop"},
                   [](RunConfig& c) -> std::string& { return c.optimizer; }));
  f.push_back(with(real("lr_d", "lr-d", "D (critic) learning rate", 1e-12, 10,
                        [](RunConfig& c) -> double& { return c.lr_d; }), "X", {"lr_d"}));
  f.push_back(with(real("lr_g", "lr-g", "G learning rate", 1e-12, 10,
                        [](RunConfig& c) -> double& { return c.lr_g; }), "X", {"lr_g"}));
  auto adam = [](const RunConfig& c) { return c.optimizer == "adam"; };
  f.push_back(with(real("beta1", "b1", "Adam beta1", 0, 0.999999, [](RunConfig& c) -> double& { return c.beta1; }, adam), "X"));
  f.push_back(with(real("beta2", "b2", "Adam beta2", 0, 0.999999, [](RunConfig& c) -> double& { return c.beta2; }, adam), "X"));
  f.push_back(with(integer("batch", "batch", "batch size", 1, 65536, [](RunConfig& c) -> int64_t& { return c.batch; }),
                   "B", {"batch_size", "batch-size"}));
  f.push_back(with(integer("steps", "steps", "G steps in the whole run", 1, 1000000000,
                           [](RunConfig& c) -> int64_t& { return c.steps; }), "N", {"n_steps"}));
  f.push_back(with(real("decay_start", "decay-start", "rates fall linearly from this fraction of --steps (1: constant)", 0, 1,
                        [](RunConfig& c) -> double& { return c.decay_start; }), "F"));
  f.push_back(with(real("lr_end", "lr-end", "the rates' final fraction of their initial value", 0, 1,
                        [](RunConfig& c) -> double& { return c.lr_end; }), "F"));
  f.push_back(with(real("ema", "ema", "samples come from the running average of G's weights, decay D (0: off)", 0, 0.999999,
                        [](RunConfig& c) -> double& { return c.ema; }), "D"));
  f.push_back(with(integer("eval_samples", "eval-samples", "samples the final metrics use", 2, 1000000,
                           [](RunConfig& c) -> int64_t& { return c.eval_samples; }), "N"));
  return f;
}

std::string number_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

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

const std::vector<ConfigField>& config_fields() {
  static const std::vector<ConfigField> fields = make_fields();
  return fields;
}

const ConfigField* find_field(const std::string& name) {
  for (const auto& f : config_fields()) {
    if (f.key == name || (!f.flag.empty() && f.flag == name)) return &f;
    for (const auto& a : f.aliases)
      if (a == name) return &f;
  }
  return nullptr;
}

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
      NASH_CHECK(value == "1" || value == "0" || value == "true" || value == "false", f->key,
                 " must be 0 or 1, got ", value);
      v = Json(value == "1" || value == "true");
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

void validate(const RunConfig& c) {
  RunConfig scratch = c;  // every field within its limits, as a flag or a file would be checked
  for (const auto& f : config_fields()) set_field(scratch, f, f.get(c));
  NASH_CHECK(is_model_name(c.model), "model must be gan, cgan, wgan, wgan-gp or dcgan, got '", c.model, "'");
  NASH_CHECK(c.batch % c.pack == 0, "batch ", c.batch, " must be a multiple of pack ", c.pack);
  NASH_CHECK(!c.conditional() || c.pack == 1, "pack must be 1 for a conditional model (cgan)");
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
