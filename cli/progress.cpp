// Progress output (see progress.h).
#include "cli/progress.h"

#include <cmath>
#include <cstdio>

namespace nash::cli {

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  long t = std::lround(s);
  if (t < 60) std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

Progress::Progress(int64_t first, int64_t total, int64_t every, bool terminal, bool logit)
    : first_(first), total_(total), every_(every > 0 ? every : 1), terminal_(terminal),
      logit_(logit), start_(std::chrono::steady_clock::now()), last_draw_() {}

std::string Progress::status(const MetricsRow& r, double rate) const {
  const gan::StepStats& s = r.stats;
  const double eta = rate > 0 ? static_cast<double>(total_ - s.step) / rate : NAN;
  char buf[256];
  const int decimals = rate >= 10 ? 0 : rate >= 1 ? 1 : 2;
  if (!logit_) {
    std::snprintf(buf, sizeof buf, "%.*f steps/s  ETA %s  critic %.4g  G %.4g  W %.4g", decimals,
                  rate, format_duration(eta).c_str(), s.d_loss, s.g_loss, s.wasserstein);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f steps/s  ETA %s  D %.4g  G %.4g  D(x) %.3f  D(G(z)) %.3f",
                  decimals, rate, format_duration(eta).c_str(), s.d_loss, s.g_loss, s.d_real, s.d_fake);
  }
  return buf;
}

void Progress::update(const MetricsRow& r) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t step = r.stats.step;
  const double rate = elapsed > 0 ? static_cast<double>(step - first_) / elapsed : 0;
  const int digits = static_cast<int>(std::to_string(total_).size());
  if (terminal_) {
    const bool last = step >= total_;
    if (!last && drawn_ && std::chrono::duration<double>(now - last_draw_).count() < 0.1) return;
    last_draw_ = now;
    drawn_ = true;
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
    std::string bar(static_cast<size_t>(std::min(filled, width)), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[K[%s] %*lld/%lld  %s", bar.c_str(), digits,
                 static_cast<long long>(step), static_cast<long long>(total_), status(r, rate).c_str());
    std::fflush(stderr);
  } else if (step % every_ == 0 || step >= total_) {
    std::fprintf(stderr, "step %*lld/%lld  %s\n", digits, static_cast<long long>(step),
                 static_cast<long long>(total_), status(r, rate).c_str());
    std::fflush(stderr);
  }
}

void Progress::finish() {
  if (terminal_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace nash::cli
