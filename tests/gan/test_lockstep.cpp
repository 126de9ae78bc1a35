// Shards that meet inside their forward and backward: Lockstep (gan/lockstep.h), the
// differentiable all_reduce_sum (autograd/collective.h) and synchronised BatchNorm
// (nn::BatchNormSync), checked against the whole batch in one piece.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "autograd/collective.h"
#include "autograd/ops.h"
#include "gan/distributed.h"
#include "gan/lockstep.h"
#include "nn/layers/batchnorm.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::gan;

namespace {
std::vector<float> add_parts(const std::vector<std::vector<float>>& parts) {
  std::vector<const float*> p;
  for (const auto& part : parts) p.push_back(part.data());
  return sum_in_order(p, parts[0].size());
}
void no_switch(size_t) {}

double max_gap(const Tensor& a, const Tensor& b) { return amax(abs(sub(a, b))).item(); }
}  // namespace

TEST_CASE("lockstep: shards take turns and meet with the sum of their parts", "[gan][lockstep]") {
  Lockstep lockstep(3);
  using Mark = std::pair<char, size_t>;
  std::vector<Mark> trace;  // one thread runs at a time: no lock needed
  std::vector<float> got(3);
  auto body = [&](size_t i) {
    trace.push_back({'a', i});
    std::vector<float> total = lockstep.meet(i, {static_cast<float>(i + 1), 10.f * static_cast<float>(i)});
    trace.push_back({'b', i});
    got[i] = lockstep.meet(i, {total[0] * static_cast<float>(i)})[0];
  };
  std::vector<Mark> switches;
  lockstep.run(body, add_parts, [&](size_t i) { switches.push_back({'+', i}); },
               [&](size_t i) { switches.push_back({'-', i}); });
  // First meeting: 1 + 2 + 3 = 6; second: 6 * (0 + 1 + 2) = 18, on every shard.
  CHECK(got == std::vector<float>{18.f, 18.f, 18.f});
  CHECK(trace == std::vector<Mark>{{'a', 0}, {'a', 1}, {'a', 2}, {'b', 0}, {'b', 1}, {'b', 2}});
  CHECK(switches.size() == 18);  // three turns each (two meetings, then the end), in and out
  CHECK(switches[0] == Mark{'+', 0});
  CHECK(switches[1] == Mark{'-', 0});
  CHECK(switches[2] == Mark{'+', 1});
  // The threads are kept: a second run works the same.
  lockstep.run(body, add_parts, no_switch, no_switch);
  CHECK(got == std::vector<float>{18.f, 18.f, 18.f});
}

TEST_CASE("lockstep: an error in one shard ends every shard and is rethrown", "[gan][lockstep]") {
  Lockstep lockstep(2);
  std::atomic<int> unwound{0};
  auto failing = [&](size_t i) {
    struct Count {
      std::atomic<int>& n;
      ~Count() { ++n; }
    } count{unwound};
    lockstep.meet(i, {1.f});
    if (i == 1) throw Error("shard 1 broke");
    lockstep.meet(i, {1.f});  // shard 0 waits here for a shard that is gone
  };
  CHECK_THROWS_WITH(lockstep.run(failing, add_parts, no_switch, no_switch), "shard 1 broke");
  CHECK(unwound == 2);
  auto uneven = [&](size_t i) {
    if (i == 0) lockstep.meet(i, {1.f});
  };
  CHECK_THROWS_WITH(lockstep.run(uneven, add_parts, no_switch, no_switch),
                    Catch::Contains("1 of 2 shards wait at a meeting point the others never reach"));
  // Still usable afterwards.
  float total = 0;
  lockstep.run([&](size_t i) { total = lockstep.meet(i, {2.f})[0]; }, add_parts, no_switch, no_switch);
  CHECK(total == 4.f);
}

TEST_CASE("all_reduce_sum: the shards' sum forward, the sum of their gradients backward", "[gan][lockstep]") {
  // Shard i: y = x_0 + x_1 (on both), L_i = sum(w_i * y). dL/dx_i over both shards' losses is
  // w_0 + w_1 on either shard: x = [1, 2] and [3, 4], w = [5, 6] and [7, 8] give y = [4, 6] and
  // dx = [12, 14] on both.
  Lockstep lockstep(2);
  const std::vector<std::vector<float>> xs{{1, 2}, {3, 4}}, ws{{5, 6}, {7, 8}};
  std::vector<std::vector<double>> ys(2), dxs(2);
  lockstep.run(
      [&](size_t i) {
        CollectiveSum sum = [&lockstep, i](const Tensor& part) {
          return from_float_values(lockstep.meet(i, float_values(part)), part.shape());
        };
        Variable x(from_vector(xs[i], {2}), true);
        Variable y = all_reduce_sum(x, sum);
        ys[i] = y.value().to_vector();
        nash::sum(y * Variable(from_vector(ws[i], {2}))).backward();
        dxs[i] = x.grad().value().to_vector();
      },
      add_parts, no_switch, no_switch);
  for (int i = 0; i < 2; ++i) {
    CHECK(ys[i] == std::vector<double>{4, 6});
    CHECK(dxs[i] == std::vector<double>{12, 14});
  }
  CHECK_THROWS_WITH(all_reduce_sum(Variable(tensor({1.0})), [](const Tensor&) { return zeros({2}); }),
                    Catch::Contains("the collective returned shape [2] for a part of shape [1]"));
}

TEST_CASE("synchronised BatchNorm over two shards is BatchNorm over the whole batch", "[gan][lockstep][nn]") {
  // The same input whole and in two halves of 4 rows; a loss weighting every output differently.
  Rng rng(5);
  const Tensor x = normal({8, 3, 4, 4}, 1.0, 2.0, rng), r = normal({8, 3, 4, 4}, 0.0, 1.0, rng);
  nn::BatchNorm2d whole(3);
  Variable xw(x, true);
  Variable yw = whole.forward(xw);
  nash::sum(yw * Variable(r)).backward();

  std::vector<std::unique_ptr<nn::BatchNorm2d>> halves;
  for (int i = 0; i < 2; ++i) halves.push_back(std::make_unique<nn::BatchNorm2d>(3));
  std::vector<Variable> xs(2), ys(2);
  Lockstep lockstep(2);
  lockstep.run(
      [&](size_t i) {
        nn::BatchNormSync sync(2, [&lockstep, i](const Tensor& part) {
          return from_float_values(lockstep.meet(i, float_values(part)), part.shape());
        });
        const int64_t k = static_cast<int64_t>(i);
        xs[i] = Variable(x.narrow(0, 4 * k, 4).contiguous(), true);
        ys[i] = halves[i]->forward(xs[i]);
        nash::sum(ys[i] * Variable(r.narrow(0, 4 * k, 4))).backward();
      },
      add_parts, no_switch, no_switch);

  const double tol = 1e-5;
  for (int i = 0; i < 2; ++i) {
    CHECK(max_gap(ys[i].value(), yw.value().narrow(0, 4 * i, 4)) < tol);
    CHECK(max_gap(xs[i].grad().value(), xw.grad().value().narrow(0, 4 * i, 4)) < tol);
    CHECK(max_gap(halves[i]->running_mean, whole.running_mean) < 1e-6);
    CHECK(max_gap(halves[i]->running_var, whole.running_var) < 1e-6);  // unbiased by 8 * 16, not 4 * 16
  }
  CHECK(max_gap(add(halves[0]->weight.grad().value(), halves[1]->weight.grad().value()), whole.weight.grad().value()) < tol);
  CHECK(max_gap(add(halves[0]->bias.grad().value(), halves[1]->bias.grad().value()), whole.bias.grad().value()) < tol);
  // Without synchronisation each half normalises by its own statistics: not the whole batch's.
  nn::BatchNorm2d alone(3);
  CHECK(max_gap(alone.forward(Variable(x.narrow(0, 0, 4).contiguous())).value(), yw.value().narrow(0, 0, 4)) > 1e-2);
  // In eval mode a synchronised scope changes nothing (running statistics, no collective).
  whole.eval();
  nn::BatchNormSync never(2, [](const Tensor&) -> Tensor { throw Error("no collective in eval mode"); });
  CHECK_NOTHROW(whole.forward(Variable(x)));
}
