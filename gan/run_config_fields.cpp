// The run configuration's fields, listed once: their keys, flags, help, limits, when each
// applies, and how each reads and writes RunConfig (see run_config.h).
#include <functional>
#include <string>
#include <vector>

#include "gan/diffaugment.h"
#include "gan/objective.h"
#include "gan/run_config.h"

namespace nash::gan {

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

  // The components of later GANs. Files written before they existed lack them: their defaults
  // are what those runs trained with.
  ConfigField cond = text("cond", "cond", "how class labels enter: concat (cgan.py's embeddings; cgan),"
                          " projection (conditional-BN G + projection D; makes dcgan conditional), none",
                          {"none", "concat", "projection"}, [](RunConfig& c) -> std::string& { return c.cond; },
                          [](const RunConfig& c) { return !c.toy() && (c.model == "cgan" || c.model == "dcgan"); });
  cond.may_be_absent = true;
  f.push_back(with(cond, "HOW"));
  ConfigField augment = text("diffaugment", "diffaugment", "DiffAugment policy for every image D sees, real"
                             " and fake: a comma-separated list of color, translation, cutout (\"\": off)",
                             {}, [](RunConfig& c) -> std::string& { return c.diffaugment; }, on_images);
  augment.check = [](const Json& v) { parse_diff_augment(v.as_string()); };
  augment.put = [](RunConfig& c, const Json& v) { c.diffaugment = diff_augment_text(parse_diff_augment(v.as_string())); };
  augment.may_be_absent = true;
  f.push_back(with(augment, "LIST", {"diff-augment", "diff_augment"}));
  ConfigField sn{.key = "spectral_norm", .flag = "spectral-norm", .value_name = "",
                 .help = "spectral norm on every conv and linear layer of D (dcgan, or cond projection;"
                         " it replaces the DCGAN D's BatchNorm)",
                 .kind = Kind::Bool,
                 .applies = [](const RunConfig& c) { return !c.toy() && c.architecture() == "dcgan"; }};
  sn.get = [](const RunConfig& c) { return Json(c.spectral_norm); };
  sn.put = [](RunConfig& c, const Json& v) { c.spectral_norm = v.as_bool(); };
  sn.may_be_absent = true;
  f.push_back(sn);

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
  ConfigField sync_bn{.key = "sync_batchnorm", .flag = "sync-bn", .aliases = {"sync-batchnorm"}, .value_name = "0|1",
                      .help = "with shards (--shards, mpirun): BatchNorm takes the whole batch's statistics, summed"
                              " over the shards, instead of each shard's own",
                      .kind = Kind::Bool, .applies = always};
  sync_bn.get = [](const RunConfig& c) { return Json(c.sync_batchnorm); };
  sync_bn.put = [](RunConfig& c, const Json& v) { c.sync_batchnorm = v.as_bool(); };
  f.push_back(sync_bn);
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

}  // namespace nash::gan
