// The report page of a run directory: one self-contained HTML page about a run — a player over
// its frames (gan/viz/frames.h), its metric curves, per-layer gradient norms, the graphs of one D
// and one G step (gan/viz/explain.h) when the directory holds them, its networks and its
// configuration. The page loads nothing: style and script are inline (gan/viz/report/*.css,
// *.js, compiled into the library), data is a JSON block, pictures are inline SVG or data: URIs,
// and a Content-Security-Policy forbids every request.
#pragma once
#include <string>

#include "tensor/io/json.h"

namespace nash::gan::viz {

// The page for the run directory `dir` (config.json required; metrics.csv, frames/ and the
// graphs are shown when present). Throws nash::Error when dir holds no run.
std::string report_html(const std::string& dir);

// The page's style and script: gan/viz/report/report.css and charts.js + player.js + app.js, made
// string constants by CMakeLists.txt (report_assets.cpp in the build tree).
const char* report_style();
const char* report_script();

// The parts of the page read from the run directory (gan/viz/report_sections.cpp).
std::string base64(const std::string& bytes);
std::string html_escape(const std::string& text);
// metrics.csv as {"step": [...], "d_loss": [...], ...}: at most max_points means over equal
// windows of steps; rows receives the number of well-formed rows.
std::string metrics_json(const std::string& csv_path, int64_t max_points, int64_t& rows);
// frames/: {"view": view.json, "fixed": base64, "frames": [{"step", "st", "png"}]} members.
std::string frames_json(const std::string& frames_dir);
// The graphs of one D and one G step (graph_d_step.svg/.dot, graph_g_step.svg/.dot, explain.txt).
std::string graphs_html(const std::string& run_dir);
// The configuration as a two-column table (nested objects flattened as "runtime.threads").
std::string config_table(const Json& config);

}  // namespace nash::gan::viz
