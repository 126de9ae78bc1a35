// nash sample: draws samples from a run's generator (its weight average for toy presets that
// keep one) in eval mode, and writes them as a PNG picture, an NPY array or CSV.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/open_run.h"
#include "gan/viz/sample_files.h"
#include "tensor/creation.h"

namespace nash::cli {

namespace {
const std::vector<Flag>& sample_flags() {
  static const std::vector<Flag> flags = run_command_flags(
      "the run to sample",
      {{"n", "N", "number of samples (default 64)"},
       {"label", "L", "CGAN: the class of every sample (default: classes in equal blocks)"},
       {"out", "FILE", "FILE.png (image grid), FILE.svg (chart, or labelled grid), FILE.npy (float32 [n, ...]) or FILE.csv"}});
  return flags;
}
}  // namespace

int sample_command(int argc, char** argv, int first) {
  Args a = parse_args("sample", sample_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(
        "nash sample --run RUN_DIR | --checkpoint FILE  --n N [--label L] [--seed S] --out FILE.{png,svg,npy,csv}",
        "Draws N samples from a trained generator (eval mode: BatchNorm uses its running\n"
        "statistics, so a sample does not depend on the others). Images are [-1, 1] floats in\n"
        ".npy/.csv, a grid in .png, and in .svg a titled grid (CGAN: one class per row, labelled);\n"
        "toy data is a chart in .svg (1-D histogram, 2-D scatter, over real samples).",
        sample_flags()).c_str());
    return 0;
  }
  if (!a.has("out")) throw UsageError("--out FILE.{png,svg,npy,csv} is required");
  const std::string out = a.get_string("out", "");
  std::string format;
  try {
    format = gan::viz::output_format(out);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  const int64_t n = a.get_int("n", 64, 1, 10'000'000);

  OpenedRun run = open_run(a);
  gan::Run& s = *run.run;
  const gan::RunConfig& c = s.config();
  Tensor labels;
  int64_t per_row = 0;
  if (a.has("label")) {
    if (!c.conditional())
      throw UsageError("--label needs a conditional model (cgan); this run is " + c.model);
    labels = full({n}, static_cast<double>(a.get_int("label", 0, 0, c.num_classes - 1)), DType::Int64);
  } else if (c.conditional()) {
    labels = s.class_blocks(n);
    if (n % c.num_classes == 0) per_row = n / c.num_classes;  // one class per row
  }
  Tensor samples = run.generate(n, labels);
  if (format == "png") gan::viz::write_samples_png(out, c, samples, per_row);
  else if (format == "svg")
    gan::viz::write_samples_svg(out, c, samples, per_row,
                      run.checkpoint + " at step " + std::to_string(run.info.step));
  else if (format == "npy") gan::viz::write_samples_npy(out, samples);
  else gan::viz::write_samples_csv(out, c, samples, labels);
  std::fprintf(stderr, "nash sample: wrote %lld samples %s of %s (step %lld) to %s\n",
               static_cast<long long>(n), shape_str(samples.shape()).c_str(), run.checkpoint.c_str(),
               static_cast<long long>(run.info.step), out.c_str());
  return 0;
}

}  // namespace nash::cli
