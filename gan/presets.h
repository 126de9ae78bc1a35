// The project's best configuration per toy data set, and the figures a toy run is judged by.
//   toy_preset("gaussian1d" | "ring" | "grid") -> a RunConfig: G/D networks, noise, objective,
//   batch, optimiser settings, D steps, PacGAN packing, step budget, the final learning-rate
//   decay and the average of G's weights (EMA) that samples are drawn from.
//
//   gan::Run run(gan::toy_preset("ring"));
//   while (!run.done()) run.step();
//   gan::ToyStats s = gan::evaluate_toy(run);   // 2500 samples
//   std::printf("%lld/8 modes, %.1f%% high quality\n", s.modes.modes_covered, 100 * s.modes.high_quality);
//
// The figures these presets reach are measured by scripts/toy_sweep.sh (docs/results.md).
#pragma once
#include <string>

#include "gan/metrics/toy_metrics.h"
#include "gan/run.h"

namespace nash::gan {

RunConfig toy_preset(const std::string& data);

// What a toy run measured on n samples (0: config.eval_samples) from its evaluation stream:
// the Gaussian's moments for gaussian1d, the modes for ring and grid.
struct ToyStats {
  int64_t step = 0;
  GaussianStats gaussian;
  ModeStats modes;
};
ToyStats evaluate_toy(const Run& run, int64_t n = 0);

}  // namespace nash::gan
