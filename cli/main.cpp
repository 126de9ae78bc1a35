// The nash program: `nash train`, `nash sample`, `nash eval`, `nash report`, `nash explain`
// (cli/commands.h). Errors end in one line on stderr: exit 2 for a usage mistake, 1 for anything
// else (bad data, a corrupt checkpoint, an unwritable directory).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace {
const char* kUsage =
    "usage: nash <command> [flags]\n"
    "\n"
    "  train   train a GAN into a run directory (samples, metrics, loss curves, checkpoints)\n"
    "  sample  draw samples from a trained run as PNG, NPY or CSV\n"
    "  eval    print a run's metrics as one JSON object\n"
    "  report  write RUN_DIR/report.html: a player over the training frames, curves, networks\n"
    "  explain draw one D step and one G step as the graphs backprop walks\n"
    "\n"
    "quick start:  nash train                         # a GAN on Fashion-MNIST\n"
    "              nash train --data ring --steps 5000\n"
    "              nash sample --run RUN_DIR --n 64 --out grid.png\n"
    "              nash eval --run RUN_DIR\n"
    "              nash report --run RUN_DIR\n"
    "              nash explain --model gan\n"
    "'nash <command> --help' lists a command's flags.\n";
}  // namespace

int main(int argc, char** argv) {
  // `nash help train` is `nash train --help`.
  char help_flag[] = "--help";
  char* help_argv[] = {argv[0], argc > 2 ? argv[2] : nullptr, help_flag, nullptr};
  if (argc == 3 && !std::strcmp(argv[1], "help")) {
    argc = 3;
    argv = help_argv;
  }
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "--version") {
    std::printf("nash %s\n", NASH_VERSION);
    return 0;
  }
  try {
    if (command == "train") return nash::cli::train_command(argc, argv, 2);
    if (command == "sample") return nash::cli::sample_command(argc, argv, 2);
    if (command == "eval") return nash::cli::eval_command(argc, argv, 2);
    if (command == "report") return nash::cli::report_command(argc, argv, 2);
    if (command == "explain") return nash::cli::explain_command(argc, argv, 2);
    std::fprintf(stderr, "nash: unknown command '%s'%s (expected train, sample, eval, report or explain; see nash --help)\n",
                 command.c_str(),
                 nash::cli::did_you_mean(command, {"train", "sample", "eval", "report", "explain"}).c_str());
    return 2;
  } catch (const nash::cli::UsageError& e) {
    std::fprintf(stderr, "nash %s: %s (see nash %s --help)\n", command.c_str(), e.what(), command.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nash %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
