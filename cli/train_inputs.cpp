// The command-line side of `nash train` (see train_inputs.h).
#include "cli/train_inputs.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "tensor/error.h"

#ifdef NASH_HAVE_MPI
#include "gan/mpi/mpi_shards.h"
#endif

namespace nash::cli {

namespace {
// The flags of `nash train`: one per field of the run configuration (gan/run_config.cpp lists
// them with their help and limits), --lr for both rates, and the program's own runtime flags.
const std::vector<Flag>& runtime_flags() {
  static const std::vector<Flag> flags = {
      {"lr", "X", "learning rate of both networks"},
      {"epochs", "E", "train E passes over the images (sets --steps; image data)", {"n_epochs"}},
      {"img-size", "S", "the image size the data must have (nash does not resize)", {"img_size"}},
      {"channels", "C", "the image channels the data must have", {}},
      {"n-classes", "K", "the classes the data must have", {"n_classes"}},
      {"sample-from", "WHICH", "grids from G's weight average (ema, the default when --ema > 0) or G itself (g)"},
      {"threads", "T", "worker threads (default: 1 for toy data or under mpirun, all cores for images)", {"n_cpu"}},
      {"shards", "N", "split every batch into N shards whose gradients are summed in order: the"
                      " one-process twin of mpirun -np N (under mpirun: N/P shards per process)"},
      {"out", "DIR", "run directory (default runs/<data>-<model>-<time>)"},
      {"resume", "DIR", "continue the run in DIR exactly where its checkpoint left it"},
      {"sample-every", "N", "write samples/step_<N>.png every N steps", {"sample_interval", "sample-interval"}},
      {"checkpoint-every", "N", "write checkpoint.safetensors every N steps"},
      {"viz-every", "N", "record frames/ for nash report every N steps (default: 100 for toy data, 0 = off for images)"},
      {"log-every", "N", "print a progress line every N steps when stderr is not a terminal"},
      {"stop-at", "STEP", "stop this invocation after STEP (checkpointed; --resume continues)"},
      {"max-seconds", "X", "stop this invocation after X seconds of training (checkpointed)"},
      {"help", "", "print this help"},
  };
  return flags;
}

}  // namespace

const std::vector<Flag>& train_flags() {
  static const std::vector<Flag> flags = [] {
    std::vector<Flag> all;
    for (const auto& f : gan::config_fields()) {
      if (f.flag.empty()) continue;
      std::string help = f.help;
      if (f.kind == gan::ConfigField::Kind::Text && !f.choices.empty() && f.key != "loss" && f.key != "model") {
        help += " (";
        for (size_t i = 0; i < f.choices.size(); ++i) help += (i ? ", " : "") + f.choices[i];
        help += ")";
      }
      all.push_back({f.flag, f.value_name, help, f.aliases});
    }
    for (const auto& f : runtime_flags()) all.push_back(f);
    return all;
  }();
  return flags;
}

bool is_runtime_flag(const std::string& name) {
  for (const auto& f : runtime_flags())
    if (f.name == name) return true;
  return false;
}

// Flags a resumed run may change; every other flag must agree with the run's settings.
bool resumable_flag(const std::string& name) { return name == "steps" || is_runtime_flag(name); }

// Data checks, not settings: a resumed run may repeat them.
bool data_check_flag(const std::string& name) {
  return name == "img-size" || name == "channels" || name == "n-classes";
}

// The flags on top of a configuration (the data set's defaults, or a resumed run's settings):
// --loss first (what applies depends on it), then every other configuration flag, then checks
// that each given setting acts on this run.
void apply_flags(gan::RunConfig& c, const Args& a) {
  auto set = [&](const std::string& name, const std::string& value) {
    try {
      gan::set_field(c, name, value);
    } catch (const Error& e) {
      throw UsageError("--" + name + ": " + e.what());
    }
  };
  if (a.has("loss")) set("loss", a.values.at("loss"));
  for (const auto& [name, value] : a.values)
    if (name != "loss" && name != "data" && name != "model" && gan::find_field(name)) set(name, value);
  if (a.has("lr")) {
    set("lr-d", a.values.at("lr"));
    set("lr-g", a.values.at("lr"));
  }
  for (const auto& [name, value] : a.values) {
    const gan::ConfigField* f = gan::find_field(name);
    if (f && !f->applies(c))
      throw UsageError("--" + name + " does not apply to this run (model " + c.model + ", loss " + c.loss +
                       ", data " + c.data + "): it sets the " + f->help);
  }
  try {
    gan::validate(c);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

// This invocation's shards: one process per rank under mpirun, else --shards N here.
std::shared_ptr<gan::ShardReducer> open_shards(const Args& a) {
  const int n = static_cast<int>(a.get_int("shards", 0, 1, 4096));
#ifdef NASH_HAVE_MPI
  if (gan::started_by_mpirun()) return std::make_shared<gan::MpiShards>(n);
#else
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size && std::atoi(size) > 1)
    fail("this nash was built without MPI and cannot run under mpirun -np ", size,
         " (install libopenmpi-dev and rebuild), or use --shards N in one process");
#endif
  return gan::local_shards(n == 0 ? 1 : n);
}

// The data for this run (image data completes the configuration from its files), with a hint
// when the default data set is not installed.
std::shared_ptr<gan::DataSource> open_training_data(gan::RunConfig& config, std::string& description) {
  try {
    return gan::open_data(config, &description);
  } catch (const Error& e) {
    if (config.data == "fashion-mnist" && !std::filesystem::exists(gan::kFashionMnistDir))
      fail(e.what(), " (install the Debian package dataset-fashion-mnist: scripts/setup.sh)");
    throw;
  }
}

// --img-size and --channels (PyTorch-GAN's flags) size a folder of images and are checked
// against IDX and .npy data (which nash does not resize); --n-classes is checked.
void size_flags(gan::RunConfig& c, const Args& a) {
  for (const char* flag : {"img-size", "channels"}) {
    if (!a.has(flag)) continue;
    if (c.toy()) throw UsageError(std::string("--") + flag + " applies to image data only");
    (std::string(flag) == "img-size" ? c.image_size : c.channels) =
        a.get_int(flag, 0, 1, std::string(flag) == "img-size" ? 4096 : 4);
  }
}

void check_data_flags(const gan::RunConfig& c, const Args& a) {
  auto check = [&](const char* flag, int64_t actual, const char* what) {
    if (!a.has(flag)) return;
    const int64_t want = a.get_int(flag, 0, 1, 1 << 20);
    if (c.toy()) throw UsageError(std::string("--") + flag + " applies to image data only");
    if (want != actual)
      throw UsageError(std::string("--") + flag + " " + std::to_string(want) + ": the " + what + " of " +
                       c.data_dir + " is " + std::to_string(actual) + " (nash does not resize or convert)");
  };
  check("n-classes", c.num_classes, "class count");
}

// The model name as typed, folded ("DCGAN", "wgan_gp"), or a usage error with a did-you-mean.
std::string model_name(const std::string& typed) {
  std::string m = typed;
  for (char& ch : m) ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (!gan::is_model_name(m))
    throw UsageError("--model " + typed + ": expected gan, cgan, wgan, wgan-gp or dcgan" +
                     did_you_mean(typed, {"gan", "cgan", "wgan", "wgan-gp", "dcgan"}));
  return m;
}

std::string data_name(const std::string& typed) {
  std::string d = typed;
  for (char& ch : d) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (gan::is_toy_data(d) || d == "fashion-mnist" || d == "fashion_mnist") return d == "fashion_mnist" ? "fashion-mnist" : d;
  if (std::filesystem::is_directory(typed) || std::filesystem::is_regular_file(typed)) return typed;
  throw UsageError("--data " + typed + ": not gaussian1d, ring, grid or fashion-mnist, nor a directory" +
                   did_you_mean(typed, {"gaussian1d", "ring", "grid", "fashion-mnist"}));
}
}  // namespace nash::cli
