// Pictures of a run, drawn by hand: the loss curves as an SVG (two panels: the losses, then
// D's outputs or the Wasserstein estimate), and for toy data a PNG of the generated samples —
// a histogram against the target density (1-D) or a scatter plot over the mixture's modes (2-D).
// Axes are fixed per data set, so successive frames of a run line up.
#pragma once
#include <string>
#include <vector>

#include "gan/data/toy.h"
#include "gan/objective.h"
#include "tensor/tensor.h"

namespace nash::cli {

// One row of metrics.csv: a StepStats plus the learning rates in force and the cumulative
// training time (StepStats::seconds is that step's own time).
struct MetricsRow {
  gan::StepStats stats;
  double lr_d = 0, lr_g = 0;
  double seconds = 0;
};

// The SVG document; long runs are averaged into at most ~600 points per curve.
// logit: D outputs logits (D(x), D(G(z)) plotted), else a critic (its Wasserstein estimate).
std::string loss_svg(const std::vector<MetricsRow>& rows, bool logit);

// samples [n, 1] or [n]: a 480x320 histogram over [mean - 5 std, mean + 5 std] of the target
// N(mean, std^2), whose density is drawn over it in red. Atomic.
void write_histogram_png(const std::string& path, const Tensor& samples, double mean, double std);
// samples [n, 2]: a 480x480 scatter plot over [-r, r]^2 (r = 1.5 for the ring, 6 for the grid),
// the mixture's centres marked in red. Atomic.
void write_scatter_png(const std::string& path, const Tensor& samples, const gan::Mixture2d& mixture);

}  // namespace nash::cli
