// Synchronised BatchNorm and gradient buckets in sharded training steps (gan/distributed.h):
// DCGAN on Fashion-MNIST in two shards with sync_batchnorm trains as the whole batch does, up to
// float summation order; gradient buckets sum the same bits as one sum after backward. mpirun's
// equality with the one-process twin is tested by tests/distributed/*.sh.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>

#include "autograd/ops.h"
#include "fashion_data.h"
#include "gan/distributed.h"
#include "gan/run.h"
#include "nn/layers/linear.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

using namespace nash;
using namespace nash::gan;

namespace {
RunConfig dcgan(bool sync) {
  RunConfig c = default_config("fashion-mnist", "dcgan");
  c.batch = 16;
  c.seed = 3;
  c.steps = 1000;
  c.sync_batchnorm = sync;
  return c;
}

// Relative L2 gap over all of a network's weights.
double relative_l2(const std::vector<Variable>& a, const std::vector<Variable>& b) {
  double gap = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const Tensor d = sub(a[i].value(), b[i].value());
    gap += sum(mul(d, d)).item();
    norm += sum(mul(a[i].value(), a[i].value())).item();
  }
  return std::sqrt(gap / norm);
}

double buffer_gap(nn::Module& a, nn::Module& b) {
  const auto x = a.named_buffers(), y = b.named_buffers();
  double gap = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].second.dtype() == DType::Float32) gap = std::max(gap, amax(abs(sub(x[i].second, y[i].second))).item());
  return gap;
}

struct OneThread {
  int before = get_num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(before); }
};
}  // namespace

TEST_CASE("sync BatchNorm: DCGAN in two shards trains as the whole batch", "[gan][distributed][dataset]") {
  if (!test::fashion_installed()) {
    WARN("skipped: Fashion-MNIST is not installed in " << test::kFashionDir);
    return;
  }
  OneThread one;
  Run plain(dcgan(false)), synced(dcgan(true)), per_shard(dcgan(false));
  synced.set_shards(local_shards(2));
  per_shard.set_shards(local_shards(2));
  auto gap = [&](Run& r) {
    return std::max(relative_l2(plain.generator().parameters(), r.generator().parameters()),
                    relative_l2(plain.discriminator().parameters(), r.discriminator().parameters()));
  };
  for (Run* r : {&plain, &synced, &per_shard}) r->step();
  // One step: only float summation order separates the synchronised shards from the whole batch
  // (Adam's first step moves each weight by about lr = 2e-4 whatever the gradient's size).
  const double one_sync = gap(synced), one_own = gap(per_shard);
  INFO("after 1 step: sync " << one_sync << ", per-shard statistics " << one_own);
  CHECK(one_sync < 1e-5);
  CHECK(one_own > 100 * one_sync);  // per-shard statistics are a different computation
  CHECK(buffer_gap(plain.generator(), synced.generator()) < 1e-5);
  CHECK(buffer_gap(plain.discriminator(), synced.discriminator()) < 1e-5);
  for (int i = 1; i < 10; ++i)
    for (Run* r : {&plain, &synced, &per_shard}) r->step();
  const double ten_sync = gap(synced), ten_own = gap(per_shard);
  INFO("after 10 steps: sync " << ten_sync << ", per-shard statistics " << ten_own);
  CHECK(ten_sync < 1e-3);  // measured 1e-4: rounding grows with training (Adam on tiny gradients)
  CHECK(ten_own > 10 * ten_sync);
}

TEST_CASE("sync BatchNorm: four shards in lock step equal two, one process", "[gan][distributed][dataset]") {
  // Shard k of 2 holds the rows of shards 2k and 2k+1 of 4; with synchronised BatchNorm and
  // without Dropout the two runs differ by summation order only.
  if (!test::fashion_installed()) {
    WARN("skipped: Fashion-MNIST is not installed in " << test::kFashionDir);
    return;
  }
  OneThread one;
  Run two(dcgan(true)), four(dcgan(true));
  two.set_shards(local_shards(2));
  four.set_shards(local_shards(4));
  two.step();
  four.step();
  CHECK(relative_l2(two.generator().parameters(), four.generator().parameters()) < 1e-5);
  CHECK(buffer_gap(two.generator(), four.generator()) < 1e-5);
}

namespace {
// Two shards as seen by shard 0 of 2, the other shard holding gradients equal to this one's: the
// sums are twice the values. Records how many final gradients backward had announced when each
// sum started, and the sums' sizes.
class MirrorShards : public ShardReducer {
 public:
  const int* heard = nullptr;
  std::vector<int> heard_at_start;
  std::vector<size_t> sizes;
  MirrorShards() {
    shards_ = 2;
    local_ = {0};
  }
  size_t bucket_bytes() const override { return 256; }
  std::vector<float> sum(const std::vector<std::vector<float>>& parts) override {
    std::vector<float> out = parts[0];
    for (float& v : out) v += v;
    return out;
  }
  int start_sum(std::vector<float> part) override {
    heard_at_start.push_back(*heard);
    sizes.push_back(part.size());
    return ShardReducer::start_sum(std::move(part));
  }
  bool any(bool flag) override { return flag; }
};
}  // namespace

TEST_CASE("gradient buckets: started while backward runs, last layer first, same sums", "[gan][distributed]") {
  Rng rng(2);
  nn::Linear a(16, 32, rng), b(32, 32, rng), c(32, 1, rng);
  auto loss = [&](Rng& draw) {
    Variable x(normal({8, 16}, 0.0, 1.0, draw));
    return sum(c.forward(relu(b.forward(relu(a.forward(x))))));
  };
  std::vector<Variable> params;
  for (nn::Module* m : std::vector<nn::Module*>{&a, &b, &c})
    for (const auto& p : m->parameters()) params.push_back(p);
  // Reference: backward, then every gradient doubled.
  Rng first(9), second(9);
  loss(first).backward();
  std::vector<Tensor> expected;
  for (auto& p : params) {
    expected.push_back(mul(p.grad().value(), 2.0));
    p.zero_grad();
  }
  MirrorShards shards;
  int heard = 0;
  shards.heard = &heard;
  // 256-byte buckets from the last parameter: [b.bias, c.weight, c.bias] (65 floats), [b.weight],
  // [a.weight, a.bias].
  GradientBuckets buckets(shards, params, shards.bucket_bytes());
  REQUIRE(buckets.buckets() == 3);
  {
    LeafGradListener listen([&](const Variable& leaf) {
      ++heard;
      buckets.ready(leaf);
    });
    loss(second).backward();
  }
  buckets.flush();
  buckets.finish();
  CHECK(heard == 6);
  CHECK(shards.sizes == std::vector<size_t>{65, 1024, 544});
  // The first two buckets went out while backward still had layer a (and b's weight) to do.
  REQUIRE(shards.heard_at_start.size() == 3);
  CHECK(shards.heard_at_start[0] <= 4);
  CHECK(shards.heard_at_start[1] <= 4);
  CHECK(shards.heard_at_start[2] == 6);
  for (size_t i = 0; i < params.size(); ++i) CHECK(equal(params[i].grad().value(), expected[i]));
}

TEST_CASE("sync BatchNorm: a setting of the run, kept by a checkpoint and resumed bit for bit", "[gan][distributed]") {
  RunConfig c = default_config("ring", "gan");
  c.batch = 32;
  c.g.hidden = c.d.hidden = 16;
  c.g.batch_norm = c.d.batch_norm = true;
  c.pack = 1;
  c.seed = 4;
  c.steps = 100;
  c.sync_batchnorm = true;
  const std::string path = (std::filesystem::temp_directory_path() / "nash_test_sync_bn.safetensors").string();
  Run whole(c), first(c);
  whole.set_shards(local_shards(2));
  first.set_shards(local_shards(2));
  for (int i = 0; i < 4; ++i) whole.step();
  for (int i = 0; i < 2; ++i) first.step();
  first.save(path);
  const CheckpointInfo info = Run::read_info(path);
  CHECK(info.config.sync_batchnorm);
  Run resumed(info.config);
  resumed.set_shards(local_shards(2));
  resumed.load(path);
  for (int i = 0; i < 2; ++i) resumed.step();
  const auto a = whole.generator().parameters(), b = resumed.generator().parameters();
  for (size_t i = 0; i < a.size(); ++i) CHECK(equal(a[i].value(), b[i].value()));
  CHECK(buffer_gap(whole.generator(), resumed.generator()) == 0);
  std::filesystem::remove(path);
}
