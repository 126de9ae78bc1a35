// Checkpoints: a module + optimizer + extra tensors + metadata round trip, and one clear error
// for each way a file can disagree (wrong shape or dtype, missing key, extra key, truncated file,
// header pointing past the end, not a checkpoint) with the module and optimizer left unchanged.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "autograd/ops.h"
#include "nn/checkpoint.h"
#include "nn/optim.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using Catch::Matchers::Contains;

namespace {

// A child with two parameters and a buffer, inside a parent with one more parameter, so that
// names are dotted: layer.w, layer.b, layer.running, scale.
struct Tiny : nn::Module {
  Variable w, b;
  Tensor running;
  explicit Tiny(Rng& rng) : Module("Tiny") {
    register_parameter("w", w, normal({2, 3}, 0.0, 1.0, rng));
    register_parameter("b", b, normal({3}, 0.0, 1.0, rng));
    register_buffer("running", running, normal({3}, 0.0, 1.0, rng));
  }
  Variable forward(const Variable& x) override { return matmul(x, w) + b; }
};

struct Net : nn::Module {
  std::shared_ptr<Tiny> layer;
  Variable scale;
  explicit Net(uint64_t seed) : Module("Net") {
    Rng rng(seed);
    layer = register_module("layer", std::make_shared<Tiny>(rng));
    register_parameter("scale", scale, normal({1}, 0.0, 1.0, rng));
  }
  Variable forward(const Variable& x) override { return layer->forward(x) * scale; }
};

void train(Net& net, nn::optim::Optimizer& opt, int steps) {
  Tensor x = from_vector(std::vector<float>{1, -1, 0.5, 2}, {2, 2});
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    sum(square(net(Variable(x)))).backward();
    opt.step();
  }
}

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

NamedTensors snapshot(const NamedTensors& state) {
  NamedTensors out;
  for (const auto& [n, t] : state) out.emplace_back(n, t.clone());
  return out;
}

bool same(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !equal(a[i].second, b[i].second)) return false;
  return true;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nash_test_checkpoint_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("checkpoint: module + optimizer + tensors + metadata round trip", "[nn]") {
  Net net(1);
  nn::optim::Adam opt(net.parameters(), {.lr = 0.05, .amsgrad = true});
  train(net, opt, 2);
  Tensor noise = from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  const std::string path = temp_path("roundtrip.safetensors");
  nn::Checkpoint ck{.modules = {{"model", &net}},
                    .optimizers = {{"optim", &opt}},
                    .tensors = {{"noise", noise}},
                    .metadata = {{"epoch", "7"}}};
  nn::save_checkpoint(path, ck);

  // The file holds prefixed names.
  SafetensorsFile file = load_safetensors(path);
  REQUIRE(file.contains("model.layer.w"));
  REQUIRE(file.contains("model.layer.running"));
  REQUIRE(file.contains("model.scale"));
  REQUIRE(file.contains("optim.state.0.exp_avg"));
  REQUIRE(file.contains("optim.param_groups.0.lr"));
  REQUIRE(file.contains("extra.noise"));
  REQUIRE(file.metadata.at("epoch") == "7");

  Net net2(2);
  nn::optim::Adam opt2(net2.parameters(), {.lr = 0.5, .amsgrad = true});
  REQUIRE_FALSE(same(net2.state_dict(), net.state_dict()));
  nn::Checkpoint ck2{.modules = {{"model", &net2}}, .optimizers = {{"optim", &opt2}}};
  nn::load_checkpoint(path, ck2);
  std::remove(path.c_str());
  REQUIRE(same(net2.state_dict(), net.state_dict()));
  REQUIRE(same(opt2.state_dict(), opt.state_dict()));
  REQUIRE(opt2.lr() == 0.05);
  REQUIRE(ck2.tensors.size() == 1);
  REQUIRE(ck2.tensors[0].first == "noise");
  REQUIRE(equal(ck2.tensors[0].second, noise));
  REQUIRE(ck2.metadata == std::map<std::string, std::string>{{"epoch", "7"}});

  // Training on from both gives bitwise the same parameters.
  train(net, opt, 3);
  train(net2, opt2, 3);
  REQUIRE(same(net2.state_dict(), net.state_dict()));

  // The one-model form: "model." and "optim.".
  nn::save_checkpoint(path, net, &opt, {{"note", "x"}});
  Net net3(3);
  nn::optim::Adam opt3(net3.parameters(), {.amsgrad = true});
  auto meta = nn::load_checkpoint(path, net3, &opt3);
  std::remove(path.c_str());
  REQUIRE(meta.at("note") == "x");
  REQUIRE(same(net3.state_dict(), net.state_dict()));
  REQUIRE(same(opt3.state_dict(), opt.state_dict()));
}

TEST_CASE("checkpoint: each bad file gives one clear error and changes nothing", "[nn]") {
  Net net(1);
  nn::optim::Adam opt(net.parameters(), {.lr = 0.05});
  train(net, opt, 2);
  const std::string good = temp_path("good.safetensors");
  const std::string bad = temp_path("bad.safetensors");
  nn::save_checkpoint(good, net, &opt, {{"epoch", "1"}});
  const SafetensorsFile file = load_safetensors(good);

  Net target(2);
  nn::optim::Adam target_opt(target.parameters(), {.lr = 0.3});
  train(target, target_opt, 1);
  const NamedTensors model_before = snapshot(target.state_dict());
  const NamedTensors optim_before = target_opt.state_dict();
  auto require_unchanged = [&] {
    REQUIRE(same(target.state_dict(), model_before));
    REQUIRE(same(target_opt.state_dict(), optim_before));
  };
  // Rewrites the good file's tensors through `edit` into `bad` and expects load to fail.
  auto expect_error = [&](auto edit, auto matcher) {
    NamedTensors tensors = file.tensors;
    std::map<std::string, std::string> metadata = file.metadata;
    edit(tensors, metadata);
    save_safetensors(bad, tensors, metadata);
    REQUIRE_THROWS_WITH(nn::load_checkpoint(bad, target, &target_opt), matcher);
    require_unchanged();
  };
  auto replace = [](const std::string& name, Tensor t) {
    return [name, t](NamedTensors& ts, auto&) {
      for (auto& [n, v] : ts)
        if (n == name) v = t;
    };
  };

  SECTION("wrong shape") {
    expect_error(replace("model.layer.w", zeros({3, 2})),
                 Contains("load_checkpoint") && Contains(bad) &&
                     Contains("'model.layer.w' has shape [3, 2]") && Contains("expects [2, 3]"));
  }
  SECTION("wrong dtype") {
    expect_error(replace("model.scale", zeros({1}, DType::Float64)),
                 Contains("'model.scale' is float64") && Contains("float32"));
  }
  SECTION("missing key") {
    expect_error(
        [](NamedTensors& ts, auto&) {
          std::erase_if(ts, [](const auto& e) { return e.first == "model.layer.running"; });
        },
        Contains("missing key 'model.layer.running'") && Contains("[3]"));
  }
  SECTION("extra key in the model") {
    expect_error([](NamedTensors& ts, auto&) { ts.emplace_back("model.layer.extra", zeros({1})); },
                 Contains("unexpected key 'model.layer.extra'"));
  }
  SECTION("key for nothing in the checkpoint") {
    expect_error([](NamedTensors& ts, auto&) { ts.emplace_back("critic.w", zeros({1})); },
                 Contains("unexpected key 'critic.w'") && Contains("no module, optimizer or scheduler"));
  }
  SECTION("optimizer state of the wrong shape (the model would load)") {
    expect_error(replace("optim.state.1.exp_avg", zeros({5})),
                 Contains("optimizer 'optim'") && Contains("'state.1.exp_avg' has shape [5]"));
  }
  SECTION("missing optimizer state") {
    expect_error(
        [](NamedTensors& ts, auto&) {
          std::erase_if(ts, [](const auto& e) { return e.first == "optim.state.0.exp_avg_sq"; });
        },
        Contains("optimizer 'optim'") && Contains("missing key 'state.0.exp_avg_sq'"));
  }
  SECTION("not a checkpoint") {
    expect_error([](NamedTensors&, auto& meta) { meta.clear(); },
                 Contains("not a nash checkpoint"));
  }
  SECTION("truncated file") {
    std::string bytes = read_bytes(good);
    write_bytes(bad, bytes.substr(0, bytes.size() - 9));
    REQUIRE_THROWS_WITH(nn::load_checkpoint(bad, target, &target_opt),
                        Contains("load_checkpoint") && Contains(bad));
    require_unchanged();
  }
  SECTION("header pointing past the end") {
    std::string bytes = read_bytes(good);
    uint64_t n = bytes.size() + 1000;  // little-endian header length
    std::memcpy(bytes.data(), &n, 8);
    write_bytes(bad, bytes);
    REQUIRE_THROWS_WITH(nn::load_checkpoint(bad, target, &target_opt),
                        Contains("load_checkpoint") && Contains(bad));
    require_unchanged();
  }
  SECTION("missing file") {
    REQUIRE_THROWS_WITH(nn::load_checkpoint(temp_path("nope"), target, &target_opt),
                        Contains("load_checkpoint") && Contains("nope"));
    require_unchanged();
  }
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("checkpoint: prefixes and reserved metadata are checked", "[nn]") {
  Net a(1), b(2);
  const std::string path = temp_path("prefix.safetensors");
  REQUIRE_THROWS_WITH(nn::save_checkpoint(path, {.modules = {{"g", &a}, {"g", &b}}}),
                      Contains("prefix 'g' is used twice"));
  REQUIRE_THROWS_WITH(nn::save_checkpoint(path, {.modules = {{"a.b", &a}}}),
                      Contains("invalid module prefix 'a.b'"));
  REQUIRE_THROWS_WITH(nn::save_checkpoint(path, {.modules = {{"extra", &a}}}),
                      Contains("invalid module prefix 'extra'"));
  REQUIRE_THROWS_WITH(nn::save_checkpoint(path, a, nullptr, {{"nash.checkpoint", "2"}}),
                      Contains("reserved"));
  REQUIRE_FALSE(std::filesystem::exists(path));

  // Two modules under their own prefixes load independently.
  nn::save_checkpoint(path, {.modules = {{"generator", &a}, {"critic", &b}}});
  Net a2(3), b2(4);
  nn::Checkpoint ck{.modules = {{"generator", &a2}, {"critic", &b2}}};
  nn::load_checkpoint(path, ck);
  std::remove(path.c_str());
  REQUIRE(same(a2.state_dict(), a.state_dict()));
  REQUIRE(same(b2.state_dict(), b.state_dict()));
}
