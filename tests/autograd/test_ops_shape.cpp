// Shape ops (views, slicing, expansion, joining): hand-worked values, first and second
// derivatives (the second checks each adjoint's own derivative), shape errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
}

TEST_CASE("shape ops forward values", "[autograd][ops]") {
  Variable x = leaf({0, 1, 2, 3, 4, 5}, {2, 3});
  check_values(reshape(x, {3, 2}), {3, 2}, {0, 1, 2, 3, 4, 5});
  check_values(view(x, {6}), {6}, {0, 1, 2, 3, 4, 5});
  check_values(flatten(reshape(x, {2, 3, 1}), 1), {2, 3}, {0, 1, 2, 3, 4, 5});
  check_values(permute(x, {1, 0}), {3, 2}, {0, 3, 1, 4, 2, 5});
  check_values(transpose(x, 0, -1), {3, 2}, {0, 3, 1, 4, 2, 5});
  check_values(contiguous(transpose(x, 0, 1)), {3, 2}, {0, 3, 1, 4, 2, 5});
  check_values(slice(x, 1, 0, 3, 2), {2, 2}, {0, 2, 3, 5});
  check_values(narrow(x, 1, 1, 2), {2, 2}, {1, 2, 4, 5});
  check_values(select(x, 0, -1), {3}, {3, 4, 5});
  check_values(select(x, 1, 1), {2}, {1, 4});
  check_values(expand(leaf({7, 8}, {2, 1}), {2, 3}), {2, 3}, {7, 7, 7, 8, 8, 8});
  check_values(unsqueeze(x, 1), {2, 1, 3}, {0, 1, 2, 3, 4, 5});
  check_values(squeeze(unsqueeze(x, 0), 0), {2, 3}, {0, 1, 2, 3, 4, 5});
  check_values(sum_to(x, {1, 3}), {1, 3}, {3, 5, 7});
  check_values(sum_to(x, {2, 1}), {2, 1}, {3, 12});
  check_values(sum_to(x, {}), {}, {15});
  check_values(cat({x, leaf({9, 9, 9}, {1, 3})}, 0), {3, 3}, {0, 1, 2, 3, 4, 5, 9, 9, 9});
  check_values(cat({x, leaf({8, 9}, {2, 1})}, -1), {2, 4}, {0, 1, 2, 8, 3, 4, 5, 9});
  check_values(stack({leaf({1, 2}, {2}), leaf({3, 4}, {2})}, 1), {2, 2}, {1, 3, 2, 4});
}

TEST_CASE("view and reshape family gradients", "[autograd][ops]") {
  Rng rng(51);
  Tensor x = random_in({2, 3, 4}, rng, -1, 1);
  // Each output is squared so the second derivative depends on dy and x, not only on u.
  check_grads("reshape", [](const Vars& v) { return square(reshape(v[0], {4, -1})); }, {x});
  check_grads("view", [](const Vars& v) { return square(view(v[0], {6, 4})); }, {x});
  check_grads("flatten", [](const Vars& v) { return square(flatten(v[0], 1)); }, {x});
  check_grads("permute", [](const Vars& v) { return square(permute(v[0], {2, 0, 1})); }, {x});
  check_grads("transpose", [](const Vars& v) { return square(transpose(v[0], 0, 2)); }, {x});
  check_grads("squeeze/unsqueeze", [](const Vars& v) {
    return square(squeeze(unsqueeze(v[0], 1), 1) * unsqueeze(select(v[0], 1, 0), 1));
  }, {x});
  check_grads("contiguous", [](const Vars& v) { return square(contiguous(transpose(v[0], 1, 2))); }, {x});
}

TEST_CASE("slicing and expansion gradients", "[autograd][ops]") {
  Rng rng(52);
  Tensor x = random_in({2, 3, 4}, rng, -1, 1);
  check_grads("slice step 2", [](const Vars& v) { return square(slice(v[0], 2, 1, 4, 2)); }, {x});
  check_grads("slice dim 0", [](const Vars& v) { return slice(v[0], 0, 1, 2) * 3.0; }, {x});
  check_grads("narrow", [](const Vars& v) { return square(narrow(v[0], 1, 1, 2)); }, {x});
  check_grads("select", [](const Vars& v) { return square(select(v[0], -1, 2)); }, {x});
  check_grads("expand", [](const Vars& v) { return square(expand(v[0], {2, 3, 4})); },
              {random_in({3, 1}, rng, -1, 1)});
  check_grads("sum_to", [](const Vars& v) { return square(sum_to(v[0], {3, 1})); }, {x});
  check_grads("sum_to scalar", [](const Vars& v) { return square(sum_to(v[0], {})); }, {x});
}

TEST_CASE("cat and stack gradients", "[autograd][ops]") {
  Rng rng(53);
  Tensor a = random_in({2, 1, 4}, rng, -1, 1), b = random_in({2, 2, 4}, rng, -1, 1);
  check_grads("cat dim 1", [](const Vars& v) { return square(cat({v[0], v[1], v[0]}, 1)); }, {a, b});
  check_grads("cat dim -1", [](const Vars& v) { return square(cat({v[1], v[1]}, -1)); }, {a, b});
  Tensor c = random_in({2, 1, 4}, rng, -1, 1);
  check_grads("stack dim 0", [](const Vars& v) { return square(stack({v[0], v[1]}, 0)); }, {a, c});
  check_grads("stack dim 3", [](const Vars& v) { return square(stack({v[0], v[1]}, 3)); }, {a, c});
}

TEST_CASE("shape ops report the shapes they cannot handle", "[autograd][ops]") {
  Variable x = leaf({0, 1, 2, 3, 4, 5}, {2, 3});
  CHECK_THAT(error_of([&] { reshape(x, {4, 2}); }), Catch::Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { stack({x, leaf({1, 2}, {2})}, 0); }),
             Catch::Contains("stack: all shapes must match, got [2, 3] and [2]"));
  CHECK_THAT(error_of([&] { cat({x, leaf({1, 2}, {1, 2})}, 0); }), Catch::Contains("cat"));
  CHECK_THAT(error_of([&] { narrow(x, 1, 0, -1); }), Catch::Contains("narrow: length must be >= 0"));
  CHECK_THAT(error_of([&] { select(x, 0, 2); }), Catch::Contains("select"));
}
