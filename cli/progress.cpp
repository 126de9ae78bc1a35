// Progress output (see progress.h).
#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

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

size_t terminal_width() {
  struct winsize w {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const long n = std::strtol(c, nullptr, 10);
    if (n > 0 && n < 10000) return static_cast<size_t>(n);
  }
  return 80;
}

Progress::Progress(ProgressOptions options)
    : o_(options), start_(std::chrono::steady_clock::now()), last_draw_() {
  o_.every = std::max<int64_t>(o_.every, 1);
}

namespace {
std::string fmt(const char* format, double a, double b = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}
}  // namespace

std::string Progress::line(const gan::MetricsRow& r, double rate, double elapsed, size_t width) const {
  const gan::StepStats& s = r.stats;
  const int digits = static_cast<int>(std::to_string(o_.total).size());
  // How far along: by steps, or by the clock when a time budget ends the run sooner.
  double done = o_.total > 0 ? static_cast<double>(s.step) / static_cast<double>(o_.total) : 1;
  double eta = rate > 0 ? static_cast<double>(o_.total - s.step) / rate : NAN;
  if (o_.time_budget > 0 && std::isfinite(eta) && elapsed + eta > o_.time_budget) {
    done = std::min(1.0, elapsed / o_.time_budget);
    eta = std::max(0.0, o_.time_budget - elapsed);
  }
  std::vector<std::string> fields;  // in order of importance
  char head[64];
  std::snprintf(head, sizeof head, "step %*lld/%lld", digits, static_cast<long long>(s.step),
                static_cast<long long>(o_.total));
  fields.push_back(head);
  if (o_.time_budget > 0)
    fields.push_back(format_duration(elapsed) + "/" + format_duration(o_.time_budget));
  if (o_.steps_per_epoch > 0)
    fields.push_back(fmt("epoch %.0f", std::floor(static_cast<double>(s.step - 1) / o_.steps_per_epoch) + 1));
  const int decimals = rate >= 10 ? 0 : rate >= 1 ? 1 : 2;
  char r_buf[40];
  std::snprintf(r_buf, sizeof r_buf, "%.*f steps/s", decimals, rate);
  fields.push_back(r_buf);
  fields.push_back("ETA " + format_duration(eta));
  if (o_.logit) {
    fields.push_back(fmt("D %.4g  G %.4g", s.d_loss, s.g_loss));
    fields.push_back(fmt("D(x) %.3f  D(G(z)) %.3f", s.d_real, s.d_fake));
  } else {
    fields.push_back(fmt("critic %.4g  G %.4g", s.d_loss, s.g_loss));
    fields.push_back(fmt("W %.4g", s.wasserstein));
  }
  std::string out;
  if (o_.terminal) {  // a bar first when it fits
    const int bar_width = width >= 100 ? 24 : width >= 70 ? 12 : 0;
    if (bar_width > 0) {
      const int filled = static_cast<int>(bar_width * std::clamp(done, 0.0, 1.0));
      out = "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(bar_width - filled), '.') + "] ";
    }
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string add = (i ? "  " : "") + fields[i];
    if (i > 0 && out.size() + add.size() > width) break;
    out += add;
  }
  if (out.size() > width) out.resize(width);
  return out;
}

void Progress::update(const gan::MetricsRow& r) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t step = r.stats.step;
  const double rate = elapsed > 0 ? static_cast<double>(step - o_.first) / elapsed : 0;
  if (o_.terminal) {
    const bool last = step >= o_.total;
    if (!last && drawn_ && std::chrono::duration<double>(now - last_draw_).count() < 0.1) return;
    last_draw_ = now;
    drawn_ = true;
    const size_t width = terminal_width();
    std::fprintf(stderr, "\r\033[K%s", line(r, rate, elapsed, width > 1 ? width - 1 : 1).c_str());
    std::fflush(stderr);
  } else if (step % o_.every == 0 || step >= o_.total) {
    std::fprintf(stderr, "%s\n", line(r, rate, elapsed, 1000).c_str());
    std::fflush(stderr);
  }
}

void Progress::finish() {
  if (o_.terminal && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace nash::cli
