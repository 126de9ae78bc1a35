// The report page (see report_page.h): one file with everything in it.
#include "gan/viz/report_page.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "gan/run.h"
#include "tensor/error.h"
#include "tensor/io/file.h"

namespace nash::gan::viz {

namespace {
namespace fs = std::filesystem;

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

std::string report_html(const std::string& dir) {
  NASH_CHECK(fs::is_directory(dir), "report: ", dir, ": no such directory");
  NASH_CHECK(fs::is_regular_file(dir + "/config.json"), "report: ", dir,
             ": no config.json in it (not a run directory written by nash train)");
  const Json config_json = parse_json(read_file(dir + "/config.json"));
  RunConfig config = config_from_json(config_json);
  Run run(config, nullptr);  // the networks' shapes and the objective; no data needed
  const Objective& obj = run.objective();
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
  return o.str();
}

}  // namespace nash::gan::viz
