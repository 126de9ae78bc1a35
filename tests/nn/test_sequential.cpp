// Sequential: children "0", "1", ..., dotted parameter names, chaining, train/eval reaching the
// children, the printed tree (exact string), gradients through a small MLP, state_dict.
#include <catch2/catch.hpp>

#include "nn/nn.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::error_of;
using nash::test::names_of;

TEST_CASE("Sequential: names, forward chain, indexing", "[nn]") {
  Rng rng(0);
  Sequential s(std::make_shared<Linear>(4, 3, true, rng), std::make_shared<LeakyReLU>(0.2),
               std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 1,
                                                      .bias = false}, rng));
  CHECK(s.size() == 3);
  CHECK(names_of(s.named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight"});
  auto first = s.at<Linear>(0);
  CHECK(first->weight.shape() == Shape{3, 4});
  CHECK(error_of([&] { s.at<Linear>(1); }) ==
        "Sequential: module 1 is a LeakyReLU, not the type requested");
  CHECK(error_of([&] { s[3]; }) == "Sequential: index 3 is out of range for 3 modules");

  Tensor x = normal({5, 4}, 0, 1, rng);
  Variable manual = s.at<Linear>(2)->forward(leaky_relu(first->forward(x), 0.2));
  CHECK(equal(s(x).value(), manual.value()));

  // Nested: a Sequential inside a module gives "main.<i>.<name>".
  struct Net : Module {
    std::shared_ptr<Sequential> main;
    Net() : Module("Net") {
      main = register_module("main", std::make_shared<Sequential>());
      main->emplace_back<Linear>(2, 2);
      main->push_back(std::make_shared<Tanh>());
      main->emplace_back<Linear>(2, 1);
    }
    Variable forward(const Variable& x) override { return main->forward(x); }
  } net;
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias"});

  Sequential empty;
  CHECK(equal(empty(x).value(), x));
}

TEST_CASE("Sequential: train/eval reaches every child; state_dict round trip", "[nn]") {
  Rng rng(1);
  Sequential s{std::make_shared<Linear>(3, 2, true, rng), std::make_shared<BatchNorm1d>(2),
               std::make_shared<Dropout>(0.5, rng)};
  s.eval();
  for (const auto& m : s) CHECK_FALSE(m->is_training());
  Tensor x = normal({4, 3}, 0, 1, rng);
  Tensor y1 = s(x).value();
  CHECK(equal(s(x).value(), y1));  // eval: deterministic
  s.train();
  for (const auto& m : s) CHECK(m->is_training());

  std::vector<std::string> keys;
  for (auto& [n, t] : s.state_dict()) keys.push_back(n);
  CHECK(keys == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                         "1.running_mean", "1.running_var",
                                         "1.num_batches_tracked"});
  Sequential t{std::make_shared<Linear>(3, 2, true, rng), std::make_shared<BatchNorm1d>(2),
               std::make_shared<Dropout>(0.5, rng)};
  t.load_state_dict(s.state_dict());
  t.eval();
  s.eval();
  CHECK(equal(t(x).value(), s(x).value()));
}

TEST_CASE("Sequential: printing shows the tree", "[nn]") {
  Sequential s(std::make_shared<Linear>(4, 3), std::make_shared<LeakyReLU>(0.2),
               std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 1,
                                                      .bias = false}),
               std::make_shared<Sigmoid>());
  CHECK(s.repr() ==
        "Sequential()\n"
        "  (0): Linear(in_features=4, out_features=3, bias=true)\n"
        "    weight: [3, 4]\n"
        "    bias: [3]\n"
        "  (1): LeakyReLU(negative_slope=0.2)\n"
        "  (2): Linear(in_features=3, out_features=1, bias=false)\n"
        "    weight: [1, 3]\n"
        "  (3): Sigmoid()\n"
        "[18 parameters]");
}

TEST_CASE("Sequential: gradcheck of a small conv net with respect to every parameter", "[nn]") {
  Rng rng(2);
  Sequential s(
      std::make_shared<Conv2d>(Conv2dOptions{.in_channels = 1, .out_channels = 2,
                                             .kernel_size = 3, .stride = 2, .padding = 1}, rng),
      std::make_shared<BatchNorm2d>(2), std::make_shared<ELU>(),
      std::make_shared<Flatten>(), std::make_shared<Linear>(8, 3, true, rng),
      std::make_shared<LayerNorm>(3), std::make_shared<Tanh>());
  s.to(DType::Float64);
  auto params = s.named_parameters();
  CHECK(names_of(params) == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                                     "4.weight", "4.bias", "5.weight", "5.bias"});
  // Rebind every parameter to the gradcheck's leaves through load-free field access.
  auto conv = s.at<Conv2d>(0);
  auto bn = s.at<BatchNorm2d>(1);
  auto fc = s.at<Linear>(4);
  auto ln = s.at<LayerNorm>(5);
  std::vector<Variable*> fields{&conv->weight, &conv->bias, &bn->weight, &bn->bias,
                                &fc->weight,   &fc->bias,   &ln->weight, &ln->bias};
  nash::test::check_layer_grads(s, fields, normal({3, 1, 4, 4}, 0, 1, rng));
  CHECK(s(normal({3, 1, 4, 4}, 0, 1, rng, DType::Float64)).shape() == Shape{3, 3});
}
