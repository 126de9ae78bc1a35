// Command-line flags for the nash program: a table of flags per command, parsed into the values
// the user actually gave (so "left out" can mean "the data set's best setting"), with typed
// getters whose errors name the flag and the bad value. Usage errors exit with code 2.
//
//   const std::vector<Flag> flags = {{"steps", "N", "G steps to train"}, {"help", "", "this text"}};
//   Args a = parse_args("train", flags, argc, argv, 2);
//   int64_t steps = a.get_int("steps", 1000, /*min=*/1);
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nash::cli {

// A mistake on the command line (unknown flag, missing or bad value): one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Flag {
  std::string name;        // without the dashes: "lr-d"
  std::string value_name;  // "X", "N", "DIR"; empty for a switch that takes no value
  std::string help;
  std::vector<std::string> aliases = {};  // other accepted names, e.g. PyTorch-GAN's "batch_size"
};

class Args {
 public:
  std::string command;                       // "train", "sample", "eval"
  std::map<std::string, std::string> values; // canonical flag name -> value ("" for switches)

  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  // Integers and numbers are checked against [min, max]; a bad value throws UsageError.
  int64_t get_int(const std::string& name, int64_t fallback, int64_t min = INT64_MIN,
                  int64_t max = INT64_MAX) const;
  uint64_t get_uint(const std::string& name, uint64_t fallback) const;
  double get_double(const std::string& name, double fallback, double min = -1e308,
                    double max = 1e308) const;
};

// Accepts --name VALUE and --name=VALUE, with '_' and '-' alike in names (--batch_size is
// --batch-size); a flag given twice, an unknown flag (with a did-you-mean), a missing value or a
// stray positional argument throws UsageError naming it.
Args parse_args(const std::string& command, const std::vector<Flag>& flags, int argc,
                char** argv, int first);

// " (did you mean X?)" for the candidate closest to `word` when one is close (edit distance,
// case and '_'/'-' ignored), else "". `prefix` goes before each candidate ("--" for flags).
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates,
                         const std::string& prefix = "");

// The --help text: the synopsis, a paragraph, then one aligned line per flag.
std::string usage_text(const std::string& synopsis, const std::string& description,
                       const std::vector<Flag>& flags);

}  // namespace nash::cli
