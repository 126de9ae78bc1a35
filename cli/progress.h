// Training progress on stderr: a redrawn bar (step, rate, ETA, latest losses) when stderr is a
// terminal, otherwise one plain line every `every` steps (and at the last step), for logs.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "cli/plot.h"

namespace nash::cli {

class Progress {
 public:
  // first: the step training (re)starts from; total: the run's last step.
  Progress(int64_t first, int64_t total, int64_t every, bool terminal, bool logit);
  void update(const MetricsRow& row);
  void finish();  // ends the bar's line

 private:
  std::string status(const MetricsRow& row, double rate) const;
  int64_t first_, total_, every_;
  bool terminal_, logit_, drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"

}  // namespace nash::cli
