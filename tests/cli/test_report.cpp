// nash report and nash explain, run as real processes. The report pages are loaded in headless
// Chromium (skipped with a warning when it is not installed): the page's self-test
// (report.html#selftest) shows every frame and writes what it drew, every script error and every
// blocked request into the DOM, which --dump-dom prints. The explain test reads the exported DOT.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "tensor/io/json.h"

#ifndef NASH_CLI_PATH
#error "tests/CMakeLists.txt must define NASH_CLI_PATH (the nash executable)"
#endif

namespace fs = std::filesystem;
using namespace nash;

namespace {

using nash_cli_test::slurp;
using nash_cli_test::TempDir;

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs a shell command with stdout and stderr captured in dir/<tag>.out, .err; returns the exit code.
int run(const std::string& command, const TempDir& dir, const std::string& tag, std::string* err = nullptr) {
  const std::string cmd = command + " >" + quote(dir / (tag + ".out")) + " 2>" + quote(dir / (tag + ".err"));
  const int status = std::system(cmd.c_str());
  if (err) *err = slurp(dir / (tag + ".err"));
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int nash_cmd(const std::string& args, const TempDir& dir, const std::string& tag) {
  std::string err;
  const int code = run(quote(NASH_CLI_PATH) + " " + args, dir, tag, &err);
  if (code != 0) WARN("nash " << args << " -> " << code << "\n" << err);
  return code;
}

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(p)) return p;
  return "";
}

std::string unescape_html(std::string s) {
  for (auto [from, to] : {std::pair<const char*, const char*>{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}})
    for (size_t i = 0; (i = s.find(from, i)) != std::string::npos; i += std::string(to).size())
      s.replace(i, std::string(from).size(), to);
  return s;
}

// Loads report.html#selftest headless; returns the self-test's JSON. Console messages (errors,
// blocked loads) are checked on Chromium's log, the page's own record in the JSON.
Json load_in_chromium(const std::string& page, const TempDir& dir, const std::string& tag) {
  const std::string flags = " --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions"
                            " --user-data-dir=" + quote(dir / (tag + "-profile")) +
                            " --enable-logging=stderr --v=0 --virtual-time-budget=10000";
  std::string err;
  const int code = run("timeout 90 " + chromium() + flags + " --dump-dom " + quote("file://" + page + "#selftest"),
                       dir, tag, &err);
  REQUIRE(code == 0);
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    INFO("chromium log: " << line);
    CHECK(line.find(":CONSOLE") == std::string::npos);  // the page logs nothing when all is well
  }
  const std::string dom = slurp(dir / (tag + ".out"));
  const std::string open = "<pre id=\"selftest\">";
  const size_t start = dom.rfind(open), end = dom.find("</pre>", start);  // the last: the page appends it
  INFO("dom tail: " << dom.substr(dom.size() > 2000 ? dom.size() - 2000 : 0));
  REQUIRE(start != std::string::npos);
  REQUIRE(end != std::string::npos);
  return parse_json(unescape_html(dom.substr(start + open.size(), end - start - open.size())));
}

void screenshot(const std::string& page, const std::string& png, const TempDir& dir) {
  const std::string cmd = "timeout 90 " + chromium() +
                          " --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=1300,1500"
                          " --user-data-dir=" + quote(dir / "shot-profile") + " --virtual-time-budget=10000"
                          " --screenshot=" + quote(png) + " " + quote("file://" + page);
  REQUIRE(run(cmd, dir, "shot") == 0);
  CHECK(fs::file_size(png) > 50000);  // a picture, not a blank page
}

// The page holds no reference to anything outside itself.
void check_self_contained(const std::string& html) {
  for (const char* bad : {"src=\"http", "href=\"http", "url(http", "@import", "<link", "fetch(", "XMLHttpRequest"})
    CHECK(html.find(bad) == std::string::npos);
  CHECK(html.find("Content-Security-Policy") != std::string::npos);
}

// Trains, writes the report, loads it headless; returns the self-test record.
Json train_and_load(const std::string& train_args, const TempDir& dir, const std::string& tag,
                    const std::string& shot = "") {
  const std::string out = dir / tag;
  REQUIRE(nash_cmd("train " + train_args + " --threads 1 --out " + quote(out), dir, tag + "-train") == 0);
  REQUIRE(nash_cmd("report --run " + quote(out), dir, tag + "-report") == 0);
  const std::string page = out + "/report.html";
  REQUIRE(fs::is_regular_file(page));
  check_self_contained(slurp(page));
  if (chromium().empty()) {
    WARN("chromium is not installed (apt-get install chromium): the page was not loaded");
    return Json();
  }
  Json r = load_in_chromium(page, dir, tag);
  INFO(to_json(r));
  CHECK(r.at("errors").size() == 0);
  CHECK(r.at("violations").size() == 0);
  CHECK(r.at("resources").size() == 0);
  CHECK(r.at("shown").as_int64() == r.at("frames").as_int64());
  CHECK(r.at("charts").as_int64() >= 3);
  if (!shot.empty()) screenshot(page, out + "/" + shot, dir);
  return r;
}

int64_t drawn(const Json& r, const char* what) {
  const Json* v = r.at("drawn").find(what);
  return v ? v->as_int64() : 0;
}

// A DOT file's node labels, each split into its lines.
std::vector<std::vector<std::string>> dot_labels(const std::string& dot) {
  std::vector<std::vector<std::string>> out;
  const std::string open = " [label=\"";
  for (size_t at = 0; (at = dot.find(open, at)) != std::string::npos;) {
    size_t end = at + open.size();
    while (end < dot.size() && dot[end] != '"') end += dot[end] == '\\' ? 2 : 1;  // escaped quotes
    std::string label = dot.substr(at + open.size(), end - at - open.size());
    at = end;
    std::vector<std::string> lines;
    for (size_t start = 0;;) {
      size_t nl = label.find("\\n", start);
      lines.push_back(label.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 2;
    }
    out.push_back(lines);
  }
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& word) {
  for (const auto& l : lines)
    if (l.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("nash report: a ring run's page plays every frame with heatmap, points and arrows", "[cli][report]") {
  TempDir dir;
  Json r = train_and_load("--data ring --steps 3000", dir, "ring", "ring.png");
  // 3000 steps recorded every 100 by default: steps 0, 100, ..., 3000.
  CHECK(fs::is_regular_file(dir / "ring/frames/step_003000.safetensors"));
  if (r.is_null()) return;
  CHECK(r.at("frames").as_int64() == 31);
  CHECK(r.at("view").as_string() == "plane");
  CHECK(drawn(r, "heat") == 64 * 64);
  CHECK(drawn(r, "real") == 512);
  CHECK(drawn(r, "fake") == 512);
  CHECK(drawn(r, "arrows") == 512);
  CHECK(drawn(r, "manifold") == 21 * 21);
  CHECK(drawn(r, "outputs") > 0);
}

TEST_CASE("nash report: gaussian1d draws Goodfellow et al.'s Figure 1, and its frames repeat byte for byte", "[cli][report]") {
  TempDir dir;
  Json r = train_and_load("--data gaussian1d --steps 600", dir, "g1d");
  REQUIRE(nash_cmd("train --data gaussian1d --steps 600 --threads 1 --out " + quote(dir / "again"), dir, "again") == 0);
  for (const auto& e : fs::directory_iterator(dir / "g1d/frames")) {
    INFO(e.path());
    CHECK(slurp(e.path().string()) == slurp(dir / ("again/frames/" + e.path().filename().string())));
  }
  if (r.is_null()) return;
  CHECK(r.at("view").as_string() == "line");
  CHECK(r.at("frames").as_int64() == 7);
  CHECK(drawn(r, "gdens") == 60);
  CHECK(drawn(r, "d") == 256);
  CHECK(drawn(r, "map") == 21);
}

TEST_CASE("nash report: grid with wgan-gp shows the ||grad_x D|| map and the critic's curves", "[cli][report]") {
  TempDir dir;
  Json r = train_and_load("--data grid --model wgan-gp --steps 200 --viz-every 50 --batch 64", dir, "grid");
  const std::string html = slurp(dir / "grid/report.html");
  CHECK(html.find("lambda E (||grad f(x^)|| - 1)^2") != std::string::npos);  // the formulas
  if (r.is_null()) return;
  CHECK(r.at("frames").as_int64() == 5);
  CHECK(drawn(r, "grad") == 64 * 64);
  CHECK(drawn(r, "arrows") == 512);
  CHECK(r.at("charts").as_int64() >= 6);  // losses, scores, Wasserstein, penalty, norms, 2 per-layer
}

TEST_CASE("nash report: a short Fashion-MNIST run shows the fixed-noise grids", "[cli][report]") {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte") &&
      !fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST is not installed (dataset-fashion-mnist): skipped");
    return;
  }
  TempDir dir;
  Json r = train_and_load("--data fashion-mnist --steps 20 --viz-every 10 --batch 32 --sample-every 20", dir, "fmnist");
  CHECK(fs::is_regular_file(dir / "fmnist/frames/step_000010.png"));
  if (r.is_null()) return;
  CHECK(r.at("view").as_string() == "image");
  CHECK(r.at("frames").as_int64() == 3);
  CHECK(drawn(r, "image") == 1);
  CHECK(drawn(r, "outputs") == 64);
}

TEST_CASE("nash report: no frames, bad input", "[cli][report]") {
  TempDir dir;
  REQUIRE(nash_cmd("train --data gaussian1d --steps 50 --viz-every 0 --threads 1 --out " + quote(dir / "plain"), dir, "t") == 0);
  CHECK_FALSE(fs::exists(dir / "plain/frames"));
  REQUIRE(nash_cmd("report --run " + quote(dir / "plain") + " --out " + quote(dir / "p.html"), dir, "r") == 0);
  CHECK(slurp(dir / "p.html").find("\"frames\":[]") != std::string::npos);
  std::string err;
  CHECK(run(quote(NASH_CLI_PATH) + " report", dir, "e1", &err) == 2);
  CHECK(err.find("--run RUN_DIR is required") != std::string::npos);
  CHECK(run(quote(NASH_CLI_PATH) + " report --run " + quote(dir / "nowhere"), dir, "e2", &err) == 1);
  CHECK(err.find("no such directory") != std::string::npos);
  CHECK(run(quote(NASH_CLI_PATH) + " report --help", dir, "h1") == 0);
  CHECK(slurp(dir / "h1.out").find("usage: nash report --run RUN_DIR") != std::string::npos);
  CHECK(run(quote(NASH_CLI_PATH) + " explain --help", dir, "h2") == 0);
  CHECK(slurp(dir / "h2.out").find("usage: nash explain --model M") != std::string::npos);
  CHECK(run(quote(NASH_CLI_PATH) + " train --help", dir, "h3") == 0);
  CHECK(slurp(dir / "h3.out").find("--viz-every") != std::string::npos);
  CHECK(run(quote(NASH_CLI_PATH) + " explain --model vae", dir, "e3", &err) == 2);
  CHECK(err.find("--model vae: expected gan") != std::string::npos);
}

TEST_CASE("nash explain: D's step gives G no gradient, G's step gives D none, read from the DOT", "[cli][explain]") {
  TempDir dir;
  for (const char* model : {"gan", "wgan-gp"}) {
    const std::string out = dir / model;
    INFO(model);
    REQUIRE(nash_cmd(std::string("explain --model ") + model + " --out " + quote(out), dir, model) == 0);
    const std::string text = slurp(dir / (std::string(model) + ".out"));
    CHECK(text.find("D minimises") != std::string::npos);
    CHECK(text.find("G minimises") != std::string::npos);
    const auto d_step = dot_labels(slurp(out + "/graph_d_step.dot"));
    const auto g_step = dot_labels(slurp(out + "/graph_g_step.dot"));
    int d_params = 0, g_params = 0, detached = 0, frozen = 0;
    for (const auto& node : d_step) {
      CHECK(node.size() >= 2);  // an op or a name, then a shape
      CHECK(node[1].front() == '[');
      if (node[0].rfind("G.", 0) == 0) CHECK(!has(node, "requires_grad"));  // no G parameter trains
      if (node[0].rfind("D.", 0) == 0 && has(node, "requires_grad")) ++d_params;
      if (has(node, "detached")) ++detached;
    }
    for (const auto& node : g_step) {
      if (node[0].rfind("D.", 0) == 0) {  // every D parameter is there, frozen
        CHECK(has(node, "frozen"));
        CHECK_FALSE(has(node, "requires_grad"));
        ++frozen;
      }
      if (node[0].rfind("G.", 0) == 0 && has(node, "requires_grad")) ++g_params;
    }
    CHECK(d_params == 6);  // D: three Linear layers, weight and bias each
    CHECK(detached == 1);  // the fake batch
    CHECK(frozen == 6);
    CHECK(g_params == 6);
    CHECK(text.find("checked in the step's backward: G's gradients untouched by D's backward; D's gradients "
                    "unchanged by G's backward") != std::string::npos);
    if (std::system("command -v dot >/dev/null 2>&1") == 0) {
      CHECK(slurp(out + "/graph_d_step.svg").find("<svg") != std::string::npos);
      CHECK(slurp(out + "/graph_g_step.svg").find("<svg") != std::string::npos);
    }
  }
}
