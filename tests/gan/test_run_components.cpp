// The run options for the components of later GANs: cond (concat / projection), diffaugment and
// spectral_norm. Each changes what gan::Run builds or does, bad values fail with clear messages,
// old files without the fields still load, and a run with all of them resumes bit for bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "error_of.h"
#include "gan/run.h"
#include "tensor/io/file.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;
using nash::test::error_of;

namespace {
constexpr int64_t kN = 32, kBatch = 8;

// Fashion-MNIST's configuration of `model`, sized for 8x8 one-channel images of 2 classes.
RunConfig small_images(const std::string& model, uint64_t seed = 3) {
  RunConfig c = default_config("fashion-mnist", model);
  c.image_size = 8;
  c.channels = 1;
  c.num_classes = 2;
  c.batch = kBatch;
  c.seed = seed;
  c.steps = 6;
  c.eval_samples = 16;
  return c;
}

// 32 images in [0.25, 1] (no zeros: a zeroed pixel can only come from cutout), labels 0 and 1.
std::shared_ptr<DataSource> small_data(const RunConfig& c) {
  Rng rng(99);
  Tensor x = uniform({kN, 1, 8, 8}, 0.25, 1.0, rng);
  std::vector<int64_t> y(kN);
  for (int64_t i = 0; i < kN; ++i) y[static_cast<size_t>(i)] = i % 2;
  return image_source(x, c.conditional() ? from_vector(y, {kN}) : Tensor(), c.batch, 5);
}

std::vector<std::string> names(const std::vector<std::pair<std::string, Variable>>& named) {
  std::vector<std::string> out;
  for (auto& [n, v] : named) out.push_back(n);
  return out;
}
bool has(const std::vector<std::string>& all, const std::string& n) {
  return std::find(all.begin(), all.end(), n) != all.end();
}
bool any_contains(const std::vector<std::string>& all, const std::string& part) {
  return std::any_of(all.begin(), all.end(), [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

// A D that keeps every input it is shown (per phase, in order) and passes it to the built-in D.
class RecordingD : public Discriminator {
 public:
  std::shared_ptr<Discriminator> inner;
  std::vector<Variable> inputs;
  explicit RecordingD(std::shared_ptr<Discriminator> d) : Discriminator("RecordingD") {
    num_classes = d->num_classes;
    inner = register_module("inner", std::move(d));
  }
  Variable score(const Variable& x, const Tensor& labels) override {
    inputs.push_back(x);
    return inner->score(x, labels);
  }
};

// The configuration's own networks with D's inputs recorded.
struct Recorded {
  std::shared_ptr<RecordingD> d;
  std::unique_ptr<Run> run;
};
Recorded recorded_run(const RunConfig& c) {
  Recorded r;
  NetworkBuilder built_in = network_builder(c);
  auto d = std::make_shared<std::shared_ptr<RecordingD>>();
  r.run = std::make_unique<Run>(c, [built_in, d](Rng& init) {
    Networks nets = built_in(init);
    if (!*d) *d = std::make_shared<RecordingD>(nets.d);
    return Networks{nets.g, *d};
  }, small_data(c));
  r.d = *d;
  return r;
}

std::vector<Tensor> snapshot(const nn::Module& m) {
  std::vector<Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.value().clone());
  return out;
}
bool same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i], b[i])) return false;
  return true;
}
double max_abs(const Tensor& t) { return amax(abs(t)).item(); }
int batch_norms(nn::Module& m) {
  int n = 0;
  m.apply([&n](nn::Module& child) { n += child.type_name() == "BatchNorm2d"; });
  return n;
}
}  // namespace

TEST_CASE("cond: cgan concatenates, projection gives conditional-BN G and a projection D", "[gan][run][components]") {
  CHECK(default_config("fashion-mnist", "cgan").cond == "concat");
  CHECK(default_config("fashion-mnist", "dcgan").cond == "none");
  CHECK_FALSE(default_config("fashion-mnist", "dcgan").conditional());

  Run concat(small_images("cgan"), small_data(small_images("cgan")));
  CHECK(has(names(concat.discriminator().named_parameters()), "label_emb.weight"));  // cgan.py's embedding

  for (const char* model : {"dcgan", "cgan"}) {
    RunConfig c = small_images(model);
    set_field(c, "cond", "projection");
    REQUIRE(c.conditional());
    CHECK(c.architecture() == "dcgan");
    Run run(c, small_data(c));
    CHECK(run.discriminator().type_name() == "ProjectionDiscriminator");
    CHECK(run.generator().type_name() == "ConditionalDcganGenerator");
    CHECK(run.discriminator().num_classes == 2);
    CHECK(run.generator().num_classes == 2);
    const auto d = run.discriminator().named_parameters(), g = run.generator().named_parameters();
    auto shape_of = [](const auto& named, const std::string& n) {
      for (auto& [k, v] : named)
        if (k == n) return v.shape();
      return Shape{};
    };
    // The class embedding [K, F] (F = 128 features at 1x1 for 8x8 images) and per-class BN gains.
    CHECK(shape_of(d, "embed.weight") == Shape{2, 128});
    CHECK(shape_of(g, "bn1.weight") == Shape{2, 128});
    CHECK_FALSE(any_contains(names(d), "weight_orig"));  // no spectral norm unless asked
    // Labels reach D's score: the same images judged as the other class score differently.
    run.step();
    run.discriminator().eval();
    NoGradGuard no_grad;
    Rng rng(1);
    Tensor x = uniform({4, 1, 8, 8}, -1, 1, rng);
    Tensor s0 = run.discriminator().score(Variable(x), zeros({4}, DType::Int64)).value();
    Tensor s1 = run.discriminator().score(Variable(x), full({4}, 1.0, DType::Int64)).value();
    CHECK(max_abs(sub(s0, s1)) > 0);
    // And G's: the same noise drawn as class 0 and as class 1 (per-class BatchNorm gains).
    Tensor z = normal({4, c.noise_dim}, 0, 1, rng);
    CHECK(max_abs(sub(run.generate(z, zeros({4}, DType::Int64)), run.generate(z, full({4}, 1.0, DType::Int64)))) > 0);
    CHECK(run.fixed_labels().size(0) == 20);  // 10 samples per class in the grids
  }
}

TEST_CASE("spectral_norm: D's convs and linear layers carry weight_orig and u, v", "[gan][run][components]") {
  for (bool projection : {false, true}) {
    RunConfig c = small_images("dcgan");
    if (projection) set_field(c, "cond", "projection");
    set_field(c, "spectral-norm", "");  // a switch, as --spectral-norm gives it
    REQUIRE(c.spectral_norm);
    Run run(c, small_data(c));
    const auto d = names(run.discriminator().named_parameters());
    for (const char* n : {"conv0.weight_orig", "conv3.weight_orig", "psi.weight_orig"}) CHECK(has(d, n));
    CHECK(has(d, "embed.weight_orig") == projection);
    int vectors = 0;
    for (auto& [n, b] : run.discriminator().named_buffers()) vectors += n.find("weight_u") != std::string::npos;
    CHECK(vectors == (projection ? 6 : 5));  // four convs, psi (and the embedding)
    CHECK_FALSE(any_contains(names(run.generator().named_parameters()), "weight_orig"));  // G untouched
    CHECK(batch_norms(run.discriminator()) == 0);  // spectral norm takes the place of D's BatchNorm
    // psi is a row vector w [1, F]: its largest singular value is ||w||, so after a step of power
    // iteration the normalised weight has norm 1.
    run.step();
    std::shared_ptr<nn::SpectralNorm> psi;
    for (auto& [n, m] : run.discriminator().named_children())
      if (n == "psi") psi = std::dynamic_pointer_cast<nn::SpectralNorm>(m);
    REQUIRE(psi != nullptr);
    NoGradGuard no_grad;
    const Tensor w = psi->normalized_weight().value();
    CHECK(std::sqrt(sum(mul(w, w)).item()) == Approx(1.0).epsilon(1e-4));
  }
  RunConfig plain = small_images("dcgan");
  Run run(plain, small_data(plain));
  CHECK(run.discriminator().type_name() == "Discriminator");  // dcgan.py's D as it was
  CHECK_FALSE(any_contains(names(run.discriminator().named_parameters()), "weight_orig"));
  CHECK(batch_norms(run.discriminator()) == 3);
}

TEST_CASE("diffaugment: D sees transformed images, real and fake, and G's gradient passes", "[gan][run][components]") {
  RunConfig plain = small_images("dcgan");
  RunConfig cut = plain;
  set_field(cut, "diffaugment", "cutout");
  Recorded a = recorded_run(plain), b = recorded_run(cut);
  a.run->step();
  b.run->step();
  // D's step shows D the real batch then the fakes, G's step the fakes again: three inputs each.
  REQUIRE(a.d->inputs.size() == 3);
  REQUIRE(b.d->inputs.size() == 3);
  // Same seed, so the same real batch, noise and G (G moves only after its own step): with
  // cutout every pixel D sees is the image's own or zero, and some are zero.
  for (size_t i = 0; i < 3; ++i) {
    const Tensor raw = a.d->inputs[i].value(), seen = b.d->inputs[i].value();
    REQUIRE(raw.shape() == seen.shape());
    CHECK(equal(where(eq(seen, 0.0), raw, seen), raw));
    CHECK(sum(eq(seen, 0.0)).item() > 0);
    CHECK(sum(eq(raw, 0.0)).item() == 0);
  }
  // G's phase: the augmented fakes are still on G's graph, so G gets a gradient through T.
  CHECK(b.d->inputs[2].requires_grad());

  // The whole policy: colour, translation and cutout, and gradients still reach every G parameter.
  RunConfig all = plain;
  set_field(all, "diffaugment", "cutout, Color,translation");
  CHECK(all.diffaugment == "color,translation,cutout");  // kept in the order it is applied
  Recorded c = recorded_run(all);
  std::vector<double> g_grads;
  c.run->on_backward([&](Run&, Run::Phase p, const std::vector<Variable>& params) {
    if (p != Run::Phase::G) return;
    for (const auto& v : params) g_grads.push_back(max_abs(v.grad().value()));
  });
  StepStats s = c.run->step();
  CHECK(s.grad_norm_g > 0);
  REQUIRE_FALSE(g_grads.empty());
  CHECK(*std::max_element(g_grads.begin(), g_grads.end()) > 0);
  CHECK(max_abs(sub(c.d->inputs[0].value(), a.d->inputs[0].value())) > 0.01);  // real images changed
  // A second run with the same seed draws the same transformations.
  Recorded d = recorded_run(all);
  d.run->step();
  for (size_t i = 0; i < 3; ++i) CHECK(equal(c.d->inputs[i].value(), d.d->inputs[i].value()));
}

TEST_CASE("cond, diffaugment, spectral_norm: bad values and misfits give clear errors", "[gan][run][components]") {
  RunConfig c = small_images("dcgan");
  CHECK_THAT(error_of([&] { set_field(c, "diffaugment", "colour,cutout"); }),
             Catch::Equals("diffaugment: unknown augmentation 'colour' (did you mean color?); expected a "
                           "comma-separated list of color, translation, cutout"));
  CHECK_THAT(error_of([&] { set_field(c, "diffaugment", "cutout,cutout"); }),
             Catch::Contains("'cutout' is listed twice"));
  CHECK_THAT(error_of([&] { set_field(c, "diffaugment", "color,,cutout"); }), Catch::Contains("empty name"));
  CHECK_THAT(error_of([&] { set_field(c, "cond", "projectoin"); }),
             Catch::Contains("cond must be one of none, concat, projection, got 'projectoin'"));
  CHECK_THAT(error_of([&] { set_field(c, "spectral-norm", "yes"); }), Catch::Contains("spectral_norm must be 0 or 1"));
  set_field(c, "diffaugment", "");
  CHECK(c.diffaugment.empty());

  auto invalid = [](RunConfig bad) { return error_of([&] { validate(bad); }); };
  RunConfig dc = small_images("dcgan");
  dc.cond = "concat";
  CHECK_THAT(invalid(dc), Catch::Contains("a class-conditional dcgan takes cond projection"));
  RunConfig gan = small_images("gan");
  gan.cond = "projection";
  CHECK_THAT(invalid(gan), Catch::Contains("model gan is unconditional"));
  RunConfig cg = small_images("cgan");
  cg.cond = "none";
  CHECK_THAT(invalid(cg), Catch::Contains("cgan is conditional"));
  RunConfig sn = small_images("wgan-gp");
  sn.spectral_norm = true;
  CHECK_THAT(invalid(sn), Catch::Contains("spectral_norm: model wgan-gp's discriminator is an MLP"));
  RunConfig ring = default_config("ring", "");
  ring.diffaugment = "color";
  CHECK_THAT(invalid(ring), Catch::Contains("DiffAugment transforms images; toy data (ring) has none"));
  ring = default_config("ring", "");
  ring.cond = "projection";
  CHECK_THAT(invalid(ring), Catch::Contains("toy data (ring) has no class labels"));
  ring = default_config("ring", "");
  ring.spectral_norm = true;
  CHECK_THAT(invalid(ring), Catch::Contains("spectral_norm: the toy MLP discriminators"));
  // Where a setting acts: what the banner shows and the command line accepts.
  CHECK_FALSE(find_field("cond")->applies(small_images("gan")));
  CHECK(find_field("cond")->applies(small_images("dcgan")));
  CHECK_FALSE(find_field("spectral_norm")->applies(small_images("cgan")));
  RunConfig projected = small_images("cgan");
  projected.cond = "projection";
  CHECK(find_field("spectral_norm")->applies(projected));
  CHECK_FALSE(find_field("diffaugment")->applies(default_config("ring", "")));
}

TEST_CASE("the three settings go through config.json; files from before them still load", "[gan][run][components]") {
  RunConfig c = small_images("dcgan");
  set_field(c, "cond", "projection");
  set_field(c, "diffaugment", "translation,color");
  set_field(c, "spectral_norm", "1");
  Json j = config_to_json(c);
  CHECK(j.at("cond").as_string() == "projection");
  CHECK(j.at("diffaugment").as_string() == "color,translation");
  CHECK(j.at("spectral_norm").as_bool());
  RunConfig back = config_from_json(j);
  CHECK(back.cond == "projection");
  CHECK(back.diffaugment == "color,translation");
  CHECK(back.spectral_norm);
  bool shown = false;
  for (auto& [key, value] : applied_settings(c)) shown = shown || (key == "diffaugment" && value.as_string() == "color,translation");
  CHECK(shown);
  // A cgan checkpoint's config from before the fields: they take the defaults it trained with.
  Json old = config_to_json(small_images("cgan"));
  Json trimmed = Json::object();
  for (const auto& [key, value] : old.items())
    if (key != "cond" && key != "diffaugment" && key != "spectral_norm") trimmed[key] = value;
  RunConfig loaded = config_from_json(trimmed);
  CHECK(loaded.cond == "concat");
  CHECK(loaded.diffaugment.empty());
  CHECK_FALSE(loaded.spectral_norm);
  j["diffaugment"] = "color,flip";
  CHECK_THAT(error_of([&] { config_from_json(j); }),
             Catch::Contains("config: diffaugment: unknown augmentation 'flip'"));
}

TEST_CASE("a run with projection, DiffAugment and spectral norm resumes bit for bit", "[gan][run][components]") {
  // hinge on the conditional networks; R1 (a penalty taken at the augmented images, with its
  // double backward through spectral norm) on the unconditional DCGAN with a spectral-normed D.
  for (const char* loss : {"hinge", "r1"}) {
    RunConfig c = small_images(std::string(loss) == "hinge" ? "cgan" : "dcgan", 11);
    set_field(c, "loss", loss);
    if (c.model == "cgan") set_field(c, "cond", "projection");
    set_field(c, "diffaugment", "color,translation,cutout");
    set_field(c, "spectral_norm", "true");
    c.ema = 0.9;
    Run whole(c, small_data(c));
    for (int i = 0; i < 6; ++i) whole.step();
    Run first(c, small_data(c));
    for (int i = 0; i < 3; ++i) first.step();
    const auto dir = std::filesystem::temp_directory_path();
    const std::string path = (dir / ("nash_test_components_" + std::string(loss) + ".safetensors")).string();
    first.save(path);
    Run second(c, small_data(c));
    second.load(path);
    CHECK(second.steps_done() == 3);
    while (!second.done()) second.step();
    CHECK(same(snapshot(whole.generator()), snapshot(second.generator())));
    CHECK(same(snapshot(whole.discriminator()), snapshot(second.discriminator())));
    const std::string a = path + ".a", b = path + ".b";
    whole.save(a);
    second.save(b);
    CHECK(read_file(a) == read_file(b));  // byte-identical checkpoints
    CheckpointInfo info = Run::read_info(b);
    CHECK(info.config.diffaugment == "color,translation,cutout");
    CHECK(info.config.spectral_norm);
    CHECK(info.config.cond == c.cond);
    // And the options change the run: without DiffAugment the same seed trains another D.
    RunConfig bare = c;
    bare.diffaugment = "";
    Run other(bare, small_data(bare));
    for (int i = 0; i < 6; ++i) other.step();
    CHECK_FALSE(same(snapshot(whole.discriminator()), snapshot(other.discriminator())));
    for (const auto& p : {path, a, b}) std::filesystem::remove(p);
  }
}
