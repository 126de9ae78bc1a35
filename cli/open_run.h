// Opening a finished or running run for sampling and evaluation: --run RUN_DIR or
// --checkpoint FILE -> the checkpoint's configuration and a gan::Run holding its networks, plus
// the flags every such command takes (--seed of the noise, --threads).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "gan/run.h"

namespace nash::cli {

// A run-opening command's flags: --run and --checkpoint (`run_help` says what the run is for),
// then the command's own `flags`, then --sample-from, --seed, --threads and --help.
std::vector<Flag> run_command_flags(const std::string& run_help, std::vector<Flag> flags);

struct OpenedRun {
  std::string checkpoint;  // the file read
  gan::CheckpointInfo info;
  std::unique_ptr<gan::Run> run;  // opened for sampling: it has no training data
  uint64_t seed = 0;              // --seed (default 0)

  bool from_average = true;       // --sample-from ema (default) or g

  // n samples [n, ...] from G's weight average (or G), its noise drawn from an Rng seeded with
  // --seed; labels [n] int64 for a conditional generator, else undefined.
  Tensor generate(int64_t n, const Tensor& labels) const;
};

// Reads --seed and applies --threads, then opens the checkpoint. Exactly one of --run /
// --checkpoint must be given (UsageError otherwise).
OpenedRun open_run(const Args& args);

}  // namespace nash::cli
