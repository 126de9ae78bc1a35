// Elementwise binary ops: hand-worked values, first and second derivatives with broadcasting,
// the scalar forms and operators, and a shape error.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
}

TEST_CASE("add/sub/mul/div forward values broadcast", "[autograd][ops]") {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({10, 20, 40}, {3});
  check_values(add(a, b), {2, 3}, {11, 22, 43, 14, 25, 46});
  check_values(sub(a, b), {2, 3}, {-9, -18, -37, -6, -15, -34});
  check_values(mul(a, b), {2, 3}, {10, 40, 120, 40, 100, 240});
  check_values(div(a, b), {2, 3}, {0.1, 0.1, 0.075, 0.4, 0.25, 0.15});
  Variable col = leaf({2, 3}, {2, 1});
  check_values(pow(a, col), {2, 3}, {1, 4, 9, 64, 125, 216});
  check_values(maximum(a, leaf({2, 5, 1}, {3})), {2, 3}, {2, 5, 3, 4, 5, 6});
  check_values(minimum(a, leaf({2, 5, 1}, {3})), {2, 3}, {1, 2, 1, 2, 5, 1});
  check_values(where(f64({1, 0, 1}, {3}), a, b), {2, 3}, {1, 20, 3, 4, 20, 6});
}

TEST_CASE("add/sub/mul/div gradients with broadcasting", "[autograd][ops]") {
  Rng rng(11);
  Tensor a = random_away_from({2, 3, 4}, rng);
  // b broadcast three ways: same shape, trailing [4], and [3, 1] against [2, 3, 4].
  for (const Shape& sb : {Shape{2, 3, 4}, Shape{4}, Shape{3, 1}, Shape{}}) {
    Tensor b = random_away_from(sb, rng, {0.0}, 0.5);  // away from 0 for div
    std::string s = shape_str(sb);
    check_grads("add " + s, [](const Vars& v) { return add(v[0], v[1]); }, {a, b});
    check_grads("sub " + s, [](const Vars& v) { return sub(v[0], v[1]); }, {a, b});
    check_grads("mul " + s, [](const Vars& v) { return mul(v[0], v[1]); }, {a, b});
    check_grads("div " + s, [](const Vars& v) { return div(v[0], v[1]); }, {a, b});
    check_grads("div swapped " + s, [](const Vars& v) { return div(v[1], v[0]); }, {a, b});
  }
}

TEST_CASE("pow gradients, base > 0, broadcast exponent", "[autograd][ops]") {
  Rng rng(12);
  Tensor a = random_in({2, 3, 4}, rng, 0.5, 2.0);
  Tensor b = random_in({3, 1}, rng, -1.5, 2.5);
  check_grads("pow", [](const Vars& v) { return pow(v[0], v[1]); }, {a, b});
  check_grads("pow scalar base shape", [](const Vars& v) { return pow(v[1], v[0]); },
              {random_in({4}, rng, -1.0, 1.0), random_in({2, 3, 4}, rng, 0.5, 2.0)});
}

TEST_CASE("maximum/minimum gradients away from ties, and ties split evenly", "[autograd][ops]") {
  Rng rng(13);
  Tensor a = random_away_from({2, 3, 4}, rng);
  Tensor delta = random_away_from({2, 3, 4}, rng, {0.0}, 0.2);  // |a - b| >= 0.2
  Tensor b = nash::add(a, delta);
  check_grads("maximum", [](const Vars& v) { return maximum(v[0], v[1]); }, {a, b});
  check_grads("minimum", [](const Vars& v) { return minimum(v[0], v[1]); }, {a, b});
  Tensor row = random_away_from({4}, rng, {-2, -1, 0, 1, 2}, 0.2);  // broadcast, no ties
  check_grads("maximum broadcast", [](const Vars& v) { return maximum(v[0], v[1]); }, {a, row});

  Variable x = leaf({1, 3}, {2}), y = leaf({1, 2}, {2});
  sum(maximum(x, y)).backward();
  check_values(x.grad(), {2}, {0.5, 1});
  check_values(y.grad(), {2}, {0.5, 0});
}

TEST_CASE("where gradients with a broadcast condition", "[autograd][ops]") {
  Rng rng(14);
  Tensor cond = f64({1, 0, 0, 1}, {4});
  Tensor a = random_away_from({2, 3, 4}, rng), b = random_away_from({3, 1}, rng);
  check_grads("where", [cond](const Vars& v) { return where(cond, v[0], v[1] * v[1]); }, {a, b});
  Variable x = leaf({1, 2, 3, 4}, {4});
  sum(where(cond, x * 3.0, x)).backward();
  check_values(x.grad(), {4}, {3, 1, 1, 3});
}

TEST_CASE("scalar forms and operators: values and gradients", "[autograd][ops]") {
  Variable x = leaf({1, 2, 4}, {3});
  check_values(add(x, 1.5), {3}, {2.5, 3.5, 5.5});
  check_values(sub(x, 1.0), {3}, {0, 1, 3});
  check_values(rsub(x, 1.0), {3}, {0, -1, -3});
  check_values(mul(x, -2.0), {3}, {-2, -4, -8});
  check_values(div(x, 4.0), {3}, {0.25, 0.5, 1});
  check_values(rdiv(x, 2.0), {3}, {2, 1, 0.5});
  check_values(pow(x, 3.0), {3}, {1, 8, 64});
  check_values(pow(x, 0.5), {3}, {1, std::sqrt(2.0), 2});
  check_values(2.0 - x * 3.0 + x / 2.0 - 1.0, {3}, {-1.5, -4, -9});
  check_values(1.0 + (2.0 * x) + (-x) - x, {3}, {1, 1, 1});
  check_values(8.0 / x, {3}, {8, 4, 2});

  Rng rng(15);
  Tensor a = random_away_from({2, 3, 4}, rng, {0.0}, 0.3);
  Tensor pos = random_in({2, 3, 4}, rng, 0.3, 2.0);
  check_grads("add scalar", [](const Vars& v) { return add(v[0], 0.7); }, {a});
  check_grads("sub scalar", [](const Vars& v) { return sub(v[0], 0.7); }, {a});
  check_grads("rsub scalar", [](const Vars& v) { return rsub(v[0], 0.7); }, {a});
  check_grads("mul scalar", [](const Vars& v) { return mul(v[0], -1.3); }, {a});
  check_grads("div scalar", [](const Vars& v) { return div(v[0], 0.4); }, {a});
  check_grads("rdiv scalar", [](const Vars& v) { return rdiv(v[0], 1.7); }, {a});
  check_grads("pow 2", [](const Vars& v) { return pow(v[0], 2.0); }, {a});
  check_grads("pow 3", [](const Vars& v) { return pow(v[0], 3.0); }, {a});
  check_grads("pow -1.5", [](const Vars& v) { return pow(v[0], -1.5); }, {pos});
  check_grads("operators", [](const Vars& v) {
    return (2.0 - v[0]) * (v[1] + 1.0) / (3.0 + v[1]) - 4.0 / v[1] * 0.5 + (-v[0]) - 1.0;
  }, {a, pos});
}

TEST_CASE("binary ops report both shapes when they cannot broadcast", "[autograd][ops]") {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3}), b = leaf({1, 2, 3, 4}, {4});
  for (auto msg : {error_of([&] { add(a, b); }), error_of([&] { mul(a, b); })}) {
    CHECK_THAT(msg, Catch::Contains("[2, 3]") && Catch::Contains("[4]"));
  }
  CHECK_THAT(error_of([&] { add(a, b); }), Catch::Contains("add"));
}

// Like torch: d/dx x^0 = 0 everywhere (also at x = 0), and d/db a^b = 0 where a = 0 and b >= 0
// (torch masks a^b log(a) = 0 * -inf there). Both come out NaN if 0 * inf is left unguarded.
TEST_CASE("pow gradients at a zero base are 0, not NaN", "[autograd][ops]") {
  Variable x = leaf({0, 2}, {2});
  sum(pow(x, 0.0)).backward();
  check_values(x.grad(), {2}, {0, 0});
  Variable a = leaf({0, 2}, {2}), b = leaf({2, 2}, {2});
  sum(pow(a, b)).backward();
  check_values(a.grad(), {2}, {0, 4});
  check_values(b.grad(), {2}, {0, 4 * std::log(2.0)});
}
