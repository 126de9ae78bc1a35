// nash report --run DIR: writes DIR/report.html (see report.h), one file with everything in it.
#include "cli/report.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "gan/run.h"
#include "tensor/io/file.h"

namespace nash::cli {

namespace {
namespace fs = std::filesystem;

const std::vector<Flag>& report_flags() {
  static const std::vector<Flag> flags = {
      {"run", "RUN_DIR", "the run directory (config.json, metrics.csv, frames/, graphs)"},
      {"out", "FILE", "where to write the page (default RUN_DIR/report.html)"},
      {"help", "", "print this help"},
  };
  return flags;
}

const char* kSynopsis = "nash report --run RUN_DIR [--out FILE]";
const char* kDescription =
    "Writes one self-contained HTML page about a run: a player over the frames nash train\n"
    "recorded (--viz-every; toy data every 100 steps) with D's surface, G's samples, G's manifold\n"
    "and the gradient G's loss sends to each sample, layer by layer; the loss curves with their\n"
    "equilibrium values; per-layer gradient norms; the graphs of nash explain when the directory\n"
    "holds them; the networks and the configuration. The page makes no network request.";

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// One row per module that owns parameters or has no children (activations), in order.
void layer_rows(const nn::Module& m, const std::string& path, std::ostringstream& o) {
  const auto own = m.named_parameters(/*recurse=*/false);
  const auto children = m.named_children();
  if (!own.empty() || children.empty()) {
    int64_t count = 0;
    std::string params;
    for (const auto& [name, p] : own) {
      count += p.numel();
      params += (params.empty() ? "" : ", ") + name + " " + shape_text(p.shape());
    }
    o << "<tr><td><code>" << html_escape(path) << "</code></td><td>" << html_escape(m.type_name()) << "</td><td>"
      << html_escape(m.extra_repr()) << "</td><td>" << html_escape(params) << "</td><td class=\"n\">" << count
      << "</td></tr>\n";
  }
  for (const auto& [name, child] : children) layer_rows(*child, path + "." + name, o);
}

std::string network_table(const std::string& title, const nn::Module& m, const std::string& root) {
  std::ostringstream o;
  o << "<h3>" << html_escape(title) << ": " << m.num_parameters() << " parameters</h3>\n"
    << "<table><tr><th>layer</th><th>type</th><th>options</th><th>parameters</th><th>count</th></tr>\n";
  layer_rows(m, root, o);
  o << "</table>\n<details><summary>" << html_escape(root) << " as printed</summary><pre>" << html_escape(m.repr())
    << "</pre></details>\n";
  return o.str();
}

// The page's data block is JSON inside <script>: "</" may not appear in it.
std::string script_safe(std::string json) {
  for (size_t i = 0; (i = json.find("</", i)) != std::string::npos; i += 3) json.replace(i, 2, "<\\/");
  return json;
}
}  // namespace

int report_command(int argc, char** argv, int first) {
  Args a = parse_args("report", report_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(kSynopsis, kDescription, report_flags()).c_str());
    return 0;
  }
  if (!a.has("run")) throw UsageError("--run RUN_DIR is required");
  const std::string dir = a.get_string("run", "");
  NASH_CHECK(fs::is_directory(dir), "--run ", dir, ": no such directory");
  NASH_CHECK(fs::is_regular_file(dir + "/config.json"), "--run ", dir,
             ": no config.json in it (not a run directory written by nash train)");
  const std::string out = a.get_string("out", dir + "/report.html");

  const Json config_json = parse_json(read_file(dir + "/config.json"));
  gan::RunConfig config = gan::config_from_json(config_json);
  gan::Run run(config, nullptr);  // the networks' shapes and the objective; no data needed
  const gan::Objective& obj = run.objective();
  int64_t rows = 0;
  const std::string metrics = metrics_json(dir + "/metrics.csv", 1000, rows);

  std::ostringstream data;
  data << "{\"metrics\":" << metrics << ",\"rows\":" << rows << ",\"objective\":{\"name\":" << to_json(Json(obj.name))
       << ",\"logit\":" << (obj.logit ? "true" : "false") << ",\"penalty\":" << (obj.penalty ? "true" : "false")
       << ",\"wasserstein\":" << (obj.name == "wgan" || obj.name == "wgan-gp" ? "true" : "false") << "},"
       << frames_json(dir + "/frames") << "}";

  const std::string title = "nash report: " + config.data + ", " + config.model + " (" + obj.name + ")";
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
       "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    << "<title>" << html_escape(title) << "</title>\n<style>\n" << report_style() << "</style>\n"
    << "<script>\nwindow.__nash_errors = [];\nwindow.__nash_violations = [];\n"
       "window.addEventListener('error', e => window.__nash_errors.push(String(e.message)));\n"
       "document.addEventListener('securitypolicyviolation', e => "
       "window.__nash_violations.push(e.violatedDirective + ' ' + e.blockedURI));\n</script>\n</head>\n<body>\n"
    << "<h1>" << html_escape(title) << "</h1>\n<p class=\"sub\">" << html_escape(dir) << " — " << rows << " of "
    << config.steps << " steps, seed " << config.seed << "</p>\n"
    << "<p class=\"formula\">" << html_escape(obj.name) << " (" << html_escape(obj.reference) << ")<br>D minimises "
    << html_escape(obj.d_formula) << "<br>G minimises " << html_escape(obj.g_formula) << "</p>\n"
    << "<h2>Training, frame by frame</h2>\n<div id=\"player\"></div>\n"
    << "<h2>Metrics (metrics.csv)</h2>\n<div id=\"curves\"></div>\n"
    << "<h2>Gradient norm of each layer (recorded with the frames)</h2>\n<div id=\"layers\"></div>\n"
    << "<h2>One D step and one G step, as backprop walks them</h2>\n" << graphs_html(dir)
    << "<h2>Networks</h2>\n" << network_table("G, the generator", run.generator(), "G")
    << network_table("D, the discriminator", run.discriminator(), "D")
    << "<h2>Configuration (config.json)</h2>\n" << config_table(config_json)
    << "<script type=\"application/json\" id=\"nash-data\">" << script_safe(data.str()) << "</script>\n"
    << "<script>\n" << report_script() << "</script>\n</body>\n</html>\n";
  write_file_atomic(out, o.str());
  std::fprintf(stderr, "nash report: wrote %s\n", out.c_str());
  return 0;
}

}  // namespace nash::cli
