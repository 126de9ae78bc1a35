// What a frame shows, computed from a run's networks as they stand: D's surface over points of
// the data space, the pull G's loss puts on each sample (-dL_G/dx), ||grad_x D||, the image of a
// noise grid. None of these changes training: D and G are evaluated in eval mode (BatchNorm on
// running statistics, Dropout off) and restored, no parameter gradient is touched (autograd's
// grad() returns gradients instead of accumulating them), and nothing draws from the run's Rng.
// Shapes: N points, D data dimension, Z noise dimension, m PacGAN packing (run.config().pack).
#pragma once
#include <cstdint>

#include "gan/run.h"

namespace nash::gan::viz {

// D's value at each point x [N, D]: sigmoid(logit) when run.objective().logit, else the critic's
// score. With PacGAN packing m, D judges m samples at once: D's value at x is D(x, x, ..., x).
// Returns [N] float32.
Tensor d_surface(Run& run, const Tensor& x);

// ||grad_x D(x)||_2 at each point x [N, D] of D's raw output (logit or score), x packed as in
// d_surface. Returns [N].
Tensor d_grad_norm(Run& run, const Tensor& x);

// The pull of G's loss on G's samples x [N, D]: -dL/dx with L = objective.g_loss(D(x)), the
// batch's mean loss (so each row scales as 1/N), x packed m at a time in order as the training
// step packs them (N a multiple of m). Returns [N, D].
Tensor generator_pull(Run& run, const Tensor& x);

// G(z) [N, ...] of the trained G (not its weight average) in eval mode, without a graph.
Tensor generate(Run& run, const Tensor& z, const Tensor& labels = Tensor());

// The centre of the noise distribution (0 for normal, 1/2 for uniform) and a range around it
// holding most of its mass ([-2.5, 2.5] for normal, [0, 1] for uniform).
double noise_centre(const RunConfig& config);
std::pair<double, double> noise_range(const RunConfig& config);

// A regular m x m grid over noise dimensions 0 and 1 (m points of dimension 0 when Z = 1), the
// other dimensions held at the centre: z [m * m, Z] (or [m, Z]), row-major (dimension 1 fastest).
Tensor noise_grid(const RunConfig& config, int64_t m);

// m points along noise dimension 0 over noise_range, the other dimensions at the centre: [m, Z].
Tensor noise_line(const RunConfig& config, int64_t m);

// The centres of the m x m cells of [x0, x1] x [y0, y1]: [m * m, 2], row-major from the top (y1)
// row down, x increasing along a row — the order of an m x m image's pixels covering the square.
Tensor plane_grid(double x0, double x1, double y0, double y1, int64_t m);

}  // namespace nash::gan::viz
