// Frames of a training run, recorded through gan::Run's hooks, for `nash report`'s player: what
// D believes and where G's loss pushes G's samples, every `every` steps. Recording never changes
// training: the views (gan/viz/views.h) run in eval mode without touching gradients, and the
// fixed real points come from an Rng stream of their own, never from the run's.
//
//   auto recorder = gan::viz::record_frames(run, "runs/ring/frames", {.every = 100});
//   while (!run.done()) run.step();     // frames/step_000100.safetensors, ...
//
// A frames directory:
//   view.json                   what every frame shows and where (below); written once
//   fixed.safetensors           what does not change: real [P, D] (a fixed real batch, toy
//                               data), line view: x [K], data_density [K] (the pdf), edges [B+1]
//   step_<NNNNNN>.safetensors   one frame, float32, metadata {"step": "<N>"}:
//     plane (2-D data)  fake [P, 2] = G(z) on the first P rows of run.fixed_noise()
//                       pull [P, 2] = -dL_G/dx at each fake (views.h: generator_pull)
//                       surface [S, S] = D over the view's box (sigmoid(logit) or the critic's
//                       score), row 0 the top row, cells as views.h: plane_grid
//                       manifold [M, M, 2] (or [M, 1, 2] for 1-D noise) = G(noise_grid)
//                       grad_norm [S, S] = ||grad_x D|| (objectives with a penalty only)
//     line (1-D data)   fake [P], pull [P], surface [K] = D at fixed x, density [B] = histogram
//                       of G on the whole fixed noise batch (a density: integrates to the share
//                       of samples inside the edges), map_z [M] (noise dimension 0, the others
//                       at the centre) and map_x [M] = G(map_z)
//     image             step_<NNNNNN>.png: G on run.fixed_noise() as a grid
//     every view        grad_norm_g [Lg], grad_norm_d [Ld]: the L2 norm of each layer's
//                       gradients in that step's backward (G's step, D's last step; absent at
//                       step 0), layer names in view.json; d_real [n], d_fake [n]: D's outputs on
//                       that step's real and fake batches (probabilities for logit objectives)
// Every file depends only on the run's seed and configuration: the same run gives the same bytes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/run.h"

namespace nash::gan::viz {

struct FrameOptions {
  int64_t every = 100;    // a frame every N G steps, at step 0 (a new run) and at the last step
  int64_t points = 512;   // fixed real points and fakes shown (2-D and 1-D data)
  int64_t surface = 64;   // D is shown on a surface x surface grid (2-D) or 4x as many x (1-D)
  int64_t manifold = 21;  // noise grid points per side
  int64_t bins = 60;      // 1-D data: histogram bins of G's density
};

// The box the plane view covers (x0, x1, y0, y1), or the line view's [x0, x1]: the data's modes
// with a margin, fixed for the run so successive frames line up.
std::vector<double> view_box(const RunConfig& config);
// "plane" (ring, grid), "line" (gaussian1d) or "image".
std::string view_kind(const RunConfig& config);

class FrameRecorder {
 public:
  // Creates `dir`, writes view.json and fixed.safetensors, and records step 0 when the run has
  // not started. Throws nash::Error naming the directory when it cannot be written.
  FrameRecorder(Run& run, std::string dir, FrameOptions options);

  // The run's hooks call these.
  void on_forward(Run& run, Run::Phase phase, const Variable& real_out, const Variable& fake_out);
  void on_backward(Run& run, Run::Phase phase, const std::vector<Variable>& params);
  void on_step(Run& run, const StepStats& stats);

  bool records(int64_t step, int64_t total) const {  // is `step` a frame's step?
    return step % options_.every == 0 || step == total;
  }
  // Writes the frame of the run as it stands, at step `step`.
  void record(Run& run, int64_t step);
  std::string frame_path(int64_t step, const char* ext = "safetensors") const;

 private:
  std::string dir_, kind_;
  FrameOptions options_;
  std::vector<double> box_;
  Tensor z_fixed_, z_grid_, x_line_, surface_points_;
  // Gathered in the hooks of the step a frame is recorded after.
  std::vector<std::pair<std::string, Tensor>> pending_;
  std::vector<std::string> layers_g_, layers_d_;
};

// A recorder attached to the run's three hooks (which share ownership of it); every <= 0
// records nothing and attaches nothing (returns null).
std::shared_ptr<FrameRecorder> record_frames(Run& run, const std::string& dir, FrameOptions options = {});

// Per-layer gradient norms: parameters named "<layer>.<weight|bias|...>" grouped by <layer>,
// each group's L2 norm over every element of its gradients (0 for parameters without one).
// Names and norms in the order the layers first appear.
std::pair<std::vector<std::string>, std::vector<double>> layer_grad_norms(const nn::Module& m);

}  // namespace nash::gan::viz
