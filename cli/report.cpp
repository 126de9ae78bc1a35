// nash report --run DIR: writes DIR/report.html, the page of gan/viz/report_page.h.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "gan/viz/report_page.h"
#include "tensor/io/file.h"

namespace nash::cli {

namespace {
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
}  // namespace

int report_command(int argc, char** argv, int first) {
  Args a = parse_args("report", report_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(kSynopsis, kDescription, report_flags()).c_str());
    return 0;
  }
  if (!a.has("run")) throw UsageError("--run RUN_DIR is required");
  const std::string dir = a.get_string("run", "");
  const std::string page = gan::viz::report_html(dir);
  const std::string out = a.get_string("out", dir + "/report.html");
  write_file_atomic(out, page);
  std::fprintf(stderr, "nash report: wrote %s\n", out.c_str());
  return 0;
}

}  // namespace nash::cli
