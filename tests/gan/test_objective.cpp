// Objectives (gan/objective.h): the registry, and the hinge loss and the R1 penalty against their
// closed forms for a linear D(x) = w.x + b, R1's parameter gradient by gradcheck/gradgradcheck,
// and lazy R1 (every N D steps, scaled by N) inside a run.
#include <catch2/catch.hpp>

#include <cmath>

#include "autograd/gradcheck.h"
#include "gan/run.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
// D(x) = w.x + b on x [N, 3]: w [3, 1], b [1].
struct LinearD {
  Tensor w = from_vector(std::vector<double>{0.5, -1.25, 2.0}, {3, 1});
  Tensor b = from_vector(std::vector<double>{0.3}, {1});
  Variable operator()(const Variable& x) const { return matmul(x, Variable(w)) + Variable(b); }
  double at(const std::vector<double>& x) const { return 0.5 * x[0] - 1.25 * x[1] + 2.0 * x[2] + 0.3; }
};

Tensor rows(const std::vector<std::vector<double>>& r) {
  std::vector<double> flat;
  for (const auto& row : r) flat.insert(flat.end(), row.begin(), row.end());
  return from_vector(flat, {static_cast<int64_t>(r.size()), 3});
}
}  // namespace

TEST_CASE("the registry lists every objective and refuses unknown names", "[gan][objective]") {
  CHECK(objective_names() == std::vector<std::string>{"ns", "minimax", "lsgan", "wgan", "wgan-gp", "hinge", "r1"});
  for (const auto& name : objective_names()) {
    Objective o = make_objective(name);
    CHECK(o.name == name);
    CHECK(!o.d_formula.empty());
    CHECK(!o.g_formula.empty());
    CHECK(o.d_loss);
    CHECK(o.g_loss);
  }
  CHECK(make_objective("ns").logit);
  CHECK_FALSE(make_objective("hinge").logit);
  CHECK(make_objective("wgan").after_d_step);
  CHECK(make_objective("wgan-gp").penalty);
  CHECK(make_objective("r1").penalty);
  REQUIRE_THROWS_WITH(make_objective("vae"), Catch::Contains("unknown objective 'vae' (expected one of ns,"));
  REQUIRE_THROWS_WITH(make_objective("r1", {.r1_every = 0}), Catch::Contains("r1: gamma must be >= 0 and every >= 1"));
  REQUIRE_THROWS_WITH(make_objective("ns", {.d_steps = 0}), Catch::Contains("D steps per G step must be >= 1"));
}

TEST_CASE("hinge: a linear D's losses equal their closed forms", "[gan][objective]") {
  LinearD d;
  const std::vector<std::vector<double>> real{{1.0, 0.2, 0.4}, {-0.5, 0.3, -0.2}, {0.0, 0.0, 0.1}};
  const std::vector<std::vector<double>> fake{{0.4, -0.8, -0.6}, {-1.0, 1.0, 0.0}, {0.2, 0.2, 0.2}};
  double expect_d = 0, expect_g = 0;
  for (const auto& x : real) expect_d += std::max(0.0, 1.0 - d.at(x)) / 3;  // E relu(1 - D(x))
  for (const auto& x : fake) {
    expect_d += std::max(0.0, 1.0 + d.at(x)) / 3;                          // E relu(1 + D(G(z)))
    expect_g -= d.at(x) / 3;                                               // -E D(G(z))
  }
  Objective hinge = make_objective("hinge");
  const Variable real_out = d(Variable(rows(real))), fake_out = d(Variable(rows(fake)));
  CHECK(hinge.d_loss(real_out, fake_out).item() == Approx(expect_d).epsilon(1e-12));
  CHECK(hinge.g_loss(fake_out).item() == Approx(expect_g).epsilon(1e-12));
  // Both margins active: relu(1 - D) is zero for D(x) >= 1, so those samples send no gradient.
  CHECK(expect_d > 0);
}

TEST_CASE("R1: a linear D's penalty is gamma/2 ||w||^2", "[gan][objective]") {
  LinearD d;
  Rng rng(1);
  const Tensor real = normal({5, 3}, 0, 1, rng, DType::Float64);
  const double w2 = 0.25 + 1.5625 + 4.0;
  PenaltyResult p = r1_penalty(d, real, 10.0);
  CHECK(p.penalty.item() == Approx(10.0 / 2 * w2).epsilon(1e-12));
  CHECK(p.mean_grad_norm == Approx(std::sqrt(w2)).epsilon(1e-12));
  // Through the objective: applied on real data only, the fakes play no part.
  Objective r1 = make_objective("r1", {.r1_gamma = 4.0});
  std::function<Variable(const Variable&)> critic = d;
  const Tensor fake = normal({5, 3}, 0, 1, rng, DType::Float64);
  PenaltyResult q = r1.penalty(PenaltyInputs{critic, real, fake, 0, rng});
  CHECK(q.penalty.item() == Approx(4.0 / 2 * w2).epsilon(1e-12));
}

TEST_CASE("R1: the penalty's gradient w.r.t. D's parameters passes gradcheck and gradgradcheck",
          "[gan][objective]") {
  Rng rng(2);
  const Tensor x = normal({4, 3}, 0, 1, rng, DType::Float64);
  // D(x) = v . tanh(x W + c): non-linear, so grad_x D depends on W, c and v.
  auto penalty = [&x](const std::vector<Variable>& p) {
    auto critic = [&p](const Variable& in) { return matmul(tanh(matmul(in, p[0]) + p[1]), p[2]); };
    return r1_penalty(critic, x, 3.0).penalty;
  };
  std::vector<Tensor> params{normal({3, 5}, 0, 1, rng, DType::Float64), normal({5}, 0, 1, rng, DType::Float64),
                             normal({5, 1}, 0, 1, rng, DType::Float64)};
  GradcheckResult first = gradcheck(penalty, params);
  INFO(first.message);
  CHECK(first);
  GradcheckResult second = gradgradcheck(penalty, params);
  INFO(second.message);
  CHECK(second);
}

TEST_CASE("lazy R1: every N D steps, the penalty scaled by N; none in between", "[gan][objective]") {
  LinearD d;
  Rng rng(3);
  const Tensor real = normal({6, 3}, 0, 1, rng, DType::Float64);
  std::function<Variable(const Variable&)> critic = d;
  Objective every1 = make_objective("r1", {.r1_gamma = 2.0, .r1_every = 1});
  Objective every4 = make_objective("r1", {.r1_gamma = 2.0, .r1_every = 4});
  const double eager = every1.penalty(PenaltyInputs{critic, real, real, 0, rng}).penalty.item();
  for (int64_t step = 0; step < 9; ++step) {
    PenaltyResult p = every4.penalty(PenaltyInputs{critic, real, real, step, rng});
    if (step % 4 == 0) {
      REQUIRE(p.penalty.defined());
      CHECK(p.penalty.item() == Approx(4 * eager).epsilon(1e-12));
    } else {
      CHECK_FALSE(p.penalty.defined());
    }
  }
  // In a run: the penalty shows in the telemetry exactly on the D steps it applies to.
  RunConfig c = default_config("ring", "");
  c.batch = 32;
  c.pack = 1;
  c.g.hidden = c.d.hidden = 16;
  c.noise_dim = 4;
  c.loss = "r1";
  c.r1_every = 3;
  c.steps = 10;
  Run run(c);
  std::vector<bool> applied;
  run.on_step([&](Run&, const StepStats& s) { applied.push_back(s.penalty > 0); });
  for (int i = 0; i < 7; ++i) run.step();  // one D step per G step: D steps 0..6
  CHECK(applied == std::vector<bool>{true, false, false, true, false, false, true});
}
