// The autograd engine: .grad accumulation, grad(), detach/no-grad/freezing, freed graphs,
// million-op chains, retain_grad and hooks, shape checks, anomaly mode, create_graph (gradient
// penalties), a GAN-shaped D step / G step, and ownership (no cycles). Values are float64 and
// worked out by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

using namespace nash;
using Catch::Matchers::Contains;

namespace {

using Vec = std::vector<double>;

Variable leaf(const Vec& v, bool requires_grad = true) {
  return Variable(from_vector(v, {static_cast<int64_t>(v.size())}), requires_grad);
}
Variable leaf(const Vec& v, const Shape& shape, bool requires_grad = true) {
  return Variable(from_vector(v, shape), requires_grad);
}
Tensor t64(const Vec& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }
Vec vals(const Variable& v) { return v.value().to_vector(); }

void check_close(const Vec& got, const Vec& want, double eps = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(eps).margin(eps));
}

}  // namespace

TEST_CASE("backward accumulates into .grad across calls; zero_grad drops it", "[autograd]") {
  Variable x = leaf({1, 2});
  auto step = [&] { sum(x * 3.0).backward(); };  // d/dx sum(3x) = 3
  step();
  CHECK(vals(x.grad()) == Vec{3, 3});
  CHECK_FALSE(x.grad().requires_grad());
  step();
  CHECK(vals(x.grad()) == Vec{6, 6});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  step();
  CHECK(vals(x.grad()) == Vec{3, 3});
}

TEST_CASE("backward takes an explicit grad_output; an implied one needs one element", "[autograd]") {
  Variable x = leaf({1, 2, 3});
  Variable y = x * x;  // dy/dx = 2x, times grad_output
  y.backward(t64({1, 10, 100}));
  CHECK(vals(x.grad()) == Vec{2, 40, 600});

  REQUIRE_THROWS_WITH((x * 2.0).backward(), Contains("one element") && Contains("[3]"));
  REQUIRE_THROWS_WITH((x * 2.0).backward(t64({1, 2})),
                      Contains("grad_output 0 must match output [3]"));
  REQUIRE_THROWS_WITH(Variable(t64({1})).backward(), Contains("does not require grad"));
}

TEST_CASE("grad() returns gradients without touching .grad", "[autograd]") {
  Variable x = leaf({1, 2, 3});
  Variable w = leaf({4, 5, 6});
  Variable u = leaf({7});
  auto f = [&] { return sum(x * w) + sum(w * w); };  // df/dx = w, df/dw = x + 2w

  std::vector<Variable> g = grad({f()}, {x, w});
  CHECK(vals(g[0]) == Vec{4, 5, 6});
  CHECK(vals(g[1]) == Vec{9, 12, 15});
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  CHECK_FALSE(g[0].requires_grad());

  // grad_outputs weight a non-scalar output: d(x*w)/dx . go = w * go
  g = grad({x * w}, {x}, {t64({1, 2, 3})});
  CHECK(vals(g[0]) == Vec{4, 10, 18});
  // two outputs: gradients add
  g = grad({sum(x * 2.0), sum(x * x)}, {x});
  CHECK(vals(g[0]) == Vec{4, 6, 8});

  g = grad({f()}, {x, u}, {}, false, false, /*allow_unused=*/true);
  CHECK(vals(g[0]) == Vec{4, 5, 6});
  CHECK_FALSE(g[1].defined());
  REQUIRE_THROWS_WITH(grad({f()}, {x, u}), Contains("input 1") && Contains("[1]") &&
                                               Contains("not used") && Contains("allow_unused"));
  REQUIRE_THROWS_WITH(grad({f()}, {x.detach()}), Contains("input 0 does not require grad"));
}

TEST_CASE("detach() and NoGradGuard stop gradients", "[autograd]") {
  Variable x = leaf({2, 3});
  Variable c = x.detach();
  CHECK_FALSE(c.requires_grad());
  CHECK(c.is_leaf());
  CHECK(c.value().shares_storage(x.value()));
  sum(x * c).backward();  // only the first factor is differentiated: d/dx (x c) = c = x
  CHECK(vals(x.grad()) == Vec{2, 3});
  x.zero_grad();
  sum(x * x).backward();  // without detach: 2x
  CHECK(vals(x.grad()) == Vec{4, 6});

  CHECK(grad_enabled());
  {
    NoGradGuard outer;
    Variable y = x * x;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    {
      NoGradGuard inner;
      CHECK_FALSE(grad_enabled());
      {
        EnableGradGuard on(true);  // re-enabled inside a no-grad region
        CHECK((x * x).requires_grad());
      }
    }
    CHECK_FALSE(grad_enabled());  // leaving the inner guard keeps the outer one's mode
  }
  CHECK(grad_enabled());
}

TEST_CASE("requires_grad_(false) freezes a leaf; a non-leaf cannot change it", "[autograd]") {
  Variable w = leaf({2, 3});
  Variable x = leaf({5, 7});
  w.requires_grad_(false);
  sum(w * x).backward();
  CHECK_FALSE(w.grad().defined());
  CHECK(vals(x.grad()) == Vec{2, 3});

  // frozen after the forward: the backward still skips it
  Variable v = leaf({1, 1});
  Variable f = sum(v * x);
  v.requires_grad_(false);
  f.backward();
  CHECK_FALSE(v.grad().defined());

  Variable y = x * 2.0;
  REQUIRE_THROWS_WITH(y.requires_grad_(false),
                      Contains("only leaves") && Contains("'mul_scalar'") && Contains("detach"));
  REQUIRE_THROWS_WITH(Variable(arange(3, DType::Int64)).requires_grad_(), Contains("int64"));
}

TEST_CASE("a second backward through a freed graph is an error; retain_graph keeps it", "[autograd]") {
  Variable x = leaf({1, 2});
  Variable s = sum(x * x);
  s.backward();
  REQUIRE_THROWS_WITH(s.backward(), Contains("already freed") && Contains("'sum'") &&
                                        Contains("retain_graph=true"));
  // a freed interior node is found too, from a new output that reuses it
  Variable h = x * x;
  sum(h).backward();
  REQUIRE_THROWS_WITH(sum(h * 2.0).backward(), Contains("already freed") && Contains("'mul'"));

  x.zero_grad();
  Variable r = sum(x * x);
  r.backward(Tensor(), /*retain_graph=*/true);
  r.backward();  // 2 * 2x
  CHECK(vals(x.grad()) == Vec{4, 8});
  REQUIRE_THROWS_WITH(r.backward(), Contains("already freed"));
}

// The chain is as deep as a graph gets: a recursive walk or a recursive destructor would need a
// million stack frames. One chain is backpropagated (kept by retain_graph, so its destruction
// still has every node to dismantle); another is destroyed without any backward.
TEST_CASE("a million-op chain backpropagates and is destroyed without recursion", "[autograd]") {
  constexpr int kOps = 1000000;
  Variable x = leaf({1.0});
  std::weak_ptr<Node> first;
  {
    Variable v = x + 0.5;
    first = v.grad_fn();
    for (int i = 1; i < kOps; ++i) v = v + 0.5;  // (add_scalar keeps the backward cheap)
    CHECK(v.item() == 1.0 + 0.5 * kOps);
    v.backward(Tensor(), /*retain_graph=*/true);  // d/dx (x + n/2) = 1
    CHECK(x.grad().item() == 1.0);
    CHECK_FALSE(first.expired());
  }
  CHECK(first.expired());

  // every 4th op a mul(Variable, Variable), whose derivative closures own the chain too
  Variable one = leaf({1.0}, false);
  Variable v = x * one;
  first = v.grad_fn();
  for (int i = 1; i < kOps; ++i) v = i % 4 == 0 ? v * one : v * 1.0;
  CHECK(v.op_name() == "mul_scalar");
  v = Variable();
  CHECK(first.expired());
}

TEST_CASE("retain_grad keeps a non-leaf's gradient; hooks see leaf and non-leaf gradients", "[autograd]") {
  Variable x = leaf({1, 2, 3});
  Variable y = x * 2.0;  // y = [2, 4, 6]
  y.retain_grad();
  Variable q = y * y;
  std::vector<Vec> seen_x, seen_y;
  x.register_hook([&](const Variable& g) { seen_x.push_back(vals(g)); });
  y.register_hook([&](const Variable& g) { seen_y.push_back(vals(g)); });

  sum(q).backward(Tensor(), /*retain_graph=*/true);  // dq/dy = 2y, dx = 2 * 2y
  CHECK(vals(y.grad()) == Vec{4, 8, 12});
  CHECK(vals(x.grad()) == Vec{8, 16, 24});
  CHECK_FALSE(q.grad().defined());  // not asked to retain
  REQUIRE(seen_y == std::vector<Vec>{{4, 8, 12}});
  REQUIRE(seen_x == std::vector<Vec>{{8, 16, 24}});

  sum(q).backward();  // hooks run on every backward; retained grads accumulate
  CHECK(seen_x.size() == 2);
  CHECK(vals(y.grad()) == Vec{8, 16, 24});

  Variable c = leaf({1}, false);
  REQUIRE_THROWS_WITH(c.retain_grad(), Contains("does not require a gradient"));
  REQUIRE_THROWS_WITH(c.register_hook([](const Variable&) {}),
                      Contains("does not require a gradient"));
}

TEST_CASE("the engine's gradient checks name the op", "[autograd]") {
  Variable x = leaf({1, 2, 3});
  Variable bad = make_op("bad_op", nash::mul(x.value(), 2.0), {x}, {[](const Variable&) {
                           return Variable(zeros({5}, DType::Float64));
                         }});
  REQUIRE_THROWS_WITH(sum(bad).backward(), Contains("'bad_op'") && Contains("shape [5]") &&
                                               Contains("input 0 of shape [3]"));
  Variable none = make_op("none_op", nash::mul(x.value(), 2.0), {x},
                          {[](const Variable&) { return Variable(); }});
  REQUIRE_THROWS_WITH(sum(none).backward(), Contains("'none_op'") && Contains("no gradient"));
  REQUIRE_THROWS_WITH(make_op("two_op", nash::mul(x.value(), 2.0), {x}, {nullptr, nullptr}),
                      Contains("'two_op' has 1 inputs but 2 derivatives"));
}

TEST_CASE("anomaly mode: off by default, names the op and the phase, restored by its guard", "[autograd]") {
  REQUIRE_FALSE(anomaly_mode());
  Variable neg1 = leaf({-1.0});
  CHECK(std::isnan(log(neg1).item()));  // off: NaN passes silently
  {
    AnomalyGuard guard;
    CHECK(anomaly_mode());
    REQUIRE_THROWS_WITH(log(neg1), Contains("'log'") && Contains("forward"));
    Variable x = leaf({1.0});
    Variable y = make_op("nan_grad", nash::mul(x.value(), 1.0), {x}, {[](const Variable&) {
                           return Variable(full({1}, NAN, DType::Float64));
                         }});
    REQUIRE_THROWS_WITH(sum(y).backward(), Contains("'nan_grad'") && Contains("backward"));
  }
  CHECK_FALSE(anomaly_mode());
  set_anomaly_mode(true);
  { AnomalyGuard nested; }
  CHECK(anomaly_mode());  // a guard restores the mode it found, not "off"
  set_anomaly_mode(false);
}

// sqrt at 0 is finite forward and infinite backward (dy / (2 y) = 1 / 0). The derivative is
// computed with Variable ops, so the failing op inside it is 'div'; the report must still name
// the op being differentiated and the backward phase.
TEST_CASE("anomaly mode: a built-in op's infinite derivative is reported as its backward", "[autograd]") {
  Variable x = leaf({0.0});
  Variable y = sqrt(x);
  AnomalyGuard guard;
  REQUIRE_THROWS_WITH(sum(y).backward(), Contains("'sqrt'") && Contains("backward"));
}

TEST_CASE("create_graph: the gradient of ||grad_x (w.x)||^2 with respect to w is 2w", "[autograd]") {
  Variable w = leaf({0.5, -1.0, 2.0});
  Variable x = leaf({3.0, 1.0, -2.0});
  Variable f = matmul(w, x);  // a linear critic: f = w . x, grad_x f = w
  Variable gx = grad({f}, {x}, {}, false, /*create_graph=*/true)[0];
  CHECK(gx.requires_grad());
  CHECK(vals(gx) == Vec{0.5, -1.0, 2.0});
  sum(gx * gx).backward();  // ||w||^2 -> 2w
  CHECK(vals(w.grad()) == Vec{1.0, -2.0, 4.0});
  CHECK_FALSE(x.grad().defined());  // the penalty does not depend on x
}

TEST_CASE("create_graph: a WGAN-GP penalty of a linear critic is (||w|| - 1)^2", "[autograd]") {
  const Vec wv{0.6, -1.2, 2.0};
  const double norm = std::sqrt(0.36 + 1.44 + 4.0);
  const double want = (norm - 1.0) * (norm - 1.0);
  Vec dw;  // d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
  for (double v : wv) dw.push_back(2.0 * (norm - 1.0) * v / norm);

  SECTION("one sample: D(x) = w . x") {
    Variable w = leaf(wv);
    Variable x = leaf({0.1, 0.2, 0.3});
    Variable g = grad({sum(w * x)}, {x}, {}, false, true)[0];
    Variable gp = square(sqrt(sum(g * g)) - 1.0);
    CHECK(gp.item() == Approx(want).epsilon(1e-14));
    gp.backward();
    check_close(vals(w.grad()), dw, 1e-14);
  }
  SECTION("a batch through linear: D(x) = x w^T + b, penalty averaged over rows") {
    Variable w = leaf(wv, {1, 3});
    Variable b = leaf({0.25});
    Variable x = leaf({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {4, 3});
    Variable d = linear(x, w, b);  // [4, 1]
    Variable g = grad({d}, {x}, {ones({4, 1}, DType::Float64)}, false, true)[0];  // [4, 3]
    Variable gp = mean(square(sqrt(sum(g * g, {1})) - 1.0));
    CHECK(gp.item() == Approx(want).epsilon(1e-14));
    gp.backward();
    check_close(vals(w.grad()), dw, 1e-14);
    CHECK_FALSE(b.grad().defined());
    CHECK_FALSE(x.grad().defined());
  }
}

namespace {
// A tiny GAN in float64: G(z) = z Gw^T + Gb, D(x) = tanh(x Dw1^T + Db1) Dw2^T + Db2.
struct TinyGan {
  Variable z = leaf({0.3, -0.7, 1.1, 0.2, -0.4, 0.9, 0.5, -1.3}, {4, 2});
  Variable real = leaf({1, 0, 2, 0.5, 1, 1.5, -1, 0.2, 0.1, 0.3, -0.2, 0.8}, {4, 3}, false);
  Variable gw = leaf({0.2, -0.5, 0.7, 0.1, -0.3, 0.4}, {3, 2});
  Variable gb = leaf({0.05, -0.1, 0.15});
  Variable dw1 = leaf({0.3, -0.2, 0.5, 0.1, 0.4, -0.6, -0.3, 0.2, 0.1, 0.7, -0.1, 0.2}, {4, 3});
  Variable db1 = leaf({0.1, -0.1, 0.2, 0.0});
  Variable dw2 = leaf({0.5, -0.4, 0.3, 0.8}, {1, 4});
  Variable db2 = leaf({0.05});

  TinyGan() { z.requires_grad_(false); }
  Variable g() const { return linear(z, gw, gb); }
  Variable d(const Variable& x) const { return linear(tanh(linear(x, dw1, db1)), dw2, db2); }
  Variable g_loss() const { return -mean(d(g())); }  // WGAN generator loss: -E[D(G(z))]
};
}  // namespace

TEST_CASE("GAN step: the D step on a detached fake never reaches G; the G step matches finite differences", "[autograd]") {
  TinyGan gan;
  // D step (WGAN critic loss): E[D(fake)] - E[D(real)], fake detached from G
  Variable fake = gan.g().detach();
  Variable loss_d = mean(gan.d(fake)) - mean(gan.d(gan.real));
  loss_d.backward();
  CHECK_FALSE(gan.gw.grad().defined());
  CHECK_FALSE(gan.gb.grad().defined());
  // dLoss/dDb2 = 1 - 1 = 0; dLoss/dDw2 = mean_n h(fake) - mean_n h(real), h = tanh(x Dw1^T + Db1)
  CHECK(gan.db2.grad().item() == Approx(0.0).margin(1e-15));
  auto hidden_mean = [&](const Tensor& x) {
    return nash::mean(nash::tanh(nash::add(nash::matmul(x, gan.dw1.value().t()), gan.db1.value())), {0});
  };
  Tensor want_dw2 = nash::sub(hidden_mean(fake.value()), hidden_mean(gan.real.value()));
  check_close(vals(gan.dw2.grad()), want_dw2.to_vector(), 1e-14);
  REQUIRE(gan.dw1.grad().defined());

  // G step: D frozen, G's gradient through D against central differences of -E[D(G(z))]
  for (Variable* p : {&gan.dw1, &gan.db1, &gan.dw2, &gan.db2}) {
    p->zero_grad();
    p->requires_grad_(false);
  }
  gan.g_loss().backward();
  CHECK_FALSE(gan.dw1.grad().defined());
  REQUIRE(gan.gw.grad().defined());
  for (Variable* p : {&gan.gw, &gan.gb}) {
    Vec analytic = vals(p->grad());
    double* data = p->mutable_value().data<double>();
    for (size_t i = 0; i < analytic.size(); ++i) {
      const double h = 1e-6, saved = data[i];
      NoGradGuard no_grad;
      data[i] = saved + h;
      double up = gan.g_loss().item();
      data[i] = saved - h;
      double down = gan.g_loss().item();
      data[i] = saved;
      CHECK(analytic[i] == Approx((up - down) / (2 * h)).margin(1e-8));
    }
  }
}

TEST_CASE("no shared-ownership cycles: dropping every handle frees every impl and node", "[autograd]") {
  std::weak_ptr<VariableImpl> wx, wh, wy, wgrad;
  std::weak_ptr<Node> nh, ny;
  auto hold = [&](const Variable& x, const Variable& h, const Variable& y) {
    wx = x.impl(), wh = h.impl(), wy = y.impl(), nh = h.grad_fn(), ny = y.grad_fn();
  };
  auto all_expired = [&] {
    return wx.expired() && wh.expired() && wy.expired() && nh.expired() && ny.expired() &&
           wgrad.expired();
  };
  SECTION("forward + backward") {
    {
      Variable x = leaf({1, 2}), w = leaf({3, 4});
      Variable h = tanh(x * w);
      Variable y = sum(h * h);
      hold(x, h, y);
      h.retain_grad();
      h.register_hook([](const Variable&) {});
      y.backward();
      wgrad = x.grad().impl();
      REQUIRE_FALSE(all_expired());
    }
    CHECK(all_expired());
  }
  SECTION("forward + backward(retain_graph)") {
    {
      Variable x = leaf({1, 2});
      Variable h = exp(x * x);  // exp's derivative reads its output y
      Variable y = sum(h);
      hold(x, h, y);
      y.backward(Tensor(), true);
    }
    CHECK(all_expired());
  }
  SECTION("forward only") {
    {
      Variable x = leaf({1, 2});
      Variable h = sigmoid(x);
      Variable y = sum(h * x);
      hold(x, h, y);
    }
    CHECK(all_expired());
  }
  SECTION("grad(create_graph) then backward: a gradient penalty") {
    {
      Variable x = leaf({1, 2}), w = leaf({3, 4});
      Variable h = tanh(x * w);
      Variable y = sum(h);
      hold(x, h, y);
      Variable g = grad({y}, {x}, {}, false, true)[0];
      wgrad = g.impl();
      sum(g * g).backward();
    }
    CHECK(all_expired());
  }
  SECTION("backward(create_graph) of a square: w's .grad is a graph that reads w") {
    {
      Variable w = leaf({1, 2});
      Variable h = w * w;
      Variable y = sum(h);
      hold(w, h, y);
      y.backward(Tensor(), false, /*create_graph=*/true);  // w.grad = 2w, recorded
      wgrad = w.grad().impl();
      CHECK(vals(w.grad()) == Vec{2, 4});
      // Like torch, the recorded .grad refers back to w (a documented cycle): zero_grad()
      // breaks it. grad(..., create_graph=true) never forms it (the WGAN-GP pattern above).
      w.zero_grad();
    }
    CHECK(all_expired());
  }
}

// With create_graph a leaf keeps the gradient Variable itself; two leaves fed by one add must
// not end up sharing one .grad (an in-place update of one would change the other).
TEST_CASE("backward(create_graph) gives each leaf a .grad of its own", "[autograd]") {
  Variable a = leaf({1, 2}), b = leaf({3, 4});
  sum(a + b).backward(Tensor(), false, true);
  CHECK(vals(a.grad()) == Vec{1, 1});
  CHECK_FALSE(a.grad().same(b.grad()));
  CHECK_FALSE(a.grad().value().shares_storage(b.grad().value()));
}

// An optimizer-style in-place update between a forward and its backward would silently give
// wrong gradients (the derivative reads the new value): the engine refuses, like torch.
TEST_CASE("backward refuses values modified in place after use", "[autograd]") {
  Variable w(nash::tensor({2.0, 3.0}, DType::Float64), true);
  Variable x(nash::tensor({1.0, 4.0}, DType::Float64), true);
  Variable loss = sum(w * x);
  axpy_(w.mutable_value(), -0.1, nash::ones({2}, DType::Float64));  // "optimizer.step()" on w
  REQUIRE_THROWS_WITH(loss.backward(), Contains("input 0 [2] of op 'mul' was modified in place"));
  // Recomputing after the update is fine, and so is updating after backward.
  Variable again = sum(w * x);
  again.backward();
  CHECK(x.grad().value().to_vector() == std::vector<double>{1.9, 2.9});
  add_(w.mutable_value(), 1.0);
  CHECK(w.grad().value().to_vector() == std::vector<double>{1.0, 4.0});
}
