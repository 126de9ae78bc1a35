// gan/viz: the frames nash report plays, checked against what they must equal by hand — a linear
// critic's gradients, D on the grid, an identity G's density — and that recording them changes
// nothing in training and gives the same bytes for the same seed.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "gan/viz/frames.h"
#include "gan/viz/views.h"
#include "tensor/io/file.h"
#include "tensor/io/json.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("nash_test_viz_" + tag);
    fs::remove_all(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

// f(x) = w.x + b on 2-D points: the critic whose every gradient is known.
class LinearCritic : public Discriminator {
 public:
  std::shared_ptr<nn::Linear> fc;
  LinearCritic(double w0, double w1, double b, Rng& rng) : Discriminator("LinearCritic") {
    fc = register_module("fc", std::make_shared<nn::Linear>(2, 1, rng));
    copy_(fc->weight.mutable_value(), from_vector(std::vector<float>{float(w0), float(w1)}, {1, 2}));
    fill_(fc->bias.mutable_value(), b);
  }
  Variable score(const Variable& x, const Tensor&) override { return fc->forward(flatten(x, 1)); }
};

// G(z) = 4 + 1.25 z on 1-D normal noise: exactly the data's N(4, 1.25^2).
class AffineGenerator : public Generator {
 public:
  std::shared_ptr<nn::Linear> fc;
  explicit AffineGenerator(Rng& rng) : Generator("AffineGenerator") {
    noise_dim = 1;
    sample_shape = Shape{1};
    fc = register_module("fc", std::make_shared<nn::Linear>(1, 1, rng));
    fill_(fc->weight.mutable_value(), kGaussianStd);
    fill_(fc->bias.mutable_value(), kGaussianMean);
  }
  Variable generate(const Variable& z, const Tensor&) override { return fc->forward(z); }
};

RunConfig linear_critic_config(const std::string& loss) {
  RunConfig c = default_config("ring", loss);
  c.pack = 1;
  c.noise_dim = 4;
  c.g.hidden = 16;
  c.batch = 32;
  c.steps = 10;
  return c;
}

Run linear_critic_run(const RunConfig& c, double w0, double w1, double b) {
  return Run(c, [&](Rng& init) {
    return Networks{make_mlp_toy_generator(c.noise_dim, 2, c.g, init),
                    std::make_shared<LinearCritic>(w0, w1, b, init)};
  }, toy_source("ring"));
}

SafetensorsFile frame(const fs::path& dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%06lld.safetensors", static_cast<long long>(step));
  return load_safetensors((dir / name).string());
}

std::vector<std::string> files_of(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-(x - kGaussianMean) / (kGaussianStd * std::sqrt(2.0))); }
}  // namespace

TEST_CASE("a linear critic: every arrow is +w/N, ||grad_x D|| is ||w||, the surface is w.x + b", "[gan][viz]") {
  // G minimises L = -(1/N) sum_i f(x_i) (wgan, wgan-gp), so -dL/dx_i = +w / N for every fake x_i.
  const double w0 = 1.5, w1 = -2.0, b = 0.7;  // ||w|| = 2.5
  for (const char* loss : {"wgan", "wgan-gp"}) {
    TempDir dir(std::string("linear_") + loss);
    Run run = linear_critic_run(linear_critic_config(loss), w0, w1, b);
    viz::FrameRecorder recorder(run, dir.str(), {.every = 1, .points = 512, .surface = 16});
    SafetensorsFile f = frame(dir.path, 0);
    const Tensor& pull = f.get("pull");
    REQUIRE(pull.shape() == Shape{512, 2});
    const std::vector<double> p = pull.to_vector();
    for (size_t i = 0; i < p.size(); i += 2) {
      REQUIRE(p[i] == Approx(w0 / 512).epsilon(1e-6));
      REQUIRE(p[i + 1] == Approx(w1 / 512).epsilon(1e-6));
    }
    // The surface is f at the centres of a 16 x 16 grid over [-1.5, 1.5]^2, top row first.
    const std::vector<double> s = f.get("surface").to_vector();
    REQUIRE(f.get("surface").shape() == Shape{16, 16});
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 16; ++j) {
        const double x = -1.5 + 3.0 * (j + 0.5) / 16, y = 1.5 - 3.0 * (i + 0.5) / 16;
        REQUIRE(s[static_cast<size_t>(i * 16 + j)] == Approx(w0 * x + w1 * y + b).margin(1e-5));
      }
    if (std::string(loss) == "wgan-gp") {
      for (double g : f.get("grad_norm").to_vector()) REQUIRE(g == Approx(2.5).epsilon(1e-6));
    } else {
      CHECK_FALSE(f.contains("grad_norm"));  // no penalty: no map
    }
  }
}

TEST_CASE("frames recorded through the hooks follow D as it trains", "[gan][viz]") {
  TempDir dir("hooks");
  Run run = linear_critic_run(linear_critic_config("wgan-gp"), 1.5, -2.0, 0.7);
  auto recorder = viz::record_frames(run, dir.str(), {.every = 2, .points = 64, .surface = 8});
  for (int i = 0; i < 4; ++i) run.step();
  CHECK(files_of(dir.path) == std::vector<std::string>{"fixed.safetensors", "step_000000.safetensors",
                                                         "step_000002.safetensors", "step_000004.safetensors",
                                                         "view.json"});
  // At step 4 the critic has moved; the arrows follow its weights as they are now.
  const std::vector<double> w = run.discriminator().parameters()[0].value().to_vector();
  SafetensorsFile f = frame(dir.path, 4);
  const std::vector<double> p = f.get("pull").to_vector();
  for (size_t i = 0; i < p.size(); i += 2) {
    REQUIRE(p[i] == Approx(w[0] / 64).epsilon(1e-5));
    REQUIRE(p[i + 1] == Approx(w[1] / 64).epsilon(1e-5));
  }
  const double norm = std::hypot(w[0], w[1]);
  for (double g : f.get("grad_norm").to_vector()) REQUIRE(g == Approx(norm).epsilon(1e-5));
  // The step's own record: D's outputs on its batches, each layer's gradient norm.
  CHECK(f.get("d_real").numel() == 32);
  CHECK(f.get("grad_norm_d").shape() == Shape{1});  // one layer: fc
  CHECK(f.get("grad_norm_d").item() > 0);
  CHECK(f.get("grad_norm_g").numel() == 3);  // model.0, model.2, model.4
  CHECK_FALSE(frame(dir.path, 0).contains("grad_norm_d"));  // nothing trained yet at step 0
}

TEST_CASE("the recorded D surface is D on the grid (a trained MLP, sigmoid of its logit)", "[gan][viz]") {
  TempDir dir("surface");
  RunConfig c = default_config("ring", "");  // the preset: PacGAN m = 2, D scores x * 10
  c.steps = 20;
  c.batch = 64;
  Run run(c);
  auto recorder = viz::record_frames(run, dir.str(), {.every = 20, .surface = 12});
  while (!run.done()) run.step();
  const Tensor grid = viz::plane_grid(-1.5, 1.5, -1.5, 1.5, 12);
  Tensor expected;
  {
    NoGradGuard no_grad;  // D(x, x): a pack of two copies of each point
    expected = sigmoid(run.discriminator().score(Variable(cat(std::vector<Tensor>{grid, grid}, 1)), Tensor()).value());
  }
  const Tensor s = frame(dir.path, 20).get("surface");
  CHECK(allclose(s.reshape({144}), expected.reshape({144}), 1e-6, 1e-7));
  CHECK(amax(s).item() > amin(s).item());  // not a constant picture
}

TEST_CASE("the 1-D view of an identity G on N(4, 1.25^2) shows the data density", "[gan][viz]") {
  TempDir dir("line");
  RunConfig c = default_config("gaussian1d", "");
  c.noise = "normal";
  c.noise_dim = 1;
  Run run(c, [&](Rng& init) {
    return Networks{std::make_shared<AffineGenerator>(init), make_mlp_toy_discriminator(1, 1, c.d, init)};
  }, toy_source("gaussian1d"));
  viz::FrameRecorder recorder(run, dir.str(), {.every = 100, .bins = 50});
  SafetensorsFile f = frame(dir.path, 0);
  SafetensorsFile fixed = load_safetensors((dir.path / "fixed.safetensors").string());
  const std::vector<double> edges = fixed.get("edges").to_vector(), density = f.get("density").to_vector();
  REQUIRE(edges.size() == 51);
  const double n = static_cast<double>(run.fixed_noise().size(0));  // 5000 samples
  double chi2 = 0;
  for (size_t i = 0; i < density.size(); ++i) {
    const double w = edges[i + 1] - edges[i];
    const double p = normal_cdf(edges[i + 1]) - normal_cdf(edges[i]);  // the bin's data mass
    const double observed = density[i] * w;
    REQUIRE(std::abs(observed - p) <= 4.5 * std::sqrt(p * (1 - p) / n) + 1e-4);  // sampling error
    if (p > 0.005) chi2 += (observed - p) * (observed - p) * n / p;
  }
  CHECK(chi2 < 80);  // ~40 degrees of freedom: far below for samples of the data's own law
  // The data density drawn beside it is the pdf; the z -> x map is G itself.
  const std::vector<double> x = fixed.get("x").to_vector(), pdf = fixed.get("data_density").to_vector();
  for (size_t i = 0; i < x.size(); i += 17)
    CHECK(pdf[i] == Approx(std::exp(-0.5 * std::pow((x[i] - 4) / 1.25, 2)) / (1.25 * std::sqrt(2 * M_PI))).epsilon(1e-5));
  const std::vector<double> z = f.get("map_z").to_vector(), mx = f.get("map_x").to_vector();
  for (size_t i = 0; i < z.size(); ++i) CHECK(mx[i] == Approx(4 + 1.25 * z[i]).margin(1e-5));
}

TEST_CASE("recording frames changes nothing in training and repeats byte for byte", "[gan][viz]") {
  auto params = [](const Run& r) {
    std::vector<Tensor> out;
    for (const nn::Module* m : {static_cast<const nn::Module*>(&r.generator()), static_cast<const nn::Module*>(&r.discriminator())})
      for (const auto& p : m->parameters()) out.push_back(p.value().clone());
    return out;
  };
  RunConfig c = default_config("grid", "wgan-gp");
  c.batch = 32;
  c.d_steps = 2;
  c.steps = 6;
  TempDir a("repeat_a"), b("repeat_b");
  Run plain(c), ra(c), rb(c);
  auto fa = viz::record_frames(ra, a.str(), {.every = 2, .points = 64, .surface = 16});
  auto fb = viz::record_frames(rb, b.str(), {.every = 2, .points = 64, .surface = 16});
  for (int i = 0; i < 6; ++i) {
    StepStats s0 = plain.step(), s1 = ra.step();
    rb.step();
    REQUIRE(s0.d_loss == s1.d_loss);
    REQUIRE(s0.g_loss == s1.g_loss);
  }
  const auto p0 = params(plain), p1 = params(ra);
  for (size_t i = 0; i < p0.size(); ++i) REQUIRE(equal(p0[i], p1[i]));
  const auto names = files_of(a.path);
  REQUIRE(names == files_of(b.path));
  REQUIRE(names.size() == 6);  // view.json, fixed, steps 0, 2, 4, 6
  for (const auto& name : names) CHECK(read_file((a.path / name).string()) == read_file((b.path / name).string()));
}

TEST_CASE("layer gradient norms group a layer's parameters", "[gan][viz]") {
  Rng rng(1);
  LinearCritic d(1, 1, 0, rng);
  d.fc->weight.set_grad(Variable(from_vector(std::vector<float>{3, 4}, {1, 2})));
  d.fc->bias.set_grad(Variable(from_vector(std::vector<float>{12}, {1})));
  auto [names, norms] = viz::layer_grad_norms(d);
  REQUIRE(names == std::vector<std::string>{"fc"});
  CHECK(norms[0] == Approx(13));  // sqrt(3^2 + 4^2 + 12^2)
  d.fc->bias.zero_grad();
  CHECK(viz::layer_grad_norms(d).second[0] == Approx(5));  // a parameter without a gradient adds 0
}

TEST_CASE("frame views: noise grids, the plane grid, bad input", "[gan][viz]") {
  RunConfig c = default_config("ring", "");
  const Tensor z = viz::noise_grid(c, 3);  // 16-d normal noise: dims 0, 1 over [-2.5, 2.5]
  REQUIRE(z.shape() == Shape{9, 16});
  CHECK(z.at({0, 0}) == -2.5);
  CHECK(z.at({1, 1}) == 0.0);
  CHECK(z.at({8, 0}) == 2.5);
  CHECK(z.at({5, 7}) == 0.0);  // the others at the centre
  RunConfig u = default_config("gaussian1d", "");
  const Tensor line = viz::noise_line(u, 5);
  CHECK(line.shape() == Shape{5, 1});
  CHECK(line.at({4, 0}) == 1.0);
  const Tensor g = viz::plane_grid(0, 2, 0, 4, 2);  // cell centres, top row first
  CHECK(g.to_vector() == std::vector<double>{0.5, 3, 1.5, 3, 0.5, 1, 1.5, 1});
  CHECK_THROWS_WITH(viz::plane_grid(1, 0, 0, 1, 4), Catch::Contains("plane_grid: need m >= 1 and a non-empty box"));
  Run run(c, nullptr);  // the ring preset packs 2 samples for D
  CHECK_THROWS_WITH(viz::generator_pull(run, zeros({7, 2})), Catch::Contains("generator_pull: 7 samples cannot be packed 2 at a time"));
  CHECK_THROWS_WITH(viz::d_surface(run, zeros({4})), Catch::Contains("d_surface: expected points [N, ...], got [4]"));
  CHECK_THROWS_WITH(viz::FrameRecorder(run, "/proc/nash_cannot_write", {}), Catch::Contains("frames: cannot create directory"));
}
