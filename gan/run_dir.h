// A run directory and what training writes into it:
//   config.json               every setting used, the seed, the nash version, runtime settings
//   metrics.csv               one row per G step, header first (columns: metrics_header())
//   samples/step_<N>.png      the fixed noise batch's image grid every --sample-every steps
//   samples/step_<N>.svg      toy data: the samples' chart; conditional runs: the labelled grid
//   loss.svg                  the loss curves, rewritten as training goes
//   checkpoint.safetensors    the whole training state (Run::save), atomic
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "gan/viz/charts.h"
#include "tensor/io/json.h"

namespace nash::gan {

const char* metrics_header();  // "step,d_loss,g_loss,...,seconds"
std::string metrics_line(const MetricsRow& row);
// False for a malformed line (a torn last line after a kill).
bool parse_metrics_line(const std::string& line, MetricsRow& row);

class RunDir {
 public:
  explicit RunDir(std::string path) : path_(std::move(path)) {}
  ~RunDir();
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::string& path() const { return path_; }
  std::string checkpoint_path() const { return path_ + "/checkpoint.safetensors"; }
  std::string config_path() const { return path_ + "/config.json"; }
  std::string metrics_path() const { return path_ + "/metrics.csv"; }
  std::string loss_path() const { return path_ + "/loss.svg"; }
  std::string sample_path(int64_t step, const std::string& extension) const;  // "png", "svg"
  std::string name() const;  // the directory's own name, for chart titles

  // A new run: creates the directory (and samples/), refusing one that already holds a run.
  // Throws nash::Error naming the directory when it cannot be created or written.
  void create();
  void write_config(const Json& config) const;  // atomic

  // Opens metrics.csv for appending. keep_up_to >= 0 (resume): first rewrites it (atomically)
  // with only the well-formed rows of steps <= keep_up_to, which are loaded into rows().
  void open_metrics(int64_t keep_up_to);
  void append(const MetricsRow& row);  // written through at once
  void flush_metrics();
  const std::vector<MetricsRow>& rows() const { return rows_; }
  void write_loss_svg(bool logit) const;  // atomic; titled with the run's name and last step

 private:
  std::string path_;
  std::FILE* metrics_ = nullptr;
  std::vector<MetricsRow> rows_;
};

}  // namespace nash::gan
