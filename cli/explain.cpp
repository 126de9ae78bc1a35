// nash explain --model M: the graphs of one D step and one G step (gan/viz/explain.h).
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "gan/run_config.h"
#include "gan/viz/explain.h"

namespace nash::cli {

namespace {
const std::vector<Flag>& explain_flags() {
  static const std::vector<Flag> flags = {
      {"model", "M", "gan, cgan, wgan, wgan-gp or dcgan"},
      {"loss", "L", "the objective (default: the model's), e.g. ns, minimax, lsgan, hinge, r1"},
      {"data", "D", "ring, grid, gaussian1d, fashion-mnist or a directory (default ring; images for cgan, dcgan)"},
      {"out", "DIR", "where the graphs go (default explain-<model>-<loss>); a run directory puts them in its report"},
      {"seed", "S", "seed of the run (default 0)"},
      {"help", "", "print this help"},
  };
  return flags;
}

const char* kSynopsis = "nash explain --model M [--loss L] [--data D] [--out DIR]";
const char* kDescription =
    "Runs one training step of the model and writes the two graphs reverse-mode autodiff walks:\n"
    "graph_d_step.dot (D's step: G's samples enter as a detached constant, so no gradient reaches\n"
    "G) and graph_g_step.dot (G's step: D's parameters are frozen, so only G's get gradients), as\n"
    "SVG too when Graphviz's dot is installed, and explain.txt: the loss formulas and, for every\n"
    "parameter, whether it receives a gradient in each step. Every node shows its op and shape.";

}  // namespace

int explain_command(int argc, char** argv, int first) {
  Args a = parse_args("explain", explain_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(kSynopsis, kDescription, explain_flags()).c_str());
    return 0;
  }
  if (!a.has("model")) throw UsageError("--model is required (gan, cgan, wgan, wgan-gp or dcgan)");
  const std::string model = a.get_string("model", "");
  if (!gan::is_model_name(model)) throw UsageError("--model " + model + ": expected gan, cgan, wgan, wgan-gp or dcgan");
  const bool images = model == "cgan" || model == "dcgan";
  gan::RunConfig c;
  try {
    c = gan::default_config(a.get_string("data", images ? "fashion-mnist" : "ring"), model);
    if (a.has("loss")) gan::set_field(c, "loss", a.get_string("loss", ""));
    c.seed = a.get_uint("seed", 0);
    c.steps = 1;
    gan::validate(c);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  const std::string out = a.get_string("out", "explain-" + model + "-" + c.loss);
  const gan::viz::Explanation e = gan::viz::explain_step(c, out);
  std::printf("%s", e.text.c_str());
  std::fprintf(stderr, "nash explain: wrote %s/graph_d_step.dot, %s/graph_g_step.dot, %s/explain.txt\n",
               out.c_str(), out.c_str(), out.c_str());
  return e.checks_hold ? 0 : 1;
}

}  // namespace nash::cli
