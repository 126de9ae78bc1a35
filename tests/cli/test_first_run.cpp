// What a newcomer sees from `nash train`: a short run's grid already shows training, PyTorch-GAN's
// flag names and epochs work, typos get a did-you-mean, a resumed run keeps every setting, and the
// progress line fits the terminal.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "cli/cli_test_util.h"
#include "cli/progress.h"
#include "fashion_data.h"
#include "tensor/io/json.h"
#include "tensor/io/npy.h"
#include "tensor/io/png.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash_cli_test;

namespace {
// The gray pixels of a PNG that nash wrote (one IDAT, 8-bit gray, filter 0 on every row).
std::vector<uint8_t> read_gray_png(const std::string& path, uint32_t& width, uint32_t& height) {
  const std::string b = slurp(path);
  std::tie(width, height) = png_size(path);
  REQUIRE(uint8_t(b[24]) == 8);  // bit depth
  REQUIRE(uint8_t(b[25]) == 0);  // gray
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
           (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
  };
  std::string packed;
  for (size_t at = 8; at + 8 <= b.size();) {
    const uint32_t len = be32(at);
    if (b.compare(at + 4, 4, "IDAT") == 0) packed += b.substr(at + 8, len);
    at += 12 + len;
  }
  std::vector<uint8_t> raw(static_cast<size_t>(height) * (width + 1));
  uLongf raw_size = raw.size();
  REQUIRE(uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(packed.data()), packed.size()) == Z_OK);
  REQUIRE(raw_size == raw.size());
  std::vector<uint8_t> pixels;
  for (uint32_t y = 0; y < height; ++y) {
    REQUIRE(raw[y * (width + 1)] == 0);  // filter None
    pixels.insert(pixels.end(), raw.begin() + y * (width + 1) + 1, raw.begin() + (y + 1) * (width + 1));
  }
  return pixels;
}

// The mean over pairs of tiles of the mean absolute pixel difference (0-255) in an 8x8 grid of
// 28x28 tiles with 2-pixel padding: 0 for 64 copies of one image.
double grid_diversity(const std::string& path) {
  uint32_t w = 0, h = 0;
  const std::vector<uint8_t> px = read_gray_png(path, w, h);
  REQUIRE(w == 8 * 30 + 2);
  REQUIRE(h == 8 * 30 + 2);
  auto tile = [&](int t, int y, int x) { return px[(2 + (t / 8) * 30 + y) * w + 2 + (t % 8) * 30 + x]; };
  double total = 0;
  int pairs = 0;
  for (int a = 0; a < 64; ++a)
    for (int b = a + 1; b < 64; ++b, ++pairs) {
      double d = 0;
      for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) d += std::abs(int(tile(a, y, x)) - int(tile(b, y, x)));
      total += d / (28 * 28);
    }
  return total / pairs;
}

int64_t last_metrics_step(const std::string& path) {
  const auto rows = lines_of(slurp(path));
  REQUIRE(rows.size() >= 2);
  return std::stoll(rows.back().substr(0, rows.back().find(',')));
}
}  // namespace

TEST_CASE("a 300-step Fashion-MNIST run's grid already shows varied samples", "[cli][fashion]") {
  if (!test::fashion_installed()) {
    WARN("Fashion-MNIST is not installed; skipped");
    return;
  }
  TempDir dir;
  Result r = nash_run({"train", "--steps", "300", "--threads", "2", "--out", "run"}, dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  // The default grid comes from G's weight average (decay 0.999), which ramps up from
  // (1 + t) / (10 + t): at step 300 it follows G. An average that started from G's initial weights
  // with the full decay shows 64 near-identical grey tiles here (measured: diversity 1.97; with
  // the ramp 39.5).
  const double average = grid_diversity(dir / "run/samples/step_300.png");
  INFO("grid diversity (mean pairwise |pixel difference|, 0-255): " << average);
  CHECK(average > 20);
  Result g = nash_run({"sample", "--run", "run", "--n", "64", "--sample-from", "g", "--out", "g.png"}, dir, "g");
  INFO(g.err);
  REQUIRE(g.code == 0);
  CHECK(grid_diversity(dir / "g.png") > 20);
}

TEST_CASE("PyTorch-GAN's flags and epochs train the same budget", "[cli][fashion]") {
  if (!test::fashion_installed()) {
    WARN("Fashion-MNIST is not installed; skipped");
    return;
  }
  TempDir dir;
  Result r = nash_run({"train", "--n_epochs", "1", "--batch_size", "64", "--lr", "0.0002", "--b1", "0.5",
                       "--latent_dim", "100", "--sample_interval", "400", "--img_size", "28", "--channels",
                       "1", "--n_classes", "10", "--threads", "2", "--out", "run"},
                      dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(last_metrics_step(dir / "run/metrics.csv") == 938);  // ceil(60000 / 64)
  CHECK(fs::exists(dir / "run/samples/step_400.png"));
  CHECK(fs::exists(dir / "run/samples/step_800.png"));
  CHECK(r.err.find("epoch 1") != std::string::npos);
  CHECK(r.err.find("epoch 2") == std::string::npos);
  const Json config = parse_json(slurp(dir / "run/config.json"));
  CHECK(config.at("steps").as_int64() == 938);
  CHECK(config.at("lr_d").as_number() == 0.0002);
  CHECK(config.at("runtime").at("sample_every").as_int64() == 400);
  Result bad = nash_run({"train", "--img_size", "32", "--steps", "1", "--out", "x"}, dir, "bad");
  require_one_line_error(bad, 1, "the images are 28x28 but the run expects 32x32");
}

TEST_CASE("a run whose D has won says so, naming the step", "[cli][fashion]") {
  if (!test::fashion_installed()) {
    WARN("Fashion-MNIST is not installed; skipped");
    return;
  }
  TempDir dir;
  Result r = nash_run({"train", "--model", "gan", "--lr", "10", "--steps", "300", "--threads", "2", "--out", "run"}, dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const size_t at = r.err.find("nash train: warning at step ");
  REQUIRE(at != std::string::npos);
  CHECK(r.err.find(": D has won: D(G(z)) has stayed below 0.01", at) != std::string::npos);
  CHECK(r.err.find("try a lower D learning rate (--lr-d)", at) != std::string::npos);
}

TEST_CASE("typos get a did-you-mean; names fold case and underscores", "[cli]") {
  TempDir dir;
  require_one_line_error(nash_run({"train", "--epoch", "3"}, dir), 2,
                         "unknown flag '--epoch' (did you mean --epochs / --n_epochs?)");
  require_one_line_error(nash_run({"train", "--model", "wgan_gpp", "--data", "ring"}, dir), 2,
                         "(did you mean wgan-gp?)");
  require_one_line_error(nash_run({"trian"}, dir), 2, "unknown command 'trian' (did you mean train?)");
  require_one_line_error(nash_run({"train", "--data", "rign"}, dir), 2, "(did you mean ring?)");
  require_one_line_error(nash_run({"train", "--data", "ring", "--epochs", "2"}, dir), 2,
                         "--epochs applies to image data");
  Result ok = nash_run({"train", "--data", "RING", "--model", "WGAN_GP", "--steps", "2", "--Batch_Size", "64",
                        "--out", "run"},
                       dir, "ok");
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  const Json config = parse_json(slurp(dir / "run/config.json"));
  CHECK(config.at("model").as_string() == "wgan-gp");
  CHECK(config.at("data").as_string() == "ring");
  CHECK(config.at("batch").as_int64() == 64);
  Result help = nash_run({"help", "train"}, dir, "help");
  CHECK(help.code == 0);
  CHECK(help.out.find("usage: nash train") != std::string::npos);
}

TEST_CASE("a resumed run keeps every setting it was started with", "[cli]") {
  TempDir dir;
  Result first = nash_run({"train", "--data", "gaussian1d", "--steps", "40", "--sample-every", "7",
                           "--checkpoint-every", "9", "--log-every", "5", "--threads", "2",
                           "--sample-from", "g", "--stop-at", "20", "--out", "run"},
                          dir, "first");
  INFO(first.err);
  REQUIRE(first.code == 0);
  Result second = nash_run({"train", "--resume", "run"}, dir, "second");
  INFO(second.err);
  REQUIRE(second.code == 0);
  const Json runtime = parse_json(slurp(dir / "run/config.json")).at("runtime");
  CHECK(runtime.at("sample_every").as_int64() == 7);
  CHECK(runtime.at("checkpoint_every").as_int64() == 9);
  CHECK(runtime.at("log_every").as_int64() == 5);
  CHECK(runtime.at("threads").as_int64() == 2);
  CHECK(runtime.at("sample_from").as_string() == "g");
  CHECK(second.err.find("threads 2, samples every 7 steps, checkpoint every 9") != std::string::npos);
  CHECK(second.err.find("step 25/40") != std::string::npos);  // --log-every 5 kept
  for (int step : {21, 28, 35, 40}) CHECK(fs::exists(dir / ("run/samples/step_" + std::to_string(step) + ".svg")));
  CHECK_FALSE(fs::exists(dir / "run/samples/step_30.svg"));  // --sample-every 7 kept
  // Overridden on the command line, a runtime setting changes and is saved.
  Result third = nash_run({"train", "--resume", "run", "--steps", "50", "--sample-every", "3"}, dir, "third");
  REQUIRE(third.code == 0);
  CHECK(parse_json(slurp(dir / "run/config.json")).at("runtime").at("sample_every").as_int64() == 3);
}

TEST_CASE("every chart has a title, labelled axes with numbers and its legend outside the data",
          "[cli]") {
  TempDir dir;
  Result r = nash_run({"train", "--data", "ring", "--steps", "30", "--batch", "64", "--sample-every", "30",
                       "--out", "ringrun"},
                      dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  Result w = nash_run({"train", "--data", "grid", "--model", "wgan-gp", "--steps", "5", "--batch", "64",
                       "--out", "gridrun"},
                      dir, "w");
  REQUIRE(w.code == 0);
  struct Chart {
    std::string file, title;
    std::vector<std::string> labels;  // axis labels and legend entries
  };
  const std::vector<Chart> charts = {
      {"ringrun/samples/step_30.svg", "ringrun: G at step 30", {">x1<", ">x2<", ">G's samples<", ">real samples<"}},
      {"ringrun/loss.svg", "ringrun: losses to step 30", {">G step<", ">loss<", ">D(x)<", ">D(G(z))<", ">log 4<", ">1/2<"}},
      {"gridrun/loss.svg", "gridrun: losses to step 5", {">G step<", ">critic loss<", ">E f(x) - E f(G(z))<"}},
  };
  for (const auto& c : charts) {
    const std::string svg = slurp(dir / c.file);
    INFO(c.file);
    CHECK(svg.find(">" + c.title + "</text>") != std::string::npos);
    for (const auto& l : c.labels) CHECK(svg.find(l) != std::string::npos);
    // tick labels are numbers: at least 8 text elements holding only a number
    int numbers = 0;
    for (size_t at = svg.find("\">"); at != std::string::npos; at = svg.find("\">", at + 2)) {
      const size_t end = svg.find("</text>", at);
      if (end == std::string::npos || end - at > 14) continue;
      const std::string t = svg.substr(at + 2, end - at - 2);
      numbers += !t.empty() && t.find_first_not_of("-0123456789.e+") == std::string::npos;
    }
    CHECK(numbers >= 8);
    // the legend sits right of the data box: every legend swatch's x is past the box's right edge
    const std::string box_start = "<rect x=\"70\" y=\"50\" width=\"";
    const size_t box = svg.find(box_start);
    REQUIRE(box != std::string::npos);
    const double right = 70 + std::stod(svg.substr(box + box_start.size()));
    const size_t swatch = svg.find("width=\"12\" height=\"8\"");
    REQUIRE(swatch != std::string::npos);
    const size_t x = svg.rfind("<rect x=\"", swatch);
    CHECK(std::stod(svg.substr(x + 9)) > right);
  }
}

TEST_CASE("the progress line fits the terminal's width", "[cli]") {
  gan::MetricsRow row;
  row.stats.step = 1234;
  row.stats.d_loss = 1.2345;
  row.stats.g_loss = 0.98765;
  row.stats.d_real = 0.5;
  row.stats.d_fake = 0.4;
  cli::Progress bar({.first = 0, .total = 20000, .terminal = true, .steps_per_epoch = 937.5});
  const std::string wide = bar.line(row, 150.0, 8.2, 200);
  CHECK(wide.find("[") == 0);
  CHECK(wide.find("epoch 2") != std::string::npos);
  CHECK(wide.find("D(G(z))") != std::string::npos);
  for (size_t width : {120, 100, 80, 60, 40, 20}) {
    const std::string narrow = bar.line(row, 150.0, 8.2, width);
    INFO(width << ": " << narrow);
    CHECK(narrow.size() <= width);
    CHECK(narrow.find("1234/20000") != std::string::npos);
  }
  // With a time budget that ends the run first, the bar and the ETA follow the clock.
  cli::Progress timed({.first = 0, .total = 20000, .terminal = false, .time_budget = 120});
  const std::string t = timed.line(row, 150.0, 30.0, 1000);
  CHECK(t.find("30s/2m00s") != std::string::npos);
  CHECK(t.find("ETA 1m30s") != std::string::npos);
}

namespace {
// A tiny IDX data set of n random 28x28 images and labels, as `split` ("train" or "t10k").
void write_idx(const std::string& dir, const std::string& split, int n) {
  fs::create_directories(dir);
  auto header = [](std::vector<uint32_t> dims) {
    std::string h = {0, 0, 8, static_cast<char>(dims.size())};
    for (uint32_t d : dims)
      for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((d >> s) & 0xff);
    return h;
  };
  std::string images = header({uint32_t(n), 28, 28}), labels = header({uint32_t(n)});
  for (int i = 0; i < n * 784; ++i) images += static_cast<char>((i * 7919) & 0xff);
  for (int i = 0; i < n; ++i) labels += static_cast<char>(i % 10);
  std::ofstream(dir + "/" + split + "-images-idx3-ubyte", std::ios::binary) << images;
  std::ofstream(dir + "/" + split + "-labels-idx1-ubyte", std::ios::binary) << labels;
}
}  // namespace

TEST_CASE("training data: a folder of t10k-* files alone, a .npy array, a folder of PNGs", "[cli]") {
  TempDir dir;
  write_idx(dir / "digits", "t10k", 64);
  Result t = nash_run({"train", "--data", "digits", "--steps", "2", "--batch", "16", "--threads", "1",
                       "--out", "t"}, dir, "t");
  INFO(t.err);
  REQUIRE(t.code == 0);
  CHECK(t.err.find("the test split (t10k-*; there are no train-* files)") != std::string::npos);

  // a .npy array of uint8 images [N, H, W] with its labels beside it
  std::vector<double> pixels(64 * 16 * 16);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<double>((i * 37) % 256);
  save_npy(dir / "faces.npy", from_vector(pixels, {64, 16, 16}).to(DType::Float32) * (1.0 / 255.0));
  std::vector<int64_t> labels(64);
  for (int i = 0; i < 64; ++i) labels[static_cast<size_t>(i)] = i % 2;
  save_npy(dir / "faces_labels.npy", from_vector(labels, {64}));
  Result n = nash_run({"train", "--data", "faces.npy", "--model", "cgan", "--steps", "2", "--batch", "16",
                       "--threads", "1", "--out", "n"}, dir, "n");
  INFO(n.err);
  REQUIRE(n.code == 0);
  CHECK(n.err.find("64 images from a .npy array, 2 classes") != std::string::npos);
  const Json nc = parse_json(slurp(dir / "n/config.json"));
  CHECK(nc.at("image_size").as_int64() == 16);
  CHECK(nc.at("num_classes").as_int64() == 2);

  // a folder of 3-channel 64x64 PNGs in two class subfolders, one file not an image
  for (const char* cls : {"cats", "dogs"}) {
    fs::create_directories(dir / (std::string("pets/") + cls));
    for (int i = 0; i < 8; ++i) {
      std::vector<uint8_t> rgb(64 * 64 * 3);
      for (size_t p = 0; p < rgb.size(); ++p) rgb[p] = static_cast<uint8_t>((p * (cls[0] == 'c' ? 3 : 5) + i) & 0xff);
      write_png(dir / (std::string("pets/") + cls + "/" + std::to_string(i) + ".png"), rgb.data(), 64, 64, 3);
    }
  }
  std::ofstream(dir / "pets/dogs/notes.png") << "not an image";
  Result f = nash_run({"train", "--data", "pets", "--model", "dcgan", "--steps", "1", "--batch", "8",
                       "--threads", "2", "--out", "f"}, dir, "f");
  INFO(f.err);
  REQUIRE(f.code == 0);
  CHECK(f.err.find("16 images, 2 classes; skipped 1 unreadable file") != std::string::npos);
  CHECK(f.err.find("64x64, 3 channels") != std::string::npos);
  auto [w, h] = png_size(dir / "f/samples/step_1.png");
  CHECK((w == 8 * 66 + 2 && h == 8 * 66 + 2));  // 64 RGB samples of 64x64 in an 8x8 grid
}
