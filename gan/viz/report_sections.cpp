// The parts of `nash report`'s page read from a run directory (see report_page.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gan/viz/report_page.h"
#include "gan/run_dir.h"
#include "tensor/error.h"
#include "tensor/io/file.h"

namespace nash::gan::viz {

namespace fs = std::filesystem;

std::string base64(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// (step, file) of frames/step_<N>.<ext>, by step.
std::vector<std::pair<int64_t, std::string>> frame_files(const std::string& dir, const std::string& ext) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    long long step = 0;
    int used = 0;
    if (name.rfind("step_", 0) == 0 && std::sscanf(name.c_str(), "step_%lld%n", &step, &used) == 1 &&
        name.substr(static_cast<size_t>(used)) == "." + ext)
      out.emplace_back(step, e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::string metrics_json(const std::string& csv_path, int64_t max_points, int64_t& rows) {
  std::vector<gan::MetricsRow> all;
  if (fs::is_regular_file(csv_path)) {
    std::ifstream in(csv_path);
    for (std::string line; std::getline(in, line);) {
      gan::MetricsRow r;
      if (gan::parse_metrics_line(line, r)) all.push_back(r);
    }
  }
  rows = static_cast<int64_t>(all.size());
  const char* keys[] = {"step", "d_loss", "g_loss", "d_real", "d_fake", "wasserstein", "penalty",
                        "penalty_norm", "clipped_fraction", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g", "seconds"};
  auto field = [](const gan::MetricsRow& r, int k) -> double {
    const gan::StepStats& s = r.stats;
    const double v[] = {static_cast<double>(s.step), s.d_loss, s.g_loss, s.d_real, s.d_fake, s.wasserstein,
                        s.penalty, s.penalty_norm, s.clipped_fraction, s.grad_norm_d, s.grad_norm_g,
                        r.lr_d, r.lr_g, r.seconds};
    return v[k];
  };
  const int64_t n = rows, windows = std::min<int64_t>(n, max_points);
  std::ostringstream o;
  o << "{";
  for (int k = 0; k < 14; ++k) {
    o << (k ? "," : "") << "\"" << keys[k] << "\":[";
    for (int64_t w = 0; w < windows; ++w) {
      const int64_t a = w * n / windows, b = (w + 1) * n / windows;  // rows [a, b) of window w
      double total = 0;
      for (int64_t i = a; i < b; ++i) total += field(all[static_cast<size_t>(i)], k);
      // A window is labelled with its last step; its values are the window's means.
      const double v = k == 0 ? field(all[static_cast<size_t>(b - 1)], 0) : total / static_cast<double>(b - a);
      o << (w ? "," : "") << number(v);
    }
    o << "]";
  }
  o << "}";
  return o.str();
}

std::string frames_json(const std::string& dir) {
  std::ostringstream o;
  if (!fs::is_regular_file(dir + "/view.json")) {
    o << "\"view\":null,\"fixed\":null,\"frames\":[]";
    return o.str();
  }
  Json view = parse_json(read_file(dir + "/view.json"));
  o << "\"view\":" << to_json(view) << ",\"fixed\":\"" << base64(read_file(dir + "/fixed.safetensors")) << "\"";
  std::vector<std::pair<int64_t, std::string>> tensors = frame_files(dir, "safetensors"), pngs = frame_files(dir, "png");
  o << ",\"frames\":[";
  bool first = true;
  for (const auto& [step, path] : tensors) {
    o << (first ? "" : ",") << "{\"step\":" << step << ",\"st\":\"" << base64(read_file(path)) << "\"";
    for (const auto& [png_step, png] : pngs)
      if (png_step == step) o << ",\"png\":\"data:image/png;base64," << base64(read_file(png)) << "\"";
    o << "}";
    first = false;
  }
  o << "]";
  return o.str();
}

std::string graphs_html(const std::string& run_dir) {
  std::ostringstream o;
  bool any = false;
  const std::pair<const char*, const char*> graphs[] = {
      {"graph_d_step", "D's step: the fake batch is detached, so no gradient reaches G"},
      {"graph_g_step", "G's step: D's parameters are frozen, so only G's parameters receive gradients"}};
  if (fs::is_regular_file(run_dir + "/explain.txt"))
    o << "<pre>" << html_escape(read_file(run_dir + "/explain.txt")) << "</pre>\n";
  for (const auto& [name, caption] : graphs) {
    const std::string svg = run_dir + "/" + name + ".svg", dot = run_dir + "/" + name + ".dot";
    if (fs::is_regular_file(svg)) {
      std::string text = read_file(svg);
      const auto start = text.find("<svg");  // drop the XML prologue and DOCTYPE
      NASH_CHECK(start != std::string::npos, svg, ": not an SVG file");
      o << "<h3>" << html_escape(caption) << "</h3>\n<div class=\"graph\">" << text.substr(start) << "</div>\n";
      any = true;
    } else if (fs::is_regular_file(dot)) {
      o << "<h3>" << html_escape(caption) << " (DOT; install Graphviz and rerun nash explain for a drawing)</h3>\n"
        << "<pre class=\"graph\">" << html_escape(read_file(dot)) << "</pre>\n";
      any = true;
    }
  }
  if (!any)
    o << "<p>No graphs here yet: <code>nash explain --model MODEL --out " << html_escape(run_dir)
      << "</code> draws one D step and one G step as the graphs backprop walks.</p>\n";
  return o.str();
}

namespace {
void flatten_into(const Json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, value] : j.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) flatten_into(value, name, out);
    else out.emplace_back(name, value.is_string() ? value.as_string() : to_json(value));
  }
}
}  // namespace

std::string config_table(const Json& config) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten_into(config, "", rows);
  std::ostringstream o;
  o << "<table><tr><th>setting</th><th>value</th></tr>\n";
  for (const auto& [k, v] : rows) o << "<tr><td><code>" << html_escape(k) << "</code></td><td>" << html_escape(v) << "</td></tr>\n";
  o << "</table>\n";
  return o.str();
}

}  // namespace nash::gan::viz
