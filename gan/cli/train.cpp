// nash train: builds (or resumes) a run, trains it with progress output, and keeps its directory
// current: metrics.csv every step, sample grids and loss.svg every --sample-every steps,
// checkpoints every --checkpoint-every steps and at the end. SIGINT/SIGTERM finish the current
// step, write a checkpoint and exit with 130/143.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "gan/cli/args.h"
#include "gan/cli/commands.h"
#include "gan/cli/progress.h"
#include "gan/cli/run_dir.h"
#include "gan/cli/samples.h"
#include "gan/cli/session.h"
#include "tensor/parallel.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::cli {

namespace {
const std::vector<Flag>& train_flags() {
  static const std::vector<Flag> flags = {
      {"model", "M", "gan, cgan, wgan, wgan-gp or dcgan (default: the data set's best)"},
      {"data", "D", "gaussian1d, ring, grid, fashion-mnist (default) or a directory of MNIST files"},
      {"steps", "N", "G steps in the whole run (default: toy preset's budget; images 20000)",
       {"n_steps"}},
      {"batch", "B", "batch size", {"batch_size", "batch-size"}},
      {"seed", "S", "seed of everything random in the run (default 0)"},
      {"threads", "T", "worker threads (default: 1 for toy data, all cores for images)",
       {"n_cpu"}},
      {"out", "DIR", "run directory (default runs/<data>-<model>-<time>)"},
      {"resume", "DIR", "continue the run in DIR exactly where its checkpoint left it"},
      {"k", "K", "D steps per G step (gan, cgan, dcgan)"},
      {"n-critic", "N", "critic steps per G step (wgan, wgan-gp)", {"n_critic"}},
      {"clip", "C", "critic weight clipping bound (wgan)", {"clip_value", "clip-value"}},
      {"lambda", "L", "gradient penalty weight (wgan-gp)", {"lambda_gp", "lambda-gp"}},
      {"pack", "M", "PacGAN: D judges M samples at once (toy data)"},
      {"lr", "X", "learning rate of both networks"},
      {"lr-d", "X", "D (critic) learning rate"},
      {"lr-g", "X", "G learning rate"},
      {"b1", "X", "Adam beta1"},
      {"b2", "X", "Adam beta2"},
      {"latent-dim", "Z", "noise dimension", {"latent_dim"}},
      {"label-smoothing", "X", "one-sided: real label 1 - X (gan, cgan, dcgan)"},
      {"decay-start", "F", "learning rates fall linearly to 0 from this fraction of --steps (1: constant)"},
      {"ema", "D", "samples come from the running average of G's weights, decay D (0: off)"},
      {"sample-every", "N", "write samples/step_<N>.png every N steps",
       {"sample_interval", "sample-interval"}},
      {"checkpoint-every", "N", "write checkpoint.safetensors every N steps"},
      {"log-every", "N", "print a progress line every N steps when stderr is not a terminal"},
      {"stop-at", "STEP", "stop this invocation after STEP (checkpointed; --resume continues)"},
      {"max-seconds", "X", "stop this invocation after X seconds of training (checkpointed)"},
      {"help", "", "print this help"},
  };
  return flags;
}

const char* kTrainSynopsis =
    "nash train [--model {gan,cgan,wgan,wgan-gp,dcgan}] [--data {gaussian1d,ring,grid,fashion-mnist,DIR}]\n"
    "                  [--steps N] [--batch B] [--seed S] [--threads T] [--out RUN_DIR] [--resume RUN_DIR]\n"
    "                  [--k K] [--n-critic N] [--clip C] [--lambda L] [--pack M] [--lr-d X] [--lr-g X]\n"
    "                  [--sample-every N] [--checkpoint-every N] [--label-smoothing X] ...";

const char* kTrainDescription =
    "Trains a GAN and writes a run directory: config.json, metrics.csv (one row per G step),\n"
    "samples/step_<N>.png (a fixed noise batch every --sample-every steps), loss.svg and\n"
    "checkpoint.safetensors (everything needed to resume exactly). Without --model each data set\n"
    "gets the project's best configuration: the toy presets of gan/presets.h (gan with tuned\n"
    "networks, PacGAN and a learning-rate decay), PyTorch-GAN's gan.py MLPs for images. Every setting is printed at\n"
    "the start and saved. Ctrl-C (SIGINT) or SIGTERM finish the current step, write a checkpoint\n"
    "and exit with 130 or 143; --resume RUN_DIR then continues as if never stopped.";

// Flags a resumed run may change; every other flag must agree with the run's settings.
bool runtime_flag(const std::string& name) {
  return name == "steps" || name == "threads" || name == "sample-every" ||
         name == "checkpoint-every" || name == "log-every" || name == "stop-at" ||
         name == "max-seconds" || name == "resume" || name == "help";
}

bool wasserstein(gan::Family f) { return f == gan::Family::Wgan || f == gan::Family::WganGp; }

// The flags on top of a configuration (the data set's defaults, or a resumed run's settings).
void apply_flags(RunConfig& c, const Args& a) {
  gan::Preset& p = c.preset;
  gan::TrainConfig& t = p.train;
  const bool w = wasserstein(t.family);
  auto only = [&](const char* flag, bool ok, const char* who) {
    if (a.has(flag) && !ok) throw UsageError(std::string("--") + flag + " applies to " + who + " only");
  };
  only("k", !w, "--model gan, cgan and dcgan (wgan uses --n-critic)");
  only("label-smoothing", !w, "--model gan, cgan and dcgan");
  only("n-critic", w, "--model wgan and wgan-gp (gan uses --k)");
  only("clip", t.family == gan::Family::Wgan, "--model wgan");
  only("lambda", t.family == gan::Family::WganGp, "--model wgan-gp");
  only("pack", c.toy(), "the toy data sets");
  p.steps = a.get_int("steps", p.steps, 1);
  t.batch_size = a.get_int("batch", t.batch_size, 1, 1 << 20);
  c.seed = static_cast<uint64_t>(a.get_int("seed", static_cast<int64_t>(c.seed), 0));
  t.seed = c.seed;
  t.k = a.get_int("k", t.k, 1, 1000);
  t.n_critic = a.get_int("n-critic", t.n_critic, 1, 1000);
  t.clip = a.get_double("clip", t.clip, 1e-12, 1e6);
  t.gp_lambda = a.get_double("lambda", t.gp_lambda, 0, 1e6);
  t.pack = a.get_int("pack", t.pack, 1, 1024);
  const double lr = a.get_double("lr", 0, 1e-12, 10);
  if (a.has("lr")) t.lr_d = t.lr_g = lr;
  t.lr_d = a.get_double("lr-d", t.lr_d, 1e-12, 10);
  t.lr_g = a.get_double("lr-g", t.lr_g, 1e-12, 10);
  t.beta1 = a.get_double("b1", t.beta1, 0, 0.999999);
  t.beta2 = a.get_double("b2", t.beta2, 0, 0.999999);
  p.noise_dim = a.get_int("latent-dim", p.noise_dim, 1, 1 << 16);
  t.label_smoothing = a.get_double("label-smoothing", t.label_smoothing, 0, 0.999);
  p.decay_start = a.get_double("decay-start", p.decay_start, 0, 1);
  p.ema = a.get_double("ema", p.ema, 0, 0.999999);
  if (t.batch_size % t.pack != 0)
    throw UsageError("--batch " + std::to_string(t.batch_size) + " must be a multiple of --pack " +
                     std::to_string(t.pack));
}

std::string default_out(const RunConfig& c) {
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
  int64_t sample_every = 0, checkpoint_every = 0, log_every = 0, stop_at = 0;
  double max_seconds = 0;
};

Runtime runtime_settings(const Args& a, const RunConfig& c) {
  Runtime r;
  const char* env = std::getenv("NASH_NUM_THREADS");
  const int fallback = c.toy() && !env ? 1 : get_num_threads();  // small toy matrices: one core
  r.threads = static_cast<int>(a.get_int("threads", fallback, 1, 1024));
  const int64_t every = c.toy() ? 1000 : 500;
  r.sample_every = a.get_int("sample-every", every, 1);
  r.checkpoint_every = a.get_int("checkpoint-every", every, 1);
  r.log_every = a.get_int("log-every", c.toy() ? 500 : 50, 1);
  r.stop_at = a.get_int("stop-at", 0, 1);
  r.max_seconds = a.get_double("max-seconds", 0, 0);
  return r;
}

Json runtime_json(const Runtime& r, const std::string& out, const std::string& command) {
  Json j = Json::object();
  j["threads"] = r.threads;
  j["sample_every"] = r.sample_every;
  j["checkpoint_every"] = r.checkpoint_every;
  j["log_every"] = r.log_every;
  j["run_dir"] = out;
  j["command"] = command;
  return j;
}

void print_banner(const RunConfig& c, const Runtime& r, const std::string& out, int64_t from) {
  std::fprintf(stderr, "nash %s train: data %s, model %s%s\n", NASH_VERSION, c.data.c_str(), c.model.c_str(),
               c.model_from_data ? (c.toy() ? " (the data set's best configuration: gan/presets.h)"
                                            : " (the best configuration for images)")
                                 : "");
  if (!c.toy()) std::fprintf(stderr, "  images %s (%lldx%lld)\n", c.data_dir.c_str(),
                             static_cast<long long>(c.image_size), static_cast<long long>(c.image_size));
  std::fprintf(stderr, "  run directory %s%s\n", out.c_str(),
               from > 0 ? (" (resuming at step " + std::to_string(from) + ")").c_str() : "");
  std::fprintf(stderr, "  seed %llu, threads %d, samples every %lld steps, checkpoint every %lld\n",
               static_cast<unsigned long long>(c.seed), r.threads, static_cast<long long>(r.sample_every),
               static_cast<long long>(r.checkpoint_every));
  std::string line = " ";
  for (auto& [key, value] : training_settings(c)) {
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

int train_loop(Session& session, RunDir& run, const Runtime& rt) {
  const RunConfig& c = session.config();
  const int64_t steps = c.preset.steps;
  const int64_t start = session.steps_done();
  Progress progress(start, steps, rt.log_every, isatty(STDERR_FILENO) != 0, wasserstein(c.train().family));
  double seconds = run.rows().empty() ? 0 : run.rows().back().seconds;
  int64_t last_checkpoint = start, last_sample = -1;
  const auto t0 = std::chrono::steady_clock::now();
  auto write_sample = [&](int64_t step) {
    const int64_t per_row = c.conditional() ? session.fixed_noise().size(0) / c.num_classes : 0;
    write_samples_png(run.sample_path(step), c,
                      session.generate(session.fixed_noise(), session.fixed_labels()), per_row);
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
    MetricsRow row{s, session.lr_d(), session.lr_g(), seconds};
    run.append(row);
    progress.update(row);
    const int64_t step = s.step;
    if (step % rt.sample_every == 0) write_sample(step);
    if (step % rt.checkpoint_every == 0) checkpoint(step);
    if (step % rt.sample_every == 0 || step % rt.checkpoint_every == 0) run.write_loss_svg(c.train().family);
    if (rt.stop_at > 0 && step >= rt.stop_at) break;
    if (rt.max_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= rt.max_seconds)
      break;
  }
  progress.finish();
  const int64_t step = session.steps_done();
  if (last_sample != step && step > 0) write_sample(step);
  if (last_checkpoint != step || !std::filesystem::exists(run.checkpoint_path())) checkpoint(step);
  run.flush_metrics();
  run.write_loss_svg(c.train().family);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "nash train: %s at step %lld of %lld after %s%s\n",
               step >= steps ? "finished" : "stopped", static_cast<long long>(step),
               static_cast<long long>(steps), format_duration(wall).c_str(),
               g_signal == SIGINT ? " (interrupted)" : g_signal == SIGTERM ? " (terminated)" : "");
  std::fprintf(stderr, "  run directory %s\n  samples %s\n  checkpoint %s\n", run.path().c_str(),
               run.sample_path(step).c_str(), run.checkpoint_path().c_str());
  if (step < steps)
    std::fprintf(stderr, "  continue with: nash train --resume %s\n", run.path().c_str());
  return g_signal ? 128 + g_signal : 0;
}

MnistSplit load_images(RunConfig& c) {
  try {
    return load_training_images(c);
  } catch (const Error& e) {
    if (c.data == "fashion-mnist")
      fail(e.what(), " (install the Debian package dataset-fashion-mnist: scripts/setup.sh)");
    throw;
  }
}
}  // namespace

int train_command(int argc, char** argv, int first) {
  Args a = parse_args("train", train_flags(), argc, argv, first);
  if (a.has("help")) {
    std::printf("%s", usage_text(kTrainSynopsis, kTrainDescription, train_flags()).c_str());
    return 0;
  }
  const std::string command = join_command(argc, argv);
  RunConfig config;
  std::unique_ptr<RunDir> run;
  int64_t from = 0;
  if (a.has("resume")) {
    const std::string dir = a.get_string("resume", "");
    if (a.has("out") && a.get_string("out", "") != dir)
      throw UsageError("--out cannot move a resumed run; it stays in " + dir);
    run = std::make_unique<RunDir>(dir);
    NASH_CHECK(std::filesystem::is_regular_file(run->checkpoint_path()), "cannot resume ", dir,
               ": no checkpoint.safetensors in it");
    CheckpointInfo info = read_checkpoint_info(run->checkpoint_path());
    config = info.config;
    from = info.step;
    for (const auto& [name, value] : a.values) {
      if (runtime_flag(name) || name == "out") continue;
      bool same = false;
      if (name == "data" || name == "model") {
        same = value == (name == "data" ? config.data : config.model);
      } else {
        Args one;  // this flag alone on top of the run's settings
        one.values[name] = value;
        RunConfig given = config;
        apply_flags(given, one);
        same = to_json(config_to_json(given)) == to_json(config_to_json(config));
      }
      if (!same)
        throw UsageError("--" + name + " " + value + " differs from the settings of the run in " + dir +
                         "; a resumed run keeps them (only --steps, --threads, --sample-every, "
                         "--checkpoint-every, --log-every, --stop-at and --max-seconds may change)");
    }
    config.preset.steps = a.get_int("steps", config.preset.steps, 1);
    if (config.preset.steps <= from) {
      std::fprintf(stderr, "nash train: %s is already at step %lld of %lld; pass --steps to train further\n",
                   dir.c_str(), static_cast<long long>(from), static_cast<long long>(config.preset.steps));
      return 0;
    }
  } else {
    const std::string data = a.get_string("data", "fashion-mnist");
    if (!is_toy_data(data) && data != "fashion-mnist" && !std::filesystem::is_directory(data))
      throw UsageError("--data " + data + ": not gaussian1d, ring, grid or fashion-mnist, nor a directory");
    const std::string model = a.get_string("model", "");
    if (!model.empty() && !is_model_name(model))
      throw UsageError("--model " + model + ": expected gan, cgan, wgan, wgan-gp or dcgan");
    try {
      config = default_config(data, model);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    if (!config.toy()) config.data_dir = std::filesystem::absolute(config.data_dir).lexically_normal().string();
    apply_flags(config, a);
  }

  const Runtime rt = runtime_settings(a, config);
  set_num_threads(rt.threads);
  MnistSplit images;
  if (!config.toy()) images = load_images(config);
  Session session(config, config.toy() ? nullptr : &images);

  if (run) {
    session.load(run->checkpoint_path());
    NASH_CHECK(session.steps_done() == from, run->checkpoint_path(), ": step changed while loading");
    run->open_metrics(from);
  } else {
    run = std::make_unique<RunDir>(a.get_string("out", default_out(config)));
    run->create();
  }
  Json saved = config_to_json(config);
  saved["runtime"] = runtime_json(rt, run->path(), command);
  run->write_config(saved);
  if (from == 0) run->open_metrics(-1);
  print_banner(config, rt, run->path(), from);
  return train_loop(session, *run, rt);
}

}  // namespace nash::cli
