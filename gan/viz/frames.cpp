// Recording frames through gan::Run's hooks (see frames.h). The forward and backward hooks keep
// what only the training step sees (D's outputs on its batches, each layer's gradients) when the
// step is a frame's step; the step hook then writes the frame with the views of views.h.
#include "gan/viz/frames.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "gan/data/toy.h"
#include "gan/seeds.h"
#include "gan/viz/views.h"
#include "tensor/io/file.h"
#include "tensor/io/json.h"
#include "tensor/io/png.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"

namespace nash::gan::viz {

namespace {
// The fixed real points' stream: apart from the run's own streams (gan/seeds.h), so recording
// frames draws nothing any training stream would have drawn.
constexpr uint64_t kFrameStream = 0x76697a;  // "viz"

double normal_pdf(double x, double mean, double std) {
  const double u = (x - mean) / std;
  return std::exp(-0.5 * u * u) / (std * std::sqrt(2 * M_PI));
}

// The layer a parameter belongs to: its dotted name without the last part ("model.0.weight" ->
// "model.0"); a parameter of the top module is its own layer.
std::string layer_of(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

Json names_json(const std::vector<std::string>& names) {
  Json a = Json::array();
  for (const auto& n : names) a.push_back(n);
  return a;
}

// Samples [N, 1] or [N] of a 1-D run as [N].
Tensor flat(const Tensor& x) { return x.reshape({x.numel()}).contiguous(); }

// A density histogram over edges [B + 1] (equal widths): count / (N * width) per bin.
Tensor density_histogram(const Tensor& samples, double x0, double x1, int64_t bins) {
  std::vector<float> h(static_cast<size_t>(bins), 0.f);
  const std::vector<double> v = samples.to_vector();
  const double width = (x1 - x0) / static_cast<double>(bins);
  for (double x : v) {
    if (!(x >= x0 && x < x1)) continue;  // outside the view (or NaN)
    const auto b = std::min<int64_t>(bins - 1, static_cast<int64_t>((x - x0) / width));
    h[static_cast<size_t>(b)] += 1.f;
  }
  const double scale = 1.0 / (static_cast<double>(v.size()) * width);
  for (auto& c : h) c = static_cast<float>(c * scale);
  return from_vector(h, {bins});
}

// D's outputs on a training batch as the player shows them: probabilities for logits.
Tensor outputs(const Run& run, const Variable& out) {
  Tensor v = flat(out.value());
  return run.objective().logit ? sigmoid(v) : v.clone();
}
}  // namespace

std::string view_kind(const RunConfig& c) {
  if (!c.toy()) return "image";
  return ToyData(c.data).dim() == 1 ? "line" : "plane";
}

std::vector<double> view_box(const RunConfig& c) {
  NASH_CHECK(c.toy(), "view_box: ", c.data, " is not a toy data set");
  ToyData data(c.data);
  if (data.dim() == 1)  // N(4, 1.25^2): 5 standard deviations either side
    return {kGaussianMean - 5 * kGaussianStd, kGaussianMean + 5 * kGaussianStd};
  const Mixture2d& mix = data.mixture();
  double lo = 1e300, hi = -1e300;
  for (const auto& centre : mix.centres)
    for (double v : centre) lo = std::min(lo, v), hi = std::max(hi, v);
  const double margin = std::max((hi - lo) / 4, 4 * mix.std);  // ring: [-1.5, 1.5], grid: [-6, 6]
  return {lo - margin, hi + margin, lo - margin, hi + margin};
}

std::pair<std::vector<std::string>, std::vector<double>> layer_grad_norms(const nn::Module& m) {
  std::vector<std::string> names;
  std::vector<double> sums;
  for (const auto& [name, p] : m.named_parameters()) {
    const std::string layer = layer_of(name);
    if (names.empty() || names.back() != layer) {
      names.push_back(layer);
      sums.push_back(0);
    }
    if (p.grad().defined()) sums.back() += sum(square(p.grad().value())).item();
  }
  for (auto& s : sums) s = std::sqrt(s);
  return {names, sums};
}

FrameRecorder::FrameRecorder(Run& run, std::string dir, FrameOptions options)
    : dir_(std::move(dir)), options_(options) {
  const RunConfig& c = run.config();
  NASH_CHECK(options_.every >= 1 && options_.points >= 1 && options_.surface >= 2 &&
                 options_.manifold >= 2 && options_.bins >= 1,
             "frames: every, points and bins must be >= 1 and surface, manifold >= 2");
  kind_ = view_kind(c);
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  NASH_CHECK(!ec && std::filesystem::is_directory(dir_), "frames: cannot create directory '", dir_,
             "': ", ec.message());
  layers_g_ = layer_grad_norms(run.generator()).first;
  layers_d_ = layer_grad_norms(run.discriminator()).first;

  Json view = Json::object();
  view["view"] = kind_;
  view["data"] = c.data;
  view["every"] = options_.every;
  view["steps"] = c.steps;
  view["objective"] = run.objective().name;
  view["logit"] = run.objective().logit;
  view["penalty"] = static_cast<bool>(run.objective().penalty);
  view["d_formula"] = run.objective().d_formula;
  view["g_formula"] = run.objective().g_formula;
  view["pack"] = c.pack;
  view["noise"] = c.noise;
  view["noise_dim"] = c.noise_dim;
  view["noise_range"] = Json::array({noise_range(c).first, noise_range(c).second});
  view["layers_g"] = names_json(layers_g_);
  view["layers_d"] = names_json(layers_d_);

  std::vector<std::pair<std::string, Tensor>> fixed;
  if (kind_ != "image") {
    box_ = view_box(c);
    Json box = Json::array();
    for (double b : box_) box.push_back(b);
    view["box"] = box;
    const int64_t pack = c.pack;
    const int64_t p = std::min(options_.points, run.fixed_noise().size(0)) / pack * pack;
    NASH_CHECK(p >= 1, "frames: fewer fixed noise rows than the packing ", pack);
    view["points"] = p;
    view["surface"] = options_.surface;
    view["manifold"] = options_.manifold;
    z_fixed_ = run.fixed_noise().narrow(0, 0, p);
    Rng real_rng(stream_seed(c.seed, static_cast<Stream>(kFrameStream)));
    Tensor real = ToyData(c.data).sample(p, real_rng);
    if (kind_ == "plane") {
      fixed.emplace_back("real", real);
      surface_points_ = plane_grid(box_[0], box_[1], box_[2], box_[3], options_.surface);
      z_grid_ = noise_grid(c, options_.manifold);
    } else {
      const int64_t k = 4 * options_.surface;
      view["bins"] = options_.bins;
      fixed.emplace_back("real", flat(real));
      x_line_ = linspace(box_[0], box_[1], k);
      std::vector<float> pdf;
      for (double x : x_line_.to_vector()) pdf.push_back(static_cast<float>(normal_pdf(x, kGaussianMean, kGaussianStd)));
      fixed.emplace_back("x", x_line_);
      fixed.emplace_back("data_density", from_vector(pdf, {k}));
      fixed.emplace_back("edges", linspace(box_[0], box_[1], options_.bins + 1));
      surface_points_ = x_line_.reshape({k, 1});
      z_grid_ = noise_line(c, options_.manifold);
    }
  }
  write_file_atomic(dir_ + "/view.json", to_json(view, 2) + "\n");
  save_safetensors(dir_ + "/fixed.safetensors", fixed, {{"view", kind_}});
  if (run.steps_done() == 0) record(run, 0);
}

std::string FrameRecorder::frame_path(int64_t step, const char* ext) const {
  char name[64];
  std::snprintf(name, sizeof name, "/step_%06lld.%s", static_cast<long long>(step), ext);
  return dir_ + name;
}

void FrameRecorder::on_forward(Run& run, Run::Phase phase, const Variable& real_out, const Variable& fake_out) {
  if (phase != Run::Phase::D || !records(run.steps_done() + 1, run.config().steps)) return;
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [](const auto& t) { return t.first == "d_real" || t.first == "d_fake"; }),
                 pending_.end());  // several D steps: the last one's batches
  pending_.emplace_back("d_real", outputs(run, real_out));
  pending_.emplace_back("d_fake", outputs(run, fake_out));
}

void FrameRecorder::on_backward(Run& run, Run::Phase phase, const std::vector<Variable>&) {
  if (!records(run.steps_done() + 1, run.config().steps)) return;
  const char* key = phase == Run::Phase::G ? "grad_norm_g" : "grad_norm_d";
  auto norms = layer_grad_norms(phase == Run::Phase::G ? static_cast<nn::Module&>(run.generator())
                                                       : static_cast<nn::Module&>(run.discriminator()));
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [&](const auto& t) { return t.first == key; }),
                 pending_.end());
  pending_.emplace_back(key, from_vector(norms.second, {static_cast<int64_t>(norms.second.size())}).to(DType::Float32));
}

void FrameRecorder::on_step(Run& run, const StepStats& stats) {
  if (records(stats.step, run.config().steps)) record(run, stats.step);
}

void FrameRecorder::record(Run& run, int64_t step) {
  std::vector<std::pair<std::string, Tensor>> t = std::move(pending_);
  pending_.clear();
  if (kind_ == "image") {
    const Tensor images = generate(run, run.fixed_noise(), run.fixed_labels());
    const int64_t n = images.size(0), k = run.config().num_classes;
    const int64_t per_row = run.config().conditional() ? n / k
                                                       : static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    write_image_grid(frame_path(step, "png"), images, per_row);
  } else {
    const Tensor fake = generate(run, z_fixed_);
    const Tensor pull = generator_pull(run, fake);
    const Tensor surface = d_surface(run, surface_points_);
    const Tensor manifold = generate(run, z_grid_);
    if (kind_ == "plane") {
      const int64_t s = options_.surface, m = options_.manifold;
      t.emplace_back("fake", fake);
      t.emplace_back("pull", pull);
      t.emplace_back("surface", surface.reshape({s, s}));
      t.emplace_back("manifold", manifold.reshape({m, manifold.size(0) / m, 2}));
      if (run.objective().penalty) t.emplace_back("grad_norm", d_grad_norm(run, surface_points_).reshape({s, s}));
    } else {
      t.emplace_back("fake", flat(fake));
      t.emplace_back("pull", flat(pull));
      t.emplace_back("surface", surface);
      t.emplace_back("density", density_histogram(generate(run, run.fixed_noise()), box_[0], box_[1], options_.bins));
      t.emplace_back("map_z", flat(z_grid_.narrow(1, 0, 1)));
      t.emplace_back("map_x", flat(manifold));
    }
  }
  save_safetensors(frame_path(step), t, {{"step", std::to_string(step)}});
}

std::shared_ptr<FrameRecorder> record_frames(Run& run, const std::string& dir, FrameOptions options) {
  if (options.every <= 0) return nullptr;
  auto r = std::make_shared<FrameRecorder>(run, dir, options);
  run.on_forward([r](Run& run, Run::Phase phase, const Variable& real_out, const Variable& fake_out) {
    r->on_forward(run, phase, real_out, fake_out);
  });
  run.on_backward([r](Run& run, Run::Phase phase, const std::vector<Variable>& params) {
    r->on_backward(run, phase, params);
  });
  run.on_step([r](Run& run, const StepStats& stats) { r->on_step(run, stats); });
  return r;
}

}  // namespace nash::gan::viz
