// `nash report`: one self-contained HTML page about a run directory — a player over its frames
// (gan/viz/frames.h), its metric curves, per-layer gradient norms, the graphs `nash explain`
// wrote there, its networks and its configuration. The page loads nothing: style and script are
// inline (cli/report/*.css, *.js, compiled into the program), data is a JSON block, pictures are
// inline SVG or data: URIs, and a Content-Security-Policy forbids every request.
#pragma once
#include <string>

#include "tensor/io/json.h"

namespace nash::cli {

// The page's style and script: cli/report/report.css and charts.js + player.js + app.js, made
// string constants by cli/CMakeLists.txt (report_assets.cpp in the build tree).
const char* report_style();
const char* report_script();

// The parts of the page read from the run directory (cli/report_sections.cpp).
std::string base64(const std::string& bytes);
std::string html_escape(const std::string& text);
// metrics.csv as {"step": [...], "d_loss": [...], ...}: at most max_points means over equal
// windows of steps; rows receives the number of well-formed rows.
std::string metrics_json(const std::string& csv_path, int64_t max_points, int64_t& rows);
// frames/: {"view": view.json, "fixed": base64, "frames": [{"step", "st", "png"}]} members.
std::string frames_json(const std::string& frames_dir);
// The graphs nash explain wrote (graph_d_step.svg/.dot, graph_g_step.svg/.dot, explain.txt).
std::string graphs_html(const std::string& run_dir);
// The configuration as a two-column table (nested objects flattened as "runtime.threads").
std::string config_table(const Json& config);

}  // namespace nash::cli
