// The run's charts as SVG (see charts.h).
#include "gan/viz/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <sstream>

#include "gan/data/toy.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"

namespace nash::gan::viz {

namespace {
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

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

void begin(std::ostringstream& o, double width, double height, const std::string& title) {
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << width << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">"
    << escaped(title) << "</text>\n";
}

// A plot area: the data box, ticks with numbers on both axes, axis labels and a subtitle.
struct Axes {
  double left, top, width, height, x_lo, x_hi, y_lo, y_hi;
  double px(double x) const { return left + width * (x - x_lo) / (x_hi - x_lo); }
  double py(double y) const { return top + height - height * (y - y_lo) / (y_hi - y_lo); }

  void draw(std::ostringstream& o, const std::string& subtitle, const std::string& x_label,
            const std::string& y_label) const {
    const double bottom = top + height, right = left + width;
    o << "<text x=\"" << left << "\" y=\"" << top - 8 << "\" font-weight=\"bold\">" << escaped(subtitle) << "</text>\n";
    o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << width << "\" height=\"" << height
      << "\" fill=\"none\" stroke=\"#888\"/>\n";
    const double ys = tick_step(y_hi - y_lo, 5);
    for (double t = std::ceil(y_lo / ys) * ys; t <= y_hi + 1e-12; t += ys)
      o << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << py(t) << "\" y2=\"" << py(t)
        << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << py(t) + 4
        << "\" text-anchor=\"end\">" << fmt(t) << "</text>\n";
    const double xs = tick_step(x_hi - x_lo, 8);
    for (double t = std::ceil(x_lo / xs) * xs; t <= x_hi + 1e-12; t += xs)
      o << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << bottom << "\" y2=\"" << bottom + 4
        << "\" stroke=\"#888\"/><text x=\"" << px(t) << "\" y=\"" << bottom + 16
        << "\" text-anchor=\"middle\">" << fmt(t) << "</text>\n";
    o << "<text x=\"" << left + width / 2 << "\" y=\"" << bottom + 32 << "\" text-anchor=\"middle\">"
      << escaped(x_label) << "</text>\n";
    o << "<text transform=\"translate(" << left - 48 << "," << top + height / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escaped(y_label) << "</text>\n";
  }

  // The legend to the right of the data box: a swatch and a name per entry.
  void legend(std::ostringstream& o, const std::vector<std::pair<std::string, std::string>>& entries) const {
    double y = top + 10;
    for (const auto& [name, color] : entries) {
      o << "<rect x=\"" << left + width + 14 << "\" y=\"" << y - 7 << "\" width=\"12\" height=\"8\" fill=\""
        << color << "\"/><text x=\"" << left + width + 32 << "\" y=\"" << y << "\">" << escaped(name) << "</text>\n";
      y += 18;
    }
  }
};

Axes axes_for(const std::vector<Series>& series, double left, double top, double width, double height,
              double x_max, std::vector<double> marks = {}) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (double v : s.y)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  for (double m : marks) lo = std::min(lo, m), hi = std::max(hi, m);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double pad = 0.05 * (hi - lo);
  return Axes{left, top, width, height, 0, x_max > 0 ? x_max : 1, lo - pad, hi + pad};
}

void curves(std::ostringstream& o, const Axes& a, const std::vector<Series>& series) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& s : series) {
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.2\" points=\"";
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) o << a.px(s.x[i]) << "," << a.py(s.y[i]) << " ";
    o << "\"/>\n";
    entries.emplace_back(s.name, s.color);
  }
  a.legend(o, entries);
}

// A dashed horizontal line at y with its name (an equilibrium value).
void mark(std::ostringstream& o, const Axes& a, double y, const std::string& name) {
  o << "<line x1=\"" << a.left << "\" x2=\"" << a.left + a.width << "\" y1=\"" << a.py(y) << "\" y2=\""
    << a.py(y) << "\" stroke=\"#555\" stroke-dasharray=\"4 3\"/><text x=\"" << a.left + a.width - 4
    << "\" y=\"" << a.py(y) - 3 << "\" text-anchor=\"end\" fill=\"#555\">" << escaped(name) << "</text>\n";
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

std::vector<double> values(const Tensor& t) { return t.to(DType::Float64).contiguous().values<double>(); }

constexpr const char* kReal = "#1f77b4";  // real data: blue
constexpr const char* kFake = "#d62728";  // G's samples: red

std::string base64(const std::vector<uint8_t>& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t v = (uint32_t(bytes[i]) << 16) | (i + 1 < bytes.size() ? uint32_t(bytes[i + 1]) << 8 : 0) |
                       (i + 2 < bytes.size() ? uint32_t(bytes[i + 2]) : 0);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[v & 63] : '=';
  }
  return out;
}
}  // namespace

std::string loss_svg(const std::vector<MetricsRow>& rows, bool logit, const std::string& title) {
  const double width = 900, height = 600, left = 70, plot_w = 620;
  const double x_max = rows.empty() ? 1 : static_cast<double>(rows.back().stats.step);
  std::ostringstream o;
  begin(o, width, height, title);
  std::vector<Series> losses{
      series(rows, logit ? "D loss" : "critic loss", "#1f77b4", [](const MetricsRow& r) { return r.stats.d_loss; }),
      series(rows, "G loss", "#d62728", [](const MetricsRow& r) { return r.stats.g_loss; })};
  // The minimax game's value at equilibrium: D(x) = D(G(z)) = 1/2 gives D's loss log 4.
  const std::vector<double> value_marks = logit ? std::vector<double>{std::log(4.0)} : std::vector<double>{};
  Axes top = axes_for(losses, left, 50, plot_w, 200, x_max, value_marks);
  top.draw(o, "losses per G step", "G step", "loss");
  if (logit) mark(o, top, std::log(4.0), "log 4");
  curves(o, top, losses);
  std::vector<Series> outputs;
  if (logit) {
    outputs = {series(rows, "D(x)", "#2ca02c", [](const MetricsRow& r) { return r.stats.d_real; }),
               series(rows, "D(G(z))", "#ff7f0e", [](const MetricsRow& r) { return r.stats.d_fake; })};
  } else {
    outputs = {series(rows, "E f(x) - E f(G(z))", "#2ca02c", [](const MetricsRow& r) { return r.stats.wasserstein; })};
  }
  Axes bottom = axes_for(outputs, left, 330, plot_w, 200, x_max, logit ? std::vector<double>{0, 1} : std::vector<double>{});
  bottom.draw(o, logit ? "discriminator outputs (probabilities)" : "critic: Wasserstein estimate", "G step",
              logit ? "mean D" : "estimate");
  if (logit) mark(o, bottom, 0.5, "1/2");
  curves(o, bottom, outputs);
  o << "</svg>\n";
  return o.str();
}

std::string toy_svg(const Tensor& samples, const std::string& data_name, const std::string& title) {
  gan::ToyData data(data_name);
  Rng rng(0);  // the same real samples in every frame
  const Tensor real = data.sample(samples.size(0), rng);
  std::ostringstream o;
  if (data.dim() == 1) {
    const double mean = gan::kGaussianMean, sd = gan::kGaussianStd, lo = mean - 5 * sd, hi = mean + 5 * sd;
    const int bins = 60;
    auto histogram = [&](const Tensor& t) {
      std::vector<double> h(bins, 0.0);
      const std::vector<double> v = values(t);
      for (double x : v) {
        const int b = static_cast<int>(std::floor((x - lo) / (hi - lo) * bins));
        if (b >= 0 && b < bins) h[static_cast<size_t>(b)] += 1.0 / (static_cast<double>(v.size()) * (hi - lo) / bins);
      }
      return h;
    };
    const std::vector<double> hf = histogram(samples), hr = histogram(real);
    const double peak = 1.0 / (sd * std::sqrt(2 * std::numbers::pi));
    double y_hi = 1.3 * peak;
    for (double v : hf) y_hi = std::max(y_hi, 1.05 * v);
    begin(o, 640, 380, title);
    Axes a{70, 50, 420, 270, lo, hi, 0, y_hi};
    a.draw(o, "G's samples against N(4, 1.25^2)", "x", "density");
    const double w = a.width / bins;
    for (int b = 0; b < bins; ++b) {
      const double x0 = a.px(lo + (hi - lo) * b / bins);
      o << "<rect x=\"" << x0 << "\" y=\"" << a.py(hr[b]) << "\" width=\"" << w << "\" height=\""
        << a.py(0) - a.py(hr[b]) << "\" fill=\"" << kReal << "\" fill-opacity=\"0.35\"/>\n";
      o << "<rect x=\"" << x0 << "\" y=\"" << a.py(hf[b]) << "\" width=\"" << w << "\" height=\""
        << a.py(0) - a.py(hf[b]) << "\" fill=\"" << kFake << "\" fill-opacity=\"0.45\"/>\n";
    }
    o << "<polyline fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\" points=\"";
    for (int i = 0; i <= 200; ++i) {
      const double x = lo + (hi - lo) * i / 200, z = (x - mean) / sd;
      o << a.px(x) << "," << a.py(peak * std::exp(-0.5 * z * z)) << " ";
    }
    o << "\"/>\n";
    a.legend(o, {{"G's samples", kFake}, {"real samples", kReal}, {"target density", "#000"}});
  } else {
    const double r = data_name == "ring" ? 1.5 : 6.0;
    begin(o, 640, 560, title);
    Axes a{70, 50, 440, 440, -r, r, -r, r};
    a.draw(o, "G's samples over real samples", "x1", "x2");
    auto dots = [&](const Tensor& t, const char* color) {
      const std::vector<double> v = values(t);
      for (size_t i = 0; i + 1 < v.size(); i += 2)
        if (std::abs(v[i]) <= r && std::abs(v[i + 1]) <= r)
          o << "<circle cx=\"" << a.px(v[i]) << "\" cy=\"" << a.py(v[i + 1]) << "\" r=\"1.3\" fill=\"" << color
            << "\" fill-opacity=\"0.5\"/>";
      o << "\n";
    };
    dots(real, kReal);
    dots(samples, kFake);
    for (const auto& m : data.mixture().centres)
      o << "<circle cx=\"" << a.px(m[0]) << "\" cy=\"" << a.py(m[1]) << "\" r=\"5\" fill=\"none\" stroke=\"#000\"/>";
    o << "\n";
    a.legend(o, {{"G's samples", kFake}, {"real samples", kReal}, {"mixture centres", "#000"}});
  }
  o << "</svg>\n";
  return o.str();
}

std::string grid_svg(const Tensor& images, int64_t per_row, const std::vector<std::string>& row_labels,
                     const std::string& title) {
  int64_t w = 0, h = 0;
  int channels = 0;
  const std::vector<uint8_t> pixels = image_grid_pixels(images, per_row, 2, w, h, channels);
  const std::string encoded = encode_png(pixels.data(), w, h, channels);
  const std::vector<uint8_t> png(encoded.begin(), encoded.end());
  const double scale = 2, label_w = 110, top = 40;
  std::ostringstream o;
  begin(o, label_w + scale * w + 20, top + scale * h + 20, title);
  o << "<image x=\"" << label_w << "\" y=\"" << top << "\" width=\"" << scale * w << "\" height=\"" << scale * h
    << "\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64," << base64(png) << "\"/>\n";
  const int64_t rows = (images.size(0) + per_row - 1) / per_row;
  const double tile = scale * (static_cast<double>(h) - 2) / static_cast<double>(rows);
  for (int64_t r = 0; r < rows && r < static_cast<int64_t>(row_labels.size()); ++r)
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << top + scale * 2 + tile * (static_cast<double>(r) + 0.5) + 4
      << "\" text-anchor=\"end\">" << escaped(row_labels[static_cast<size_t>(r)]) << "</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace nash::gan::viz
