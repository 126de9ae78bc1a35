// Reductions and the softmax family: hand-worked values, first and second derivatives over
// dims / keepdim variants, tie splitting in amax/amin, and errors.
#include <cmath>

#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
using Dims = std::vector<int64_t>;
}  // namespace

TEST_CASE("reduction forward values", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3, 4, 5, 7}, {2, 3});
  check_values(sum(x), {}, {22});
  check_values(sum(x, {0}), {3}, {5, 7, 10});
  check_values(sum(x, {1}, true), {2, 1}, {6, 16});
  check_values(mean(x, {-1}), {2}, {2, 16.0 / 3});
  check_values(mean(x), {}, {22.0 / 6});
  check_values(var(x, {1}), {2}, {1, 7.0 / 3});         // rows' deviations (-1,0,1), (-4/3,-1/3,5/3)
  check_values(var(x, {1}, 0), {2}, {2.0 / 3, 14.0 / 9});
  check_values(amax(x, {0}), {3}, {4, 5, 7});
  check_values(amin(x, {1}, true), {2, 1}, {1, 4});
  check_values(amax(x), {}, {7});
}

TEST_CASE("softmax family forward values", "[autograd][ops]") {
  Variable x = leaf({0, std::log(2.0), std::log(3.0), 5, 5, 5}, {2, 3});
  check_values(softmax(x, 1), {2, 3}, {1.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  check_values(log_softmax(x, -1), {2, 3},
               {std::log(1.0 / 6), std::log(2.0 / 6), std::log(0.5), -std::log(3.0),
                -std::log(3.0), -std::log(3.0)});
  check_values(logsumexp(x, {1}), {2}, {std::log(6.0), 5 + std::log(3.0)});
  check_values(logsumexp(x, {0, 1}, true), {1, 1}, {std::log(6.0 + 3 * std::exp(5.0))});
  // Large logits stay finite (the max is subtracted first).
  check_values(softmax(leaf({1000, 1000}, {2}), 0), {2}, {0.5, 0.5});
}

TEST_CASE("sum/mean/var gradients over dims and keepdim", "[autograd][ops]") {
  Rng rng(31);
  Tensor x = random_away_from({2, 3, 4}, rng);
  for (auto [dims, keep] : std::vector<std::pair<Dims, bool>>{
           {{}, false}, {{1}, false}, {{0, 2}, true}, {{-1}, false}, {{0, 1, 2}, true}}) {
    std::string s = shape_str(dims) + (keep ? " keepdim" : "");
    check_grads("sum " + s, [d = dims, k = keep](const Vars& v) { return sum(v[0], d, k); }, {x});
    check_grads("mean " + s, [d = dims, k = keep](const Vars& v) { return mean(v[0], d, k); }, {x});
    check_grads("var " + s, [d = dims, k = keep](const Vars& v) { return var(v[0], d, 1, k); }, {x});
    check_grads("var c0 " + s, [d = dims, k = keep](const Vars& v) { return var(v[0], d, 0, k); }, {x});
  }
}

TEST_CASE("amax/amin gradients over dims, ties split evenly", "[autograd][ops]") {
  Rng rng(32);
  Tensor x = random_in({2, 3, 4}, rng, -2.0, 2.0);  // distinct with probability 1
  for (auto [dims, keep] :
       std::vector<std::pair<Dims, bool>>{{{}, false}, {{2}, false}, {{0, 1}, true}}) {
    std::string s = shape_str(dims) + (keep ? " keepdim" : "");
    check_grads("amax " + s, [d = dims, k = keep](const Vars& v) { return amax(v[0], d, k); }, {x});
    check_grads("amin " + s, [d = dims, k = keep](const Vars& v) { return amin(v[0], d, k); }, {x});
  }
  Variable t = leaf({1, 3, 3, 0, 0, -1}, {2, 3});
  sum(amax(t, {1}) * leaf({1, 10}, {2})).backward();
  check_values(t.grad(), {2, 3}, {0, 0.5, 0.5, 5, 5, 0});
  t.zero_grad();
  sum(amin(t, {1})).backward();
  check_values(t.grad(), {2, 3}, {1, 0, 0, 0, 0, 1});
}

TEST_CASE("softmax, log_softmax, logsumexp gradients", "[autograd][ops]") {
  Rng rng(33);
  Tensor x = random_in({2, 3, 4}, rng, -3.0, 3.0);
  for (int64_t d : {0, 1, -1}) {
    std::string s = std::to_string(d);
    check_grads("softmax " + s, [d](const Vars& v) { return softmax(v[0], d); }, {x});
    check_grads("log_softmax " + s, [d](const Vars& v) { return log_softmax(v[0], d); }, {x});
  }
  check_grads("logsumexp {1}", [](const Vars& v) { return logsumexp(v[0], {1}); }, {x});
  check_grads("logsumexp {0, 2} keepdim", [](const Vars& v) { return logsumexp(v[0], {0, 2}, true); }, {x});
}

TEST_CASE("reductions report bad dims and degrees of freedom", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THAT(error_of([&] { sum(x, {2}); }), Catch::Contains("sum"));
  CHECK_THAT(error_of([&] { var(x, {0}, 2); }),
             Catch::Contains("var: 2 elements with correction 2") && Catch::Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { mean(leaf({}, {0, 3}), {0}); }), Catch::Contains("mean: cannot average"));
}
