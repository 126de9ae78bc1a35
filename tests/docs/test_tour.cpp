// docs/tour.md, compiled and run: every ```cpp block of the tour is one of the snippets below
// (the last test checks that, so the doc and this file cannot drift apart). Snippets sit at the
// test's first indentation level; the check removes that indentation before comparing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/graphviz.h"
#include "gan/data/toy.h"
#include "gan/run.h"
#include "gan/toy_models.h"
#include "gan/viz/frames.h"
#include "nn/nn.h"
#include "nn/optim.h"
#include "tensor/ops.h"

using namespace nash;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}
}  // namespace

TEST_CASE("tour 1: a Tensor", "[docs]") {
  Rng rng(42);
  Tensor x = normal({4, 3}, 0.0, 1.0, rng);  // [N, D] = [4, 3] float32, the same for seed 42
  Tensor b = tensor({1.0, 2.0, 3.0});        // [D]
  Tensor y = relu(x + b);                    // b is broadcast over the 4 rows
  Tensor s = sum(y, {1});                    // [4]: one sum per row

  CHECK(y.shape() == Shape{4, 3});
  CHECK(s.shape() == Shape{4});
  CHECK(amin(y).item() >= 0);
  CHECK(s.at({2}) == Approx(y.at({2, 0}) + y.at({2, 1}) + y.at({2, 2})));
}

TEST_CASE("tour 2: a Variable and its gradient", "[docs]") {
  Variable w(tensor({2.0}), /*requires_grad=*/true);  // a leaf whose gradient we want
  Variable y = w * w * w;                             // y = w^3: two "mul" nodes are recorded
  y.backward();                                       // walks them back: dy/dw = 3 w^2
  double dw = w.grad().item();                        // 12

  CHECK(dw == 12.0);
  CHECK(y.op_name() == "mul");
  CHECK(w.is_leaf());
}

TEST_CASE("tour 3: the graph, detach and grad", "[docs]") {
  Variable a(tensor({1.0, 2.0}), /*requires_grad=*/true);
  Variable c = sum(a * 3.0);
  std::string dot = to_dot({c});       // Graphviz text: the leaf, the multiply, the sum
  Variable cut = a.detach();           // the same values with no history: gradients stop here
  Variable da = grad({c}, {a})[0];     // dc/da = [3, 3], returned; a.grad() stays undefined

  CHECK(dot.find("sum") != std::string::npos);
  CHECK_FALSE(cut.requires_grad());
  CHECK(da.value().to_vector() == std::vector<double>{3, 3});
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("tour 4: a layer and an optimiser", "[docs]") {
  Rng rng(1);
  nn::Linear fc(2, 1, rng);                           // y = x W^T + b, W [1, 2], b [1]
  std::vector<std::string> names;
  for (const auto& [name, p] : fc.named_parameters())
    names.push_back(name + " " + shape_str(p.shape()));  // "weight [1, 2]", "bias [1]"
  nn::optim::SGD opt(fc.parameters(), {.lr = 0.1});
  Tensor xs = normal({64, 2}, 0.0, 1.0, rng);
  Tensor ys = sum(xs * 2.0, {1}, /*keepdim=*/true);   // the target: y = 2 x1 + 2 x2
  for (int i = 0; i < 200; ++i) {
    Variable loss = mean(square(fc(Variable(xs)) - ys));  // mean squared error
    opt.zero_grad();                                    // forget the last step's gradients
    loss.backward();                                    // dloss/dW and dloss/db into .grad
    opt.step();                                         // W -= 0.1 dW, b -= 0.1 db
  }

  CHECK(names == std::vector<std::string>{"weight [1, 2]", "bias [1]"});
  CHECK(fc.weight.value().at({0, 0}) == Approx(2).margin(1e-3));
  CHECK(fc.weight.value().at({0, 1}) == Approx(2).margin(1e-3));
  CHECK(fc.bias.value().at({0}) == Approx(0).margin(1e-3));
}

TEST_CASE("tour 5: one GAN step, written out", "[docs]") {
  Rng init(0), rng(1);
  gan::MlpSpec spec{.hidden = 32};
  auto G = gan::make_mlp_toy_generator(/*noise_dim=*/2, /*out_dim=*/2, spec, init);  // z [N, 2] -> x [N, 2]
  auto D = gan::make_mlp_toy_discriminator(/*in_dim=*/2, /*pack=*/1, spec, init);    // x [N, 2] -> logit [N, 1]
  gan::Objective ns = gan::make_objective("ns");  // D: -[log D(x) + log(1 - D(G(z)))], G: -log D(G(z))
  nn::optim::Adam opt_d(D->parameters(), {.lr = 1e-3, .beta1 = 0.5});
  nn::optim::Adam opt_g(G->parameters(), {.lr = 1e-3, .beta1 = 0.5});
  gan::ToyData ring("ring");

  // D's step: G's samples enter as plain numbers, so no gradient can reach G.
  Tensor real = ring.sample(64, rng);
  Tensor fake;
  {
    NoGradGuard no_grad;  // G runs without recording a graph
    fake = G->generate(Variable(normal({64, 2}, 0.0, 1.0, rng)), Tensor()).value();
  }
  Variable d_loss = ns.d_loss(D->score(Variable(real), Tensor()), D->score(Variable(fake), Tensor()));
  opt_d.zero_grad();
  d_loss.backward();  // gradients reach D's parameters only
  opt_d.step();

  CHECK(G->parameters()[0].grad().defined() == false);  // G untouched by D's step
  const Tensor d_grad = D->parameters()[0].grad().value().clone();

  // G's step: D judges with frozen parameters, so only G's parameters get gradients.
  D->requires_grad_(false);
  Variable z(normal({64, 2}, 0.0, 1.0, rng));
  Variable g_loss = ns.g_loss(D->score(G->generate(z, Tensor()), Tensor()));
  opt_g.zero_grad();
  g_loss.backward();  // through D (frozen) into G
  opt_g.step();
  D->requires_grad_(true);

  CHECK(G->parameters()[0].grad().defined());
  CHECK(equal(D->parameters()[0].grad().value(), d_grad));  // D's gradients as D's step left them
  CHECK(d_loss.item() == Approx(std::log(4.0)).margin(0.2));   // an untrained D: about log 4
}

TEST_CASE("tour 6: the same step in gan::Run, with hooks and frames", "[docs]") {
  const std::string frames_dir = (std::filesystem::temp_directory_path() / "nash_tour_frames").string();
  std::filesystem::remove_all(frames_dir);

  gan::RunConfig c = gan::default_config("ring", "");  // the ring's preset (gan/presets.cpp)
  c.steps = 200;
  c.batch = 128;
  gan::Run run(c);
  double last_d_real = 0;
  run.on_step([&](gan::Run&, const gan::StepStats& s) { last_d_real = s.d_real; });
  auto frames = gan::viz::record_frames(run, frames_dir, {.every = 100});  // for `nash report`
  while (!run.done()) run.step();  // each step: the D step, then the G step, as above

  CHECK(run.steps_done() == 200);
  CHECK(last_d_real > 0);
  CHECK(last_d_real < 1);
  CHECK(std::filesystem::exists(frames_dir + "/step_000200.safetensors"));
  std::filesystem::remove_all(frames_dir);
}

TEST_CASE("tour: every code block of docs/tour.md is a snippet of this file", "[docs]") {
  const std::string doc = slurp(std::string(NASH_SOURCE_DIR) + "/docs/tour.md");
  std::string source;  // this file with the test bodies' two-space indentation removed
  std::istringstream lines(slurp(std::string(NASH_SOURCE_DIR) + "/tests/docs/test_tour.cpp"));
  for (std::string line; std::getline(lines, line);) source += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  int blocks = 0;
  for (size_t at = 0; (at = doc.find("```", at)) != std::string::npos;) {
    const size_t body = doc.find('\n', at) + 1, end = doc.find("\n```", body);
    REQUIRE(end != std::string::npos);
    const std::string fence = doc.substr(at, body - at - 1), block = doc.substr(body, end - body + 1);
    INFO("block starting: " << block.substr(0, 80));
    CHECK(fence == "```cpp");  // only C++ blocks: each one compiled here
    CHECK(source.find(block) != std::string::npos);
    ++blocks;
    at = end + 4;
  }
  CHECK(blocks >= 6);
}
