// The nash program's commands. Each parses its own flags (argv[first..]) and returns the exit
// code; usage mistakes throw UsageError (exit 2), other failures nash::Error (exit 1).
#pragma once

namespace nash::cli {

int train_command(int argc, char** argv, int first);   // nash train
int sample_command(int argc, char** argv, int first);  // nash sample
int eval_command(int argc, char** argv, int first);    // nash eval
int report_command(int argc, char** argv, int first);  // nash report
int explain_command(int argc, char** argv, int first); // nash explain

}  // namespace nash::cli
