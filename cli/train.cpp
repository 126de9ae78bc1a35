// nash train: builds (or resumes) a run, trains it with progress output, and keeps its directory
// current: metrics.csv every step, sample grids and loss.svg every --sample-every steps,
// checkpoints every --checkpoint-every steps and at the end. SIGINT/SIGTERM finish the current
// step, write a checkpoint and exit with 130/143.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "gan/run_dir.h"
#include "gan/viz/sample_files.h"
#include "cli/train_inputs.h"
#include "gan/distributed.h"
#include "gan/health.h"
#include "gan/run.h"
#include "tensor/io/file.h"
#include "gan/viz/frames.h"
#include "tensor/parallel.h"

#ifdef NASH_HAVE_MPI
#include "gan/mpi/mpi_shards.h"
#endif

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::cli {

namespace {
const char* kTrainSynopsis =
    "nash train [--model {gan,cgan,wgan,wgan-gp,dcgan}] [--data {gaussian1d,ring,grid,fashion-mnist,DIR}]\n"
    "                  [--loss {ns,minimax,lsgan,wgan,wgan-gp,hinge,r1}] [--steps N] [--batch B] [--seed S]\n"
    "                  [--threads T] [--out RUN_DIR] [--resume RUN_DIR] [--d-steps K] [--lr-d X] [--lr-g X]\n"
    "                  [--sample-every N] [--checkpoint-every N] ...";

const char* kTrainDescription =
    "Trains a GAN and writes a run directory: config.json, metrics.csv (one row per G step),\n"
    "samples/step_<N>.png (a fixed noise batch every --sample-every steps), loss.svg and\n"
    "checkpoint.safetensors (everything needed to resume exactly). Without --model each data set\n"
    "gets the project's best configuration: the toy presets of gan/presets.cpp (gan with tuned\n"
    "networks, PacGAN and a learning-rate decay), PyTorch-GAN's gan.py MLPs for images. --loss picks\n"
    "the objective for any model. Every setting is printed at the start and saved. Ctrl-C (SIGINT) or SIGTERM finish the current step, write a checkpoint\n"
    "and exit with 130 or 143; --resume RUN_DIR then continues as if never stopped.";

std::string default_out(const gan::RunConfig& c) {
  std::string data = c.toy() || c.data == "fashion-mnist"
                         ? c.data
                         : std::filesystem::path(c.data).lexically_normal().filename().string();
  if (data.empty()) data = "data";
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  std::string base = "runs/" + data + "-" + c.model + "-" + stamp, out = base;
  for (int i = 2; std::filesystem::exists(out); ++i) out = base + "-" + std::to_string(i);
  return out;
}

std::string join_command(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

// ---- signals: finish the step, checkpoint, exit 128 + signal -------------------------------
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops at once (the last checkpoint stays whole)
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct Runtime {
  int threads = 1;
  int64_t sample_every = 0, checkpoint_every = 0, log_every = 0, stop_at = 0, viz_every = 0;
  double max_seconds = 0;
  bool from_average = true;  // grids from G's weight average when there is one
};

// The program's own settings: the flags, else (on --resume) what the run was started with
// (config.json's "runtime"), else the defaults.
Runtime runtime_settings(const Args& a, const gan::RunConfig& c, const Json& saved, int processes) {
  auto saved_int = [&saved](const char* key, int64_t fallback) {
    const Json* v = saved.is_object() ? saved.find(key) : nullptr;
    return v && v->is_int64() && v->as_int64() >= 1 ? v->as_int64() : fallback;
  };
  Runtime r;
  const char* env = std::getenv("NASH_NUM_THREADS");
  // small toy matrices, or a core per mpirun process: one thread
  const int fallback = (c.toy() || processes > 1) && !env ? 1 : get_num_threads();
  r.threads = static_cast<int>(a.get_int("threads", std::min<int64_t>(saved_int("threads", fallback), 1024), 1, 1024));
  const int64_t every = c.toy() ? 1000 : 500;
  r.sample_every = a.get_int("sample-every", saved_int("sample_every", every), 1);
  r.checkpoint_every = a.get_int("checkpoint-every", saved_int("checkpoint_every", every), 1);
  r.log_every = a.get_int("log-every", saved_int("log_every", c.toy() ? 500 : 50), 1);
  r.viz_every = a.get_int("viz-every", saved_int("viz_every", c.toy() ? 100 : 0), 0);
  r.stop_at = a.get_int("stop-at", 0, 1);
  r.max_seconds = a.get_double("max-seconds", 0, 0);
  const Json* from = saved.is_object() ? saved.find("sample_from") : nullptr;
  const std::string which = a.get_string("sample-from", from && from->is_string() ? from->as_string() : "ema");
  if (which != "ema" && which != "g")
    throw UsageError("--sample-from " + which + ": expected ema or g" + did_you_mean(which, {"ema", "g"}));
  r.from_average = which == "ema";
  return r;
}

Json runtime_json(const Runtime& r, const gan::ShardReducer& shards, const std::string& out,
                  const std::string& command) {
  Json j = Json::object();
  j["threads"] = r.threads;
  j["shards"] = shards.shards();
  j["processes"] = shards.processes();
  j["sample_every"] = r.sample_every;
  j["checkpoint_every"] = r.checkpoint_every;
  j["log_every"] = r.log_every;
  j["sample_from"] = r.from_average ? "ema" : "g";
  j["viz_every"] = r.viz_every;
  j["run_dir"] = out;
  j["command"] = command;
  return j;
}

// A network as a table: each parameter's name and shape, and the parameter count.
void print_network(const char* title, const nn::Module& m) {
  int64_t total = 0;
  for (const auto& [name, p] : m.named_parameters()) total += p.numel();
  std::fprintf(stderr, "  %s: %s, %lld parameters\n", title, m.type_name().c_str(), static_cast<long long>(total));
  for (const auto& [name, p] : m.named_parameters())
    std::fprintf(stderr, "    %-28s %s\n", name.c_str(), shape_str(p.shape()).c_str());
}

void print_banner(const gan::Run& run, const Runtime& r, const gan::ShardReducer& shards, const std::string& out,
                  int64_t from, const std::string& data) {
  const gan::RunConfig& c = run.config();
  const gan::Objective& o = run.objective();
  std::fprintf(stderr, "nash %s train: data %s, model %s%s\n", NASH_VERSION, c.data.c_str(), c.model.c_str(),
               c.model_from_data ? (c.toy() ? " (the data set's best configuration: gan/presets.cpp)"
                                            : " (the best configuration for images)")
                                 : "");
  if (!c.toy()) std::fprintf(stderr, "  images %s (%lldx%lld, %lld channel%s)\n", data.c_str(),
                             static_cast<long long>(c.image_size), static_cast<long long>(c.image_size),
                             static_cast<long long>(c.channels), c.channels == 1 ? "" : "s");
  std::fprintf(stderr, "  objective %s (%s)\n    D minimises %s\n    G minimises %s\n", o.name.c_str(),
               o.reference.c_str(), o.d_formula.c_str(), o.g_formula.c_str());
  print_network("G", run.generator());
  print_network("D", run.discriminator());
  std::fprintf(stderr, "  run directory %s%s\n", out.c_str(),
               from > 0 ? (" (resuming at step " + std::to_string(from) + ")").c_str() : "");
  std::fprintf(stderr, "  seed %llu, threads %d, samples every %lld steps, checkpoint every %lld\n",
               static_cast<unsigned long long>(c.seed), r.threads, static_cast<long long>(r.sample_every),
               static_cast<long long>(r.checkpoint_every));
  if (shards.shards() > 1)
    std::fprintf(stderr, "  data parallel: every batch of %lld in %d shards of %lld, %d process%s (%d thread%s each)\n",
                 static_cast<long long>(c.batch), shards.shards(), static_cast<long long>(c.batch / shards.shards()),
                 shards.processes(), shards.processes() == 1 ? "" : "es", r.threads, r.threads == 1 ? "" : "s");
  std::string line = " ";
  for (auto& [key, value] : gan::applied_settings(c)) {
    if (key == "data" || key == "model" || key == "data_dir" || key == "seed") continue;  // shown above
    std::string item = " ";
    item.append(key).append("=").append(value.is_string() ? value.as_string() : to_json(value));
    if (line.size() + item.size() > 100) {
      std::fprintf(stderr, "%s\n", line.c_str());
      line.erase(1);  // keep the indent
    }
    line += item;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

// Every process steps; only the writer (rank 0) writes the run directory and prints. Stopping
// early (a signal, --max-seconds) is agreed by all processes after each step.
int train_loop(gan::Run& session, gan::RunDir& run, const Runtime& rt, double steps_per_epoch,
               gan::ShardReducer& shards) {
  const bool writer = shards.process() == 0;
  const gan::RunConfig& c = session.config();
  const bool logit = session.objective().logit;
  const int64_t steps = c.steps;
  const int64_t start = session.steps_done();
  Progress progress({.first = start,
                     .total = rt.stop_at > 0 ? std::min(steps, std::max(rt.stop_at, start)) : steps,
                     .every = rt.log_every,
                     .terminal = isatty(STDERR_FILENO) != 0,
                     .logit = logit,
                     .steps_per_epoch = steps_per_epoch,
                     .time_budget = rt.max_seconds});
  double seconds = run.rows().empty() ? 0 : run.rows().back().seconds;
  int64_t last_checkpoint = start, last_sample = -1;
  const auto t0 = std::chrono::steady_clock::now();
  // Toy data: a chart (SVG); images: the grid (PNG), and for CGAN the grid labelled by class.
  auto write_sample = [&](int64_t step) {
    const int64_t per_row = c.conditional() ? session.fixed_noise().size(0) / c.num_classes : 0;
    const Tensor samples = session.generate(session.fixed_noise(), session.fixed_labels(), rt.from_average);
    const std::string title = run.name() + ": " + (rt.from_average && session.has_average() ? "G's weight average" : "G") +
                              " at step " + std::to_string(step);
    if (!c.toy()) gan::viz::write_samples_png(run.sample_path(step, "png"), c, samples, per_row);
    if (c.toy() || c.conditional()) gan::viz::write_samples_svg(run.sample_path(step, "svg"), c, samples, per_row, title);
    last_sample = step;
  };
  auto checkpoint = [&](int64_t step) {
    run.flush_metrics();  // every row up to the checkpoint is on disk before it
    session.save(run.checkpoint_path());
    last_checkpoint = step;
  };
  install_signal_handlers();
  while (session.steps_done() < steps && !g_signal) {
    gan::StepStats s = session.step();
    seconds += s.seconds;
    const int64_t step = s.step;
    if (writer) {
      gan::MetricsRow row{s, session.d_optimizer().lr(), session.g_optimizer().lr(), seconds};
      run.append(row);
      progress.update(row);
      if (step % rt.sample_every == 0) write_sample(step);
      if (step % rt.checkpoint_every == 0) checkpoint(step);
      if (step % rt.sample_every == 0 || step % rt.checkpoint_every == 0) run.write_loss_svg(logit);
    }
    if (rt.stop_at > 0 && step >= rt.stop_at) break;
    bool stop = g_signal != 0 ||
                (rt.max_seconds > 0 &&
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= rt.max_seconds);
    if (shards.processes() > 1) stop = shards.any(stop);  // every rank stops after the same step
    if (stop) break;
  }
  const int64_t step = session.steps_done();
  if (!writer) return g_signal ? 128 + g_signal : 0;
  progress.finish();
  if (last_sample != step && step > 0) write_sample(step);
  if (last_checkpoint != step || !std::filesystem::exists(run.checkpoint_path())) checkpoint(step);
  run.flush_metrics();
  run.write_loss_svg(logit);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "nash train: %s at step %lld of %lld after %s%s\n",
               step >= steps ? "finished" : "stopped", static_cast<long long>(step),
               static_cast<long long>(steps), format_duration(wall).c_str(),
               g_signal == SIGINT ? " (interrupted)" : g_signal == SIGTERM ? " (terminated)" : "");
  if (shards.shards() > 1)
    std::fprintf(stderr, "  summing the shards (gather + in-order sum, waits included): %.2f s of %s, %.1f%%\n",
                 shards.sum_seconds(), format_duration(wall).c_str(), 100.0 * shards.sum_seconds() / wall);
  std::fprintf(stderr, "  run directory %s\n  samples %s\n  checkpoint %s\n", run.path().c_str(),
               run.sample_path(step, c.toy() ? "svg" : "png").c_str(), run.checkpoint_path().c_str());
  if (step < steps)
    std::fprintf(stderr, "  continue with: nash train --resume %s\n", run.path().c_str());
  return g_signal ? 128 + g_signal : 0;
}

}  // namespace


namespace {
int train(const Args& a, const std::shared_ptr<gan::ShardReducer>& shared, const std::string& command) {
  gan::ShardReducer& shards = *shared;
  const bool writer = shards.process() == 0;
  const bool several = shards.processes() > 1;
  if (several && !a.has("out") && !a.has("resume"))
    throw UsageError("under mpirun give --out DIR (or --resume DIR): every rank must name the same run");
  if (a.has("epochs") && a.has("steps")) throw UsageError("give --steps or --epochs, not both");
  gan::RunConfig config;
  std::unique_ptr<gan::RunDir> run;
  Json saved_runtime;
  int64_t from = 0;
  if (a.has("resume")) {
    const std::string dir = a.get_string("resume", "");
    if (a.has("out") && a.get_string("out", "") != dir)
      throw UsageError("--out cannot move a resumed run; it stays in " + dir);
    run = std::make_unique<gan::RunDir>(dir);
    NASH_CHECK(std::filesystem::is_regular_file(run->checkpoint_path()), "cannot resume ", dir,
               ": no checkpoint.safetensors in it");
    gan::CheckpointInfo info = gan::Run::read_info(run->checkpoint_path());
    config = info.config;
    from = info.step;
    try {  // the settings the run was started with (threads, intervals): kept unless overridden
      saved_runtime = parse_json(read_file(run->config_path())).at("runtime");
    } catch (const Error&) {
      saved_runtime = Json();
    }
    for (const auto& [name, value] : a.values) {
      if (resumable_flag(name) || data_check_flag(name) || name == "out") continue;
      bool same = false;
      if (name == "data" || name == "model") {
        same = name == "data" ? data_name(value) == config.data : model_name(value) == config.model;
      } else {
        Args one;  // this flag alone on top of the run's settings
        one.values[name] = value;
        gan::RunConfig given = config;
        apply_flags(given, one);
        same = to_json(gan::config_to_json(given)) == to_json(gan::config_to_json(config));
      }
      if (!same)
        throw UsageError("--" + name + " " + value + " differs from the settings of the run in " + dir +
                         "; a resumed run keeps them (only --steps, --epochs, --threads, --sample-every, "
                         "--checkpoint-every, --log-every, --stop-at, --max-seconds and --sample-from may change)");
    }
    if (a.has("steps")) {
      Args one;
      one.values["steps"] = a.values.at("steps");
      apply_flags(config, one);
    }
  } else {
    const std::string data = data_name(a.get_string("data", "fashion-mnist"));
    const std::string model = a.has("model") ? model_name(a.get_string("model", "")) : "";
    try {
      config = gan::default_config(data, model);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    if (!config.toy()) config.data_dir = std::filesystem::absolute(config.data_dir).lexically_normal().string();
    apply_flags(config, a);
  }

  if (!run) size_flags(config, a);
  std::string data_description;
  std::shared_ptr<gan::DataSource> data = open_training_data(config, data_description);
  check_data_flags(config, a);
  const double steps_per_epoch =
      data->size() > 0 ? static_cast<double>(data->size()) / static_cast<double>(config.batch) : 0;
  if (a.has("epochs")) {  // PyTorch-GAN's budget: passes over the data
    if (steps_per_epoch <= 0) throw UsageError("--epochs applies to image data (a toy data set has no size)");
    const int64_t epochs = a.get_int("epochs", 1, 1, 100000);
    Args one;
    one.values["steps"] = std::to_string(static_cast<int64_t>(std::ceil(epochs * steps_per_epoch)));
    apply_flags(config, one);
  }
  if (run && config.steps <= from) {
    if (writer)
      std::fprintf(stderr, "nash train: %s is already at step %lld of %lld; pass --steps to train further\n",
                   run->path().c_str(), static_cast<long long>(from), static_cast<long long>(config.steps));
    return 0;
  }
  const Runtime rt = runtime_settings(a, config, saved_runtime, shards.processes());
  set_num_threads(rt.threads);
  gan::Run session(config, data);
  session.set_shards(shared);
  // A broken run stops naming the step and quantity; the classic failures are pointed out.
  gan::watch_health(session, [writer](const gan::HealthWarning& w) {
    if (writer) std::fprintf(stderr, "\nnash train: warning at %s\n", w.text().c_str());
  });
  const std::string out = run ? run->path() : a.get_string("out", default_out(config));
#ifdef NASH_HAVE_MPI
  if (several)
    static_cast<gan::MpiShards&>(shards).agree("the run (settings, directory, step)",
                                               to_json(gan::config_to_json(session.config())) + "\n" + out +
                                                   "\n" + std::to_string(from));
#endif
  if (run) {
    session.load(run->checkpoint_path());  // every rank reads it: a shared directory
    NASH_CHECK(session.steps_done() == from, run->checkpoint_path(), ": step changed while loading");
    if (writer) {
      // A writer killed mid-write (SIGKILL) leaves its temporary file behind: clear them now.
      for (const std::string& dir : {run->path(), run->path() + "/samples"})
        if (std::filesystem::is_directory(dir)) remove_stale_temporaries(dir);
      run->open_metrics(from);
    }
  } else {
    run = std::make_unique<gan::RunDir>(out);
    if (writer) run->create();
  }
  if (writer) {
    Json saved = gan::config_to_json(session.config());
    saved["runtime"] = runtime_json(rt, shards, run->path(), command);
    run->write_config(saved);
    if (from == 0) run->open_metrics(-1);
  }
  // Frames for `nash report` (gan/viz/frames.h), recorded through the run's hooks.
  auto frames = gan::viz::record_frames(session, run->path() + "/frames", {.every = writer ? rt.viz_every : 0});
  if (writer) print_banner(session, rt, shards, run->path(), from, data_description);
  return train_loop(session, *run, rt, steps_per_epoch, shards);
}
}  // namespace

int train_command(int argc, char** argv, int first) {
  Args a = parse_args("train", train_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(kTrainSynopsis, kTrainDescription, train_flags()).c_str());
    return 0;
  }
  std::shared_ptr<gan::ShardReducer> shards = open_shards(a);
  if (shards->processes() == 1) return train(a, shards, join_command(argc, argv));
  // Under mpirun a rank's error must end every rank (the others would wait for it forever):
  // print it, then abort the job.
  try {
    return train(a, shards, join_command(argc, argv));
  } catch (const std::exception& e) {
    const bool usage = dynamic_cast<const UsageError*>(&e) != nullptr;
    std::fprintf(stderr, "nash train: rank %d of %d: %s%s\n", shards->process(), shards->processes(), e.what(),
                 usage ? " (see nash train --help)" : "");
    std::fflush(stderr);
#ifdef NASH_HAVE_MPI
    gan::MpiShards::abort_job(usage ? 2 : 1);
#endif
    throw;
  }
}

}  // namespace nash::cli
