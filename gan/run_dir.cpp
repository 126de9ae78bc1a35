// Run directories (see run_dir.h).
#include "gan/run_dir.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/error.h"
#include "tensor/io/file.h"

namespace nash::gan {

namespace fs = std::filesystem;

const char* metrics_header() {
  return "step,d_loss,g_loss,d_real,d_fake,wasserstein,penalty,penalty_norm,clipped_fraction,grad_norm_d,"
         "grad_norm_g,lr_d,lr_g,seconds";
}

std::string metrics_line(const MetricsRow& r) {
  const gan::StepStats& s = r.stats;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f",
                static_cast<long long>(s.step), s.d_loss, s.g_loss, s.d_real, s.d_fake, s.wasserstein,
                s.penalty, s.penalty_norm, s.clipped_fraction, s.grad_norm_d, s.grad_norm_g, r.lr_d, r.lr_g, r.seconds);
  return buf;
}

bool parse_metrics_line(const std::string& line, MetricsRow& r) {
  long long step = 0;
  gan::StepStats& s = r.stats;
  int used = 0;
  int n = std::sscanf(line.c_str(), "%lld,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf%n", &step,
                      &s.d_loss, &s.g_loss, &s.d_real, &s.d_fake, &s.wasserstein, &s.penalty, &s.penalty_norm,
                      &s.clipped_fraction, &s.grad_norm_d, &s.grad_norm_g, &r.lr_d, &r.lr_g, &r.seconds, &used);
  if (n != 14 || used != static_cast<int>(line.size()) || step < 1) return false;
  s.step = step;
  return true;
}

RunDir::~RunDir() {
  if (metrics_) std::fclose(metrics_);
}

std::string RunDir::name() const {
  const std::string n = fs::path(path_).lexically_normal().filename().string();
  return n.empty() || n == "." ? fs::absolute(path_).lexically_normal().parent_path().filename().string() : n;
}

std::string RunDir::sample_path(int64_t step, const std::string& extension) const {
  return path_ + "/samples/step_" + std::to_string(step) + "." + extension;
}

void RunDir::create() {
  std::error_code ec;
  if (fs::exists(path_, ec)) {
    NASH_CHECK(fs::is_directory(path_, ec), path_, " exists and is not a directory");
    NASH_CHECK(!fs::exists(checkpoint_path(), ec), path_, " already holds a run: continue it with",
               " --resume ", path_, ", or choose another --out");
    NASH_CHECK(!fs::exists(config_path(), ec), path_, " already holds a run that has no checkpoint",
               " yet (still starting, or killed before its first one): remove it or choose another --out");
  }
  fs::create_directories(path_ + "/samples", ec);
  NASH_CHECK(!ec, "cannot create the run directory ", path_, ": ", ec.message());
}

void RunDir::write_config(const Json& config) const {
  write_file_atomic(config_path(), to_json(config, 2) + "\n");
}

void RunDir::open_metrics(int64_t keep_up_to) {
  rows_.clear();
  if (keep_up_to >= 0) {
    std::ifstream in(metrics_path());
    std::string line;
    std::ostringstream kept;
    kept << metrics_header() << "\n";
    bool first = true;
    while (std::getline(in, line)) {
      if (first && line == metrics_header()) {
        first = false;
        continue;
      }
      first = false;
      MetricsRow r;
      if (!parse_metrics_line(line, r) || r.stats.step > keep_up_to) continue;
      if (!rows_.empty() && r.stats.step <= rows_.back().stats.step) continue;
      rows_.push_back(r);
      kept << line << "\n";
    }
    write_file_atomic(metrics_path(), kept.str());
    metrics_ = std::fopen(metrics_path().c_str(), "a");
  } else {
    metrics_ = std::fopen(metrics_path().c_str(), "w");
    if (metrics_) std::fprintf(metrics_, "%s\n", metrics_header());
  }
  NASH_CHECK(metrics_, "cannot open ", metrics_path(), ": ", std::strerror(errno));
}

void RunDir::append(const MetricsRow& row) {
  rows_.push_back(row);
  std::fprintf(metrics_, "%s\n", metrics_line(row).c_str());
  std::fflush(metrics_);  // one write per step, so `tail -f metrics.csv` follows the run
}

void RunDir::flush_metrics() {
  NASH_CHECK(metrics_ && std::fflush(metrics_) == 0 && !std::ferror(metrics_), "cannot write ",
             metrics_path(), ": ", std::strerror(errno));
}

void RunDir::write_loss_svg(bool logit) const {
  const int64_t step = rows_.empty() ? 0 : rows_.back().stats.step;
  write_file_atomic(loss_path(), viz::loss_svg(rows_, logit, name() + ": losses to step " + std::to_string(step)));
}

}  // namespace nash::gan
