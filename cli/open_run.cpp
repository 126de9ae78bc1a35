// Opening a run's checkpoint for sampling or evaluation (see open_run.h).
#include "cli/open_run.h"

#include <filesystem>

#include "tensor/parallel.h"
#include "tensor/random.h"

namespace nash::cli {

std::vector<Flag> run_command_flags(const std::string& run_help, std::vector<Flag> flags) {
  flags.insert(flags.begin(),
               {{"run", "RUN_DIR", run_help + " (its checkpoint.safetensors)"},
                {"checkpoint", "FILE", "a checkpoint file written by nash train, instead of --run"}});
  flags.push_back({"sample-from", "WHICH", "G's weight average (ema, the default when the run keeps one) or G (g)"});
  flags.push_back({"seed", "S", "seed of the noise (default 0)"});
  flags.push_back({"threads", "T", "worker threads (default: all cores)"});
  flags.push_back({"help", "", "print this help"});
  return flags;
}

Tensor OpenedRun::generate(int64_t n, const Tensor& labels) const {
  Rng rng(seed);
  return run->generate(run->noise(n, rng), labels, from_average);
}

OpenedRun open_run(const Args& a) {
  OpenedRun r;
  r.seed = static_cast<uint64_t>(a.get_int("seed", 0, 0));
  const std::string which = a.get_string("sample-from", "ema");
  if (which != "ema" && which != "g") throw UsageError("--sample-from " + which + ": expected ema or g");
  r.from_average = which == "ema";
  if (a.has("threads")) set_num_threads(static_cast<int>(a.get_int("threads", 1, 1, 1024)));
  if (a.has("run") == a.has("checkpoint"))
    throw UsageError("give exactly one of --run RUN_DIR and --checkpoint FILE");
  if (a.has("run")) {
    const std::string dir = a.get_string("run", "");
    NASH_CHECK(std::filesystem::is_directory(dir), "--run ", dir, ": no such directory");
    r.checkpoint = dir + "/checkpoint.safetensors";
    NASH_CHECK(std::filesystem::is_regular_file(r.checkpoint), "--run ", dir,
               ": no checkpoint.safetensors in it (has the run written one yet?)");
  } else {
    r.checkpoint = a.get_string("checkpoint", "");
  }
  r.info = gan::Run::read_info(r.checkpoint);
  r.run = std::make_unique<gan::Run>(r.info.config, nullptr);
  r.run->load(r.checkpoint);
  return r;
}

}  // namespace nash::cli
