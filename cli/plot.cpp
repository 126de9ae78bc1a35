// Loss curves (SVG) and toy sample plots (PNG), drawn without a plotting library (see plot.h).
#include "cli/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>

#include "tensor/io/png.h"

namespace nash::cli {

namespace {
// ---- SVG loss curves ---------------------------------------------------------------------
struct Series {
  std::string name, color;
  std::vector<double> x, y;
};

// A "nice" tick step (1, 2 or 5 x 10^k) giving about `count` ticks over span.
double tick_step(double span, int count) {
  if (!(span > 0)) return 1;
  double raw = span / count, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// One panel: axes, ticks, labels, a legend and the series as polylines.
void panel(std::ostringstream& o, const std::vector<Series>& series, double top, double height,
           double width, const std::string& title, double x_max) {
  const double left = 70, right = width - 20, bottom = top + height;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (double v : s.y)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  const double xs = x_max > 0 ? x_max : 1;
  auto px = [&](double x) { return left + (right - left) * x / xs; };
  auto py = [&](double y) { return bottom - height * (y - lo) / (hi - lo); };

  o << "<text x=\"" << left << "\" y=\"" << top - 8 << "\" font-weight=\"bold\">" << title << "</text>\n";
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << right - left << "\" height=\""
    << height << "\" fill=\"none\" stroke=\"#888\"/>\n";
  const double ys = tick_step(hi - lo, 5);
  for (double t = std::ceil(lo / ys) * ys; t <= hi; t += ys) {
    o << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << py(t) << "\" y2=\"" << py(t)
      << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << py(t) + 4
      << "\" text-anchor=\"end\">" << fmt(t) << "</text>\n";
  }
  const double xt = tick_step(xs, 8);
  for (double t = 0; t <= xs + 1e-9; t += xt) {
    o << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << bottom << "\" y2=\""
      << bottom + 4 << "\" stroke=\"#888\"/><text x=\"" << px(t) << "\" y=\"" << bottom + 16
      << "\" text-anchor=\"middle\">" << fmt(t) << "</text>\n";
  }
  double lx = left + 10;
  for (const auto& s : series) {
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.2\" points=\"";
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) o << px(s.x[i]) << "," << py(s.y[i]) << " ";
    o << "\"/>\n<rect x=\"" << lx << "\" y=\"" << top + 8 << "\" width=\"12\" height=\"3\" fill=\""
      << s.color << "\"/><text x=\"" << lx + 16 << "\" y=\"" << top + 14 << "\">" << s.name << "</text>\n";
    lx += 20 + 8.0 * static_cast<double>(s.name.size()) + 16;
  }
}

// Bucket means of `value(row)` so at most ~600 points are drawn.
template <class F>
Series series(const std::vector<MetricsRow>& rows, const std::string& name, const std::string& color, F value) {
  Series s{name, color, {}, {}};
  const size_t n = rows.size(), per = std::max<size_t>(1, (n + 599) / 600);
  for (size_t i = 0; i < n; i += per) {
    double sx = 0, sy = 0;
    size_t m = std::min(per, n - i);
    for (size_t j = i; j < i + m; ++j) sx += static_cast<double>(rows[j].stats.step), sy += value(rows[j]);
    s.x.push_back(sx / m);
    s.y.push_back(sy / m);
  }
  return s;
}
}  // namespace

std::string loss_svg(const std::vector<MetricsRow>& rows, bool logit) {
  const double width = 900, height = 560;
  const bool w = !logit;
  const double x_max = rows.empty() ? 1 : static_cast<double>(rows.back().stats.step);
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << width << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  panel(o, {series(rows, w ? "critic loss" : "D loss", "#1f77b4", [](const MetricsRow& r) { return r.stats.d_loss; }),
            series(rows, "G loss", "#d62728", [](const MetricsRow& r) { return r.stats.g_loss; })},
        30, 210, width, "losses per G step", x_max);
  if (w) {
    panel(o, {series(rows, "Wasserstein estimate E f(x) - E f(G(z))", "#2ca02c",
                     [](const MetricsRow& r) { return r.stats.wasserstein; })},
          300, 210, width, "critic", x_max);
  } else {
    panel(o, {series(rows, "D(x)", "#2ca02c", [](const MetricsRow& r) { return r.stats.d_real; }),
              series(rows, "D(G(z))", "#ff7f0e", [](const MetricsRow& r) { return r.stats.d_fake; })},
          300, 210, width, "discriminator outputs", x_max);
  }
  o << "<text x=\"" << width / 2 << "\" y=\"" << height - 12 << "\" text-anchor=\"middle\">G step</text>\n";
  o << "</svg>\n";
  return o.str();
}

// ---- PNG plots ---------------------------------------------------------------------------
namespace {
struct Rgb {
  uint8_t r, g, b;
};

struct Canvas {
  int64_t w, h;
  std::vector<uint8_t> px;
  Canvas(int64_t width, int64_t height) : w(width), h(height), px(static_cast<size_t>(w * h * 3), 255) {}
  // Blends colour c over pixel (x, y) with opacity a.
  void put(int64_t x, int64_t y, Rgb c, double a = 1.0) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    uint8_t* p = &px[static_cast<size_t>((y * w + x) * 3)];
    const uint8_t v[3] = {c.r, c.g, c.b};
    for (int i = 0; i < 3; ++i) p[i] = static_cast<uint8_t>(std::lround(p[i] * (1 - a) + v[i] * a));
  }
  void fill(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c, double a = 1.0) {
    for (int64_t y = std::max<int64_t>(0, y0); y < std::min(h, y1); ++y)
      for (int64_t x = std::max<int64_t>(0, x0); x < std::min(w, x1); ++x) put(x, y, c, a);
  }
  void line(double x0, double y0, double x1, double y1, Rgb c) {
    const int64_t n = static_cast<int64_t>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int64_t i = 0; i <= n; ++i) {
      double t = static_cast<double>(i) / n;
      put(std::lround(x0 + t * (x1 - x0)), std::lround(y0 + t * (y1 - y0)), c);
    }
  }
  void ring(double cx, double cy, double radius, Rgb c) {
    const int steps = std::max(16, static_cast<int>(radius * 8));
    for (int i = 0; i < steps; ++i) {
      double t = 2 * std::numbers::pi * i / steps;
      put(std::lround(cx + radius * std::cos(t)), std::lround(cy + radius * std::sin(t)), c);
    }
  }
  void save(const std::string& path) const { write_png(path, px.data(), w, h, 3); }
};

constexpr Rgb kAxis{150, 150, 150}, kGrid{230, 230, 230}, kSample{31, 119, 180}, kTarget{214, 39, 40};

std::vector<double> column(const Tensor& samples, int64_t col) {
  Tensor c = samples.dim() == 1 ? samples : samples.select(1, col);
  return c.to(DType::Float64).contiguous().values<double>();
}
}  // namespace

void write_histogram_png(const std::string& path, const Tensor& samples, double mean, double std) {
  NASH_CHECK(samples.dim() == 1 || (samples.dim() == 2 && samples.size(1) == 1),
             "write_histogram_png: expected samples [n, 1] or [n], got ", samples.shape());
  const int64_t w = 480, h = 320, margin = 20, bins = 80;
  const double lo = mean - 5 * std, hi = mean + 5 * std, bin_width = (hi - lo) / bins;
  std::vector<double> x = column(samples, 0);
  std::vector<double> count(bins, 0.0);
  for (double v : x) {
    if (!(v >= lo && v < hi)) continue;
    count[static_cast<size_t>(std::min<int64_t>(bins - 1, static_cast<int64_t>((v - lo) / bin_width)))] += 1;
  }
  // Heights in density units; the plot's top is 1.3 x the target's peak density.
  const double n = std::max<double>(1, static_cast<double>(x.size()));
  const double peak = 1.0 / (std * std::sqrt(2 * std::numbers::pi)), top = 1.3 * peak;
  const double plot_h = static_cast<double>(h - 2 * margin), plot_w = static_cast<double>(w - 2 * margin);
  auto py = [&](double d) { return static_cast<double>(h - margin) - plot_h * std::min(d, top) / top; };
  Canvas c(w, h);
  for (int k = -5; k <= 5; ++k) {  // a faint line at every std from the mean
    double gx = margin + plot_w * (k + 5) / 10.0;
    c.line(gx, margin, gx, static_cast<double>(h - margin), kGrid);
  }
  for (int64_t b = 0; b < bins; ++b) {
    double d = count[static_cast<size_t>(b)] / (n * bin_width);
    int64_t x0 = margin + b * (w - 2 * margin) / bins, x1 = margin + (b + 1) * (w - 2 * margin) / bins;
    c.fill(x0, std::lround(py(d)), x1 - 1, h - margin, kSample, 0.8);
  }
  double prev_x = 0, prev_y = 0;
  for (int64_t i = 0; i <= 400; ++i) {
    double v = lo + (hi - lo) * i / 400.0, z = (v - mean) / std;
    double cx = margin + plot_w * i / 400.0, cy = py(peak * std::exp(-0.5 * z * z));
    if (i) c.line(prev_x, prev_y, cx, cy, kTarget);
    prev_x = cx, prev_y = cy;
  }
  c.line(margin, static_cast<double>(h - margin), static_cast<double>(w - margin), static_cast<double>(h - margin), kAxis);
  c.save(path);
}

void write_scatter_png(const std::string& path, const Tensor& samples, const gan::Mixture2d& mixture) {
  NASH_CHECK(samples.dim() == 2 && samples.size(1) == 2,
             "write_scatter_png: expected samples [n, 2], got ", samples.shape());
  double extent = 0;
  for (const auto& m : mixture.centres) extent = std::max({extent, std::abs(m[0]), std::abs(m[1])});
  const double r = extent <= 1.0 ? 1.5 : extent + 2.0;  // ring: 1.5, grid: 6
  const int64_t size = 480;
  auto to_px = [&](double v) { return (v + r) / (2 * r) * (size - 1); };
  auto to_py = [&](double v) { return (r - v) / (2 * r) * (size - 1); };
  Canvas c(size, size);
  const double grid = r <= 2 ? 0.5 : 1.0;
  for (double g = -std::floor(r / grid) * grid; g <= r; g += grid) {
    c.line(to_px(g), 0, to_px(g), size - 1, kGrid);
    c.line(0, to_py(g), size - 1, to_py(g), kGrid);
  }
  c.line(to_px(0), 0, to_px(0), size - 1, kAxis);
  c.line(0, to_py(0), size - 1, to_py(0), kAxis);
  std::vector<double> x = column(samples, 0), y = column(samples, 1);
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    int64_t cx = std::lround(to_px(x[i])), cy = std::lround(to_py(y[i]));
    c.fill(cx - 1, cy - 1, cx + 2, cy + 2, kSample, 0.35);
  }
  // Each mode: a red circle of radius 3 std (the "high quality" boundary), at least 4 pixels.
  const double radius = std::max(4.0, 3 * mixture.std / (2 * r) * (size - 1));
  for (const auto& m : mixture.centres) c.ring(to_px(m[0]), to_py(m[1]), radius, kTarget);
  c.save(path);
}

}  // namespace nash::cli
