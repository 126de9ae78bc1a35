// Trains a toy preset (gan/presets.cpp) through gan::Run on the 2-D ring or grid with one seed and
// prints the mode statistics every N steps: modes covered, the share of high-quality samples (within 3 std of a
// centre) and the reverse KL of the mode histogram. gaussian1d works too (mean, std, KS).
// Usage: toy_2d ring|grid|gaussian1d [seed] [print_every] [key=value ...] [samples=FILE.csv]
//   e.g. toy_2d ring 3 1000 steps=5000 pack=3 lr_g=2e-4 loss=hinge   (keys: config.json's)
//   samples=FILE.csv writes the final evaluation samples, one "x,y" (or "x") row each.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gan/presets.h"
#include "tensor/parallel.h"

using namespace nash;

namespace {
void print(const char* tag, const gan::Run& run, const gan::ToyStats& s, uint64_t seed, double seconds) {
  const std::string& data = run.config().data;
  if (data == "gaussian1d") {
    std::printf("%s data=%s seed=%llu step=%lld mean=%.3f std=%.3f ks=%.3f time=%.1fs\n", tag,
                data.c_str(), static_cast<unsigned long long>(seed), static_cast<long long>(s.step),
                s.gaussian.mean, s.gaussian.std, s.gaussian.ks, seconds);
  } else {
    std::printf("%s data=%s seed=%llu step=%lld modes=%lld/%lld hq=%.1f%% rkl=%.3f time=%.1fs\n", tag,
                data.c_str(), static_cast<unsigned long long>(seed), static_cast<long long>(s.step),
                static_cast<long long>(s.modes.modes_covered), static_cast<long long>(s.modes.num_modes),
                100.0 * s.modes.high_quality, s.modes.reverse_kl, seconds);
  }
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: toy_2d ring|grid|gaussian1d [seed] [print_every] [key=value ...]\n");
    return 2;
  }
  if (!std::getenv("NASH_NUM_THREADS")) set_num_threads(1);  // small matrices: one core is best
  gan::RunConfig config = gan::toy_preset(argv[1]);
  config.seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;
  const uint64_t seed = config.seed;
  const int64_t every = argc > 3 ? std::atoll(argv[3]) : 1000;
  std::string samples_path;
  for (int i = 4; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("samples=", 0) == 0) samples_path = arg.substr(8);
    else gan::set_field(config, arg);
  }
  gan::validate(config);
  std::string line;
  for (auto& [key, value] : gan::applied_settings(config))
    line += " " + key + "=" + (value.is_string() ? value.as_string() : to_json(value));
  std::printf("#%s\n", line.c_str());

  gan::Run run(config);
  double seconds = 0;  // training time, evaluations excluded
  while (!run.done()) {
    gan::StepStats st = run.step();
    seconds += st.seconds;
    if (every > 0 && st.step % every == 0 && !run.done()) {
      std::printf("  d_loss=%.3f g_loss=%.3f d_real=%.3f d_fake=%.3f  ", st.d_loss, st.g_loss,
                  st.d_real, st.d_fake);
      print("step", run, gan::evaluate_toy(run), seed, seconds);
    }
  }
  print("final", run, gan::evaluate_toy(run), seed, seconds);
  if (!samples_path.empty()) {
    Tensor x = run.evaluation_samples(config.eval_samples);  // the samples evaluate_toy measured
    std::vector<double> v = x.to_vector();
    const int64_t d = x.numel() / x.size(0);
    std::ofstream out(samples_path);
    for (size_t i = 0; i < v.size(); i += d) {
      out << v[i];
      for (int64_t j = 1; j < d; ++j) out << ',' << v[i + j];
      out << '\n';
    }
    if (!out) throw std::runtime_error("cannot write " + samples_path);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "toy_2d: %s\n", e.what());
  return 1;
}
