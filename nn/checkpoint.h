// Checkpoints: modules, optimizers, learning-rate schedulers, extra tensors and string metadata
// in one safetensors file, each module's, optimizer's and scheduler's state under its own prefix:
//   "generator.fc1.weight", "optim_g.state.0.exp_avg", "optim_g.param_groups.0.lr",
//   "sched_g.last_epoch", "extra.fixed_noise", and metadata {"epoch": "12", "nash.checkpoint": "1"}.
// Saving is atomic (a crash never leaves a half-written file). Loading checks the whole file
// against the modules and optimizers first and changes nothing if any name, shape or dtype
// differs, naming the first mismatch.
//
//   nn::Checkpoint ck{.modules = {{"generator", &g}, {"critic", &d}},
//                     .optimizers = {{"optim_g", &opt_g}, {"optim_d", &opt_d}},
//                     .schedulers = {{"sched_g", &sched_g}},
//                     .tensors = {{"fixed_noise", z}},
//                     .metadata = {{"epoch", "12"}}};
//   nn::save_checkpoint("wgan.safetensors", ck);
//   nn::load_checkpoint("wgan.safetensors", ck);  // fills g, d, opt_g, opt_d, sched_g, tensors,
//                                                 // metadata
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "nn/optim/optimizer.h"
#include "nn/optim/scheduler.h"

namespace nash::nn {

struct Checkpoint {
  // Prefixes are non-empty, unique, without '.', and not "extra" (the extra tensors' prefix).
  std::vector<std::pair<std::string, Module*>> modules = {};
  std::vector<std::pair<std::string, optim::Optimizer*>> optimizers = {};
  std::vector<std::pair<std::string, optim::Scheduler*>> schedulers = {};
  std::vector<std::pair<std::string, Tensor>> tensors = {};  // any extra named tensors
  std::map<std::string, std::string> metadata = {};          // keys starting "nash." are reserved
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Loads the file into checkpoint's modules, optimizers and schedulers and replaces checkpoint.tensors and
// checkpoint.metadata with the file's. Every module, optimizer and scheduler must be in the file with
// exactly matching names, shapes and dtypes, and the file may hold nothing else.
void load_checkpoint(const std::string& path, Checkpoint& checkpoint);

// One model under "model." and optionally its optimizer under "optim.".
void save_checkpoint(const std::string& path, Module& model, optim::Optimizer* optimizer = nullptr,
                     const std::map<std::string, std::string>& metadata = {});
// Returns the file's metadata.
std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model,
                                                   optim::Optimizer* optimizer = nullptr);

}  // namespace nash::nn
