// The charts a run writes, as SVG drawn without a plotting library: every chart has a title (the
// run's name and step), labelled axes with numbers, and its legend outside the data.
//   loss_svg    the loss curves and D's outputs (or the critic's Wasserstein estimate) per G step
//   toy_svg     G's samples over real samples: a histogram against the target density (1-D) or a
//               scatter plot over the mixture (2-D); axes fixed per data set so frames line up
//   grid_svg    an image grid (embedded PNG) with one label per row, e.g. CGAN's classes
#pragma once
#include <string>
#include <vector>

#include "gan/objective.h"
#include "tensor/tensor.h"

namespace nash::gan {

// One row of metrics.csv: a StepStats plus the learning rates in force and the cumulative
// training time (StepStats::seconds is that step's own time).
struct MetricsRow {
  StepStats stats;
  double lr_d = 0, lr_g = 0;
  double seconds = 0;
};

}  // namespace nash::gan

namespace nash::gan::viz {

// logit: D outputs logits (D(x), D(G(z)) plotted, 1/2 marked), else a critic (its Wasserstein
// estimate). Long runs are averaged into at most ~600 points per curve.
std::string loss_svg(const std::vector<MetricsRow>& rows, bool logit, const std::string& title);

// samples [n, 1] (gaussian1d) or [n, 2] (ring, grid), drawn over real samples of `data`.
std::string toy_svg(const Tensor& samples, const std::string& data, const std::string& title);

// images [n, C, H, W] in [-1, 1] as a grid of per_row columns, row r labelled row_labels[r].
std::string grid_svg(const Tensor& images, int64_t per_row, const std::vector<std::string>& row_labels,
                     const std::string& title);

}  // namespace nash::gan::viz
