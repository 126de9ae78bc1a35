// Training progress on stderr: a redrawn bar (step, epoch, rate, ETA, latest losses) when stderr
// is a terminal, fitted to its width (fewer fields when narrow); otherwise one plain line every
// `every` steps (and at the last step), for logs.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "gan/viz/charts.h"

namespace nash::cli {

struct ProgressOptions {
  int64_t first = 0;            // the step training (re)starts from
  int64_t total = 0;            // the step it stops at (the run's last step, or --stop-at)
  int64_t every = 1;            // plain lines: one every `every` steps
  bool terminal = false;        // redraw one bar line instead of printing lines
  bool logit = true;            // D's outputs are probabilities (else critic scores)
  double steps_per_epoch = 0;   // > 0: show the epoch
  double time_budget = 0;       // > 0 (--max-seconds): the bar and ETA follow the clock too
};

class Progress {
 public:
  explicit Progress(ProgressOptions options);
  void update(const gan::MetricsRow& row);
  void finish();  // ends the bar's line

  // The line for a row at `rate` steps/s after `elapsed` seconds, at most `width` characters
  // (fields are dropped from the right to fit); public for tests.
  std::string line(const gan::MetricsRow& row, double rate, double elapsed, size_t width) const;

 private:
  ProgressOptions o_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"
size_t terminal_width();                      // of stderr; $COLUMNS or 80 when unknown

}  // namespace nash::cli
