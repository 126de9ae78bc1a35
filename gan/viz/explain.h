// One D step and one G step of a real gan::Run, drawn as the graphs reverse-mode autodiff walks
// (autograd/graphviz.h), with every node's op and shape: D's step, where G's samples enter as a
// detached constant so no gradient reaches G, and G's step, where D's parameters are frozen so
// only G's get gradients. The step's backward checks what the graphs claim.
#pragma once
#include <string>

#include "gan/run_config.h"

namespace nash::gan::viz {

struct Explanation {
  std::string text;          // explain.txt: the loss formulas and, per parameter, who gets a gradient
  bool checks_hold = false;  // G's gradients untouched by D's step, D's unchanged by G's step
};

// Runs one training step of `config` (the data must be at hand) and writes into out_dir:
// graph_d_step.dot, graph_g_step.dot, their SVGs when Graphviz's dot is installed, and
// explain.txt. Throws nash::Error when out_dir cannot be created or dot fails.
Explanation explain_step(const RunConfig& config, const std::string& out_dir);

}  // namespace nash::gan::viz
