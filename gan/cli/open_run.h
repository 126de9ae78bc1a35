// Opening a finished or running run for sampling and evaluation: --run RUN_DIR or
// --checkpoint FILE -> the checkpoint's configuration and a Session holding its networks.
#pragma once
#include <memory>
#include <string>

#include "gan/cli/args.h"
#include "gan/cli/session.h"

namespace nash::cli {

struct OpenedRun {
  std::string checkpoint;  // the file read
  CheckpointInfo info;
  std::unique_ptr<Session> session;
};

// Exactly one of --run / --checkpoint must be given (UsageError otherwise).
OpenedRun open_run(const Args& args);

}  // namespace nash::cli
