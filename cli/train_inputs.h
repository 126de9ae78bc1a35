// What `nash train` reads from its command line: the flag table (one flag per field of the run
// configuration plus the program's own), the flags applied to a configuration, the data and
// model names as people type them, and the shards the run is split into.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "gan/data/source.h"
#include "gan/distributed.h"
#include "gan/run_config.h"

namespace nash::cli {

const std::vector<Flag>& train_flags();
bool is_runtime_flag(const std::string& name);   // the program's own, not the configuration's
bool resumable_flag(const std::string& name);    // may change on --resume
bool data_check_flag(const std::string& name);   // --img-size, --channels, --n-classes
// The configuration flags on top of a configuration; UsageError for a bad value or a setting
// that does not act on this run.
void apply_flags(gan::RunConfig& config, const Args& args);

// One process per rank under mpirun, else --shards N (default 1) in this process.
std::shared_ptr<gan::ShardReducer> open_shards(const Args& args);
// The run's data (image data completes the configuration), with a hint when Fashion-MNIST is
// not installed; `description` says what was read.
std::shared_ptr<gan::DataSource> open_training_data(gan::RunConfig& config, std::string& description);
void size_flags(gan::RunConfig& config, const Args& args);        // --img-size, --channels
void check_data_flags(const gan::RunConfig& config, const Args& args);  // --n-classes
std::string model_name(const std::string& typed);  // folded, or UsageError with a did-you-mean
std::string data_name(const std::string& typed);

}  // namespace nash::cli
