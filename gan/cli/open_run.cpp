// Opening a run's checkpoint for sampling or evaluation (see open_run.h).
#include "gan/cli/open_run.h"

#include <filesystem>

namespace nash::cli {

OpenedRun open_run(const Args& a) {
  if (a.has("run") == a.has("checkpoint"))
    throw UsageError("give exactly one of --run RUN_DIR and --checkpoint FILE");
  OpenedRun r;
  if (a.has("run")) {
    const std::string dir = a.get_string("run", "");
    NASH_CHECK(std::filesystem::is_directory(dir), "--run ", dir, ": no such directory");
    r.checkpoint = dir + "/checkpoint.safetensors";
    NASH_CHECK(std::filesystem::is_regular_file(r.checkpoint), "--run ", dir,
               ": no checkpoint.safetensors in it (has the run written one yet?)");
  } else {
    r.checkpoint = a.get_string("checkpoint", "");
  }
  r.info = read_checkpoint_info(r.checkpoint);
  r.session = std::make_unique<Session>(r.info.config, nullptr);
  r.session->load(r.checkpoint);
  return r;
}

}  // namespace nash::cli
