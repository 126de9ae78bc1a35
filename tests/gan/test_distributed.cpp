// Sharded training steps (gan/distributed.h) in one process: the fixed summation order, one shard
// being the plain step, two shards adding up to the whole batch's step, and the checks on shard
// sizes and on resuming with other shards. mpirun's equality with this twin is tested by
// tests/distributed/*.sh.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "gan/distributed.h"
#include "gan/run.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
// A small ring run without BatchNorm or Dropout: a shard computes exactly its rows' terms.
RunConfig ring(const std::string& model, int64_t batch) {
  RunConfig c = default_config("ring", model);
  c.batch = batch;
  c.pack = 1;
  c.g.hidden = c.d.hidden = 32;
  c.g.batch_norm = c.d.batch_norm = false;
  c.noise_dim = 4;
  c.d_steps = model == "gan" ? 1 : 2;
  c.seed = 11;
  c.steps = 1000;
  return c;
}

std::vector<Tensor> weights(const Run& run) {
  std::vector<Tensor> out;
  for (const auto& p : run.generator().parameters()) out.push_back(p.value().clone());
  for (const auto& p : run.discriminator().parameters()) out.push_back(p.value().clone());
  return out;
}

// Largest |a - b| over every weight, relative to the largest |a|.
double relative_gap(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double gap = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    gap = std::max(gap, amax(abs(sub(a[i], b[i]))).item());
    scale = std::max(scale, amax(abs(a[i])).item());
  }
  return gap / scale;
}

void train(Run& run, int steps) {
  for (int i = 0; i < steps; ++i) run.step();
}
}  // namespace

TEST_CASE("sum_in_order adds the shards left to right", "[gan][distributed]") {
  // In float, (1 + 1e8) - 1e8 is 0 but 1 + (1e8 - 1e8) is 1: the order is visible.
  const std::vector<float> a{1.f, 2.f}, b{1e8f, 3.f}, c{-1e8f, 4.f};
  std::vector<float> s = sum_in_order({a.data(), b.data(), c.data()}, 2);
  CHECK(s[0] == 0.f);
  CHECK(s[1] == 9.f);
  std::vector<float> t = local_shards(3)->sum({a, b, c});
  CHECK(t == s);
  CHECK(local_shards(3)->local() == std::vector<int>{0, 1, 2});
}

TEST_CASE("one shard is the plain step, bit for bit", "[gan][distributed]") {
  for (const char* model : {"gan", "wgan-gp"}) {
    Run plain(ring(model, 32)), one(ring(model, 32));
    one.set_shards(local_shards(1));
    train(plain, 10);
    train(one, 10);
    const auto a = weights(plain), b = weights(one);
    for (size_t i = 0; i < a.size(); ++i) REQUIRE(equal(a[i], b[i]));
  }
}

TEST_CASE("two shards step as the whole batch does, up to float rounding", "[gan][distributed]") {
  // Without BatchNorm a shard's loss terms are exactly its rows' terms of the batch's loss; the
  // shards' gradients add up to the batch's but are summed in another order. WGAN-GP's epsilons
  // are each shard's rows of the batch's draw: were they drawn apart, the gap would be ~1e-2.
  for (const char* model : {"gan", "wgan-gp"}) {
    Run plain(ring(model, 64)), twin(ring(model, 64));
    twin.set_shards(local_shards(2));
    train(plain, 1);
    train(twin, 1);
    CHECK(relative_gap(weights(plain), weights(twin)) < 1e-5);
    train(plain, 49);
    train(twin, 49);
    const double gap = relative_gap(weights(plain), weights(twin));
    INFO(model << ": relative gap after 50 steps " << gap);
    CHECK(gap < 1e-3);
    CHECK(gap > 0);  // another summation order: not the same bits
  }
}

TEST_CASE("shards: the statistics of a step are the whole batch's", "[gan][distributed]") {
  Run plain(ring("gan", 64)), twin(ring("gan", 64));
  twin.set_shards(local_shards(4));
  StepStats a = plain.step(), b = twin.step();
  CHECK(b.d_loss == Approx(a.d_loss).epsilon(1e-5));
  CHECK(b.g_loss == Approx(a.g_loss).epsilon(1e-5));
  CHECK(b.d_real == Approx(a.d_real).epsilon(1e-5));
  CHECK(b.d_fake == Approx(a.d_fake).epsilon(1e-5));
  CHECK(b.grad_norm_d == Approx(a.grad_norm_d).epsilon(1e-4));
}

TEST_CASE("shards: BatchNorm's running statistics are the shards' average", "[gan][distributed]") {
  // Each shard normalises by its own statistics and moves the running mean towards its own mean;
  // averaged over equal shards that is (1 - m) r + m mean(batch): the plain run's running mean.
  // G's first BatchNorm sees the same input in both runs during the first step (Linear(z), one
  // set of weights until the step ends), so its running mean must match the plain run's.
  RunConfig c = ring("gan", 64);
  c.g.batch_norm = true;
  Run plain(c), twin(c);
  twin.set_shards(local_shards(2));
  plain.step();
  twin.step();
  const auto p = plain.generator().named_buffers(), t = twin.generator().named_buffers();
  REQUIRE(p.size() == t.size());
  REQUIRE(p[0].first.find("running_mean") != std::string::npos);
  const double gap = amax(abs(sub(p[0].second, t[0].second))).item();
  CHECK(gap < 1e-6 * std::max(1.0, amax(abs(p[0].second)).item()));
  CHECK(amax(abs(p[0].second)).item() > 1e-3);  // it moved from its zero start
  // The variances differ: a shard's variance misses the spread between the shards' means.
  CHECK(!equal(p[1].second, t[1].second));
}

TEST_CASE("shards: sizes that do not divide are refused", "[gan][distributed]") {
  Run run(ring("gan", 64));
  CHECK_THROWS_WITH(run.set_shards(local_shards(3)), Catch::Contains("batch 64 does not split into 3 equal shards"));
  Run gp(ring("wgan-gp", 24));
  CHECK_THROWS_WITH(gp.set_shards(local_shards(4)),
                    Catch::Contains("wgan-gp penalty needs shards of a multiple of 4 rows, got 6"));
  CHECK_NOTHROW(gp.set_shards(local_shards(3)));  // shards of 8 rows
}

TEST_CASE("shards: a run resumes only with the shards it was trained in", "[gan][distributed]") {
  const std::string path = (std::filesystem::temp_directory_path() / "nash_test_shards.safetensors").string();
  Run two(ring("gan", 32));
  two.set_shards(local_shards(2));
  train(two, 3);
  two.save(path);
  Run again(ring("gan", 32));
  again.set_shards(local_shards(2));
  again.load(path);
  CHECK(again.steps_done() == 3);
  Run one(ring("gan", 32));
  CHECK_THROWS_WITH(one.load(path), Catch::Contains("the run was trained in 2 shards and this one has 1"));
  std::filesystem::remove(path);
}
