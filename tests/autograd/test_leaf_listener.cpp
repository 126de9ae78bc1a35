// LeafGradListener (autograd/variable.h): the engine's notice that a leaf's gradient is final,
// which data-parallel training uses to start reducing a layer's gradients while backward goes
// on. Values are worked out by hand in the comments.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "autograd/ops.h"
#include "tensor/ops.h"

using namespace nash;

namespace {
struct Heard {
  std::string name;
  std::vector<double> grad;  // the leaf's .grad when the listener was called
};
}  // namespace

TEST_CASE("leaf listener: once per leaf, with its final gradient, last layer first", "[autograd][engine]") {
  // h = w1 * x;  y = sum(w2 * h + w2 * h) = sum(2 w1 w2 x): w2 is read twice, and both reads
  // must be in its .grad before the listener hears of it. dy/dw2 = 2 w1 x = 2 * 3 * [1, 2] = [6, 12],
  // dy/dw1 = 2 w2 x = 2 * [5, 7] * [1, 2] = [10, 28]. x requires no gradient and is not heard of.
  Variable x(tensor({1.0, 2.0}));
  Variable w1(tensor({3.0, 3.0}), true), w2(tensor({5.0, 7.0}), true);
  w1.set_name("w1");
  w2.set_name("w2");
  std::vector<Heard> heard;
  {
    LeafGradListener listen([&](const Variable& leaf) {
      heard.push_back({leaf.name(), leaf.grad().value().to_vector()});
    });
    Variable h = w1 * x;
    sum(w2 * h + w2 * h).backward();
  }
  REQUIRE(heard.size() == 2);
  CHECK(heard[0].name == "w2");  // the layer nearer the loss is final first
  CHECK(heard[0].grad == std::vector<double>{6.0, 12.0});
  CHECK(heard[1].name == "w1");
  CHECK(heard[1].grad == std::vector<double>{10.0, 28.0});
  CHECK(w2.grad().value().to_vector() == heard[0].grad);  // nothing was added after the notice
}

TEST_CASE("leaf listener: accumulation, grad(), scope and nesting", "[autograd][engine]") {
  Variable w(tensor({2.0}), true);
  std::vector<double> seen;
  {
    LeafGradListener outer([&](const Variable& leaf) { seen.push_back(-leaf.grad().item()); });
    {
      LeafGradListener inner([&](const Variable& leaf) { seen.push_back(leaf.grad().item()); });
      sum(w * w).backward();  // d(w^2)/dw = 4
      sum(w * 3.0).backward();  // .grad accumulates: 4 + 3 = 7, heard with the total
      grad({sum(w * w)}, {w});  // fills no .grad: not heard of
    }
    sum(w * 1.0).backward();  // the outer listener again: 7 + 1 = 8
  }
  sum(w * 1.0).backward();  // no listener: nothing heard
  CHECK(seen == std::vector<double>{4.0, 7.0, -8.0});
}
