// The activations, reductions, tensor utilities and einsum added for GAN code: forward values
// against PyTorch 1.13 (tests/torch_reference_values.h) or by hand, first and second derivatives
// by central differences, and the errors.
#include "op_check.h"
#include "torch_reference_values.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

void check_torch(const Variable& y, const Shape& shape, const std::vector<double>& expected,
                 double tol = 1e-12) {
  check_values(y, shape, expected, tol);
}
}  // namespace

// ---- activations -------------------------------------------------------------------------------
TEST_CASE("erf, gelu (exact and tanh), silu, prelu: values as torch", "[autograd][ops]") {
  Variable x(wave({2, 3, 2}), true);
  // xsimd's erf polynomial against torch's: close to double rounding, not bitwise.
  check_torch(erf(x), {2, 3, 2}, torch_ref::erf, 1e-14);
  check_torch(gelu(x), {2, 3, 2}, torch_ref::gelu, 1e-14);
  check_torch(gelu(x, GeluApproximation::Tanh), {2, 3, 2}, torch_ref::gelu_tanh, 1e-14);
  check_torch(silu(x), {2, 3, 2}, torch_ref::silu, 1e-14);
  check_torch(prelu(x, Variable(f64({0.25}, {1}))), {2, 3, 2}, torch_ref::prelu1);
  check_torch(prelu(x, Variable(f64({0.1, 0.2, 0.3}, {3}))), {2, 3, 2}, torch_ref::prelu3);
  // float32 runs the same functions.
  Variable x32(wave({2, 3, 2}).to(DType::Float32));
  check_values(gelu(x32), {2, 3, 2}, torch_ref::gelu, 2e-6);
}

TEST_CASE("erf, gelu, silu, prelu: first and second derivatives", "[autograd][ops]") {
  Rng rng(5);
  const Tensor x = random_away_from({2, 3, 4}, rng, {0.0}, 0.05, -3, 3);
  check_grads("erf", [](const Vars& v) { return erf(v[0]); }, {x});
  check_grads("gelu", [](const Vars& v) { return gelu(v[0]); }, {x});
  check_grads("gelu tanh", [](const Vars& v) { return gelu(v[0], GeluApproximation::Tanh); }, {x});
  check_grads("silu", [](const Vars& v) { return silu(v[0]); }, {x});
  check_grads("prelu per channel", [](const Vars& v) { return prelu(v[0], v[1]); },
              {x, f64({0.1, -0.2, 0.3}, {3})});
  check_grads("prelu shared", [](const Vars& v) { return prelu(v[0], v[1]); },
              {x, f64({0.25}, {1})});
  // dGELU/dx at 0 is 1/2 (Phi(0)); at large x it tends to 1.
  Variable z(f64({0.0, 8.0}, {2}), true);
  sum(gelu(z)).backward();
  check_values(z.grad(), {2}, {0.5, 1.0});
  CHECK(error_of([] { prelu(Variable(zeros({2, 4})), Variable(zeros({3}))); }) ==
        "prelu: weight [3] needs an input [N, 3, ...], got [2, 4]");
}

// ---- std and norm ------------------------------------------------------------------------------
TEST_CASE("std and norm: values as torch, gradients, the norm's zero", "[autograd][ops]") {
  Variable y(wave({3, 4}), true);
  check_torch(nash::std(y), {}, torch_ref::std_all);
  check_torch(nash::std(y, {1}, /*correction=*/0, /*keepdim=*/true), {3, 1},
              torch_ref::std_d1_biased_keep);
  check_torch(nash::std(y, {0}), {4}, torch_ref::std_d0);
  check_torch(norm(y), {}, torch_ref::norm2_all);
  check_torch(norm(y, 1.0, {0}), {4}, torch_ref::norm1_d0);
  check_torch(norm(y, kInf, {1}, true), {3, 1}, torch_ref::norminf_d1_keep);
  check_torch(norm(y, 2.0, {1}), {3}, torch_ref::norm2_d1);

  const Tensor x = wave({2, 3, 2}, 0.9);  // distinct magnitudes: no ties for the max
  check_grads("std", [](const Vars& v) { return nash::std(v[0], {1, 2}); }, {x});
  check_grads("std biased keepdim", [](const Vars& v) { return nash::std(v[0], {0}, 0, true); }, {x});
  check_grads("norm 2", [](const Vars& v) { return norm(v[0], 2.0, {2}); }, {x});
  check_grads("norm 2 all", [](const Vars& v) { return norm(v[0]); }, {x});
  check_grads("norm 1", [](const Vars& v) { return norm(v[0], 1.0, {0, 2}, true); }, {x});
  check_grads("norm inf", [](const Vars& v) { return norm(v[0], kInf, {1}); }, {x});

  // The 2-norm of a zero row has gradient 0 there (torch's subgradient), not NaN.
  Variable z(f64({0, 0, 3, 4}, {2, 2}), true);
  sum(norm(z, 2.0, {1})).backward();
  check_values(z.grad(), {2, 2}, {0, 0, 0.6, 0.8});
  CHECK(error_of([&] { norm(z, 3.0); }) == "norm: p must be 1, 2 or infinity, got 3 (input [2, 2])");
}

// ---- chunk, split, repeat, flip, masked_fill, where --------------------------------------------
TEST_CASE("chunk and split: the pieces, their gradients, errors", "[autograd][ops]") {
  Variable x(wave({5, 2}), true);
  std::vector<Variable> c = chunk(x, 3);  // ceil(5 / 3) = 2: sizes 2, 2, 1
  REQUIRE(c.size() == 3);
  CHECK(c[0].shape() == Shape{2, 2});
  CHECK(c[2].shape() == Shape{1, 2});
  CHECK(equal(c[2].value(), nash::slice(wave({5, 2}), 0, 4, 5)));
  CHECK(chunk(x, 5, 1).size() == 2);  // runs out of elements: fewer pieces, as torch
  std::vector<Variable> s = split(x, {1, 4}, 0);
  CHECK(s[1].shape() == Shape{4, 2});
  CHECK(split(x, 2, 0).size() == 3);
  // Each piece's gradient lands in its place.
  (sum(c[0]) + sum(c[2]) * 3.0).backward();
  check_values(x.grad(), {5, 2}, {1, 1, 1, 1, 0, 0, 0, 0, 3, 3});
  check_grads("split", [](const Vars& v) { return split(v[0], {2, 3}, 0)[1] * 2.0; },
              {wave({5, 2})});
  CHECK(error_of([&] { split(x, {1, 1}, 0); }) ==
        "split: sizes [1, 1] sum to 2 but dim 0 of [5, 2] has 5");
  CHECK(error_of([&] { chunk(x, 0); }) == "chunk: chunks must be > 0, got 0 for [5, 2]");
}

TEST_CASE("repeat and flip: values as torch, gradients", "[autograd][ops]") {
  Variable x(wave({2, 3}), true);
  check_torch(repeat(x, {2, 1, 2}), {2, 2, 6}, torch_ref::repeat, 0);
  check_torch(flip(x, {0, 1}), {2, 3}, torch_ref::flip, 0);
  check_grads("repeat", [](const Vars& v) { return repeat(v[0], {2, 1, 3}); }, {wave({2, 3})});
  check_grads("flip", [](const Vars& v) { return flip(v[0], {-1}); }, {wave({2, 3})});
  // Every copy's gradient is summed back: d sum(repeat(x, 2, 3)) / dx = 6.
  sum(repeat(x, {2, 3})).backward();
  check_values(x.grad(), {2, 3}, std::vector<double>(6, 6.0));
  CHECK(error_of([&] { repeat(x, {2}); }) ==
        "repeat: 1 repeats for a tensor of 2 dims [2, 3] (need at least one per dim)");
  CHECK(error_of([&] { flip(x, {1, -1}); }) == "flip: dim 1 appears twice in [1, -1] for [2, 3]");
}

TEST_CASE("masked_fill and where with a number", "[autograd][ops]") {
  Variable x(f64({1, -2, 3, -4, 5, -6}, {2, 3}), true);
  const Tensor mask = from_vector(std::vector<double>{1, 0, 1}, {3});  // broadcast over rows
  Variable y = masked_fill(x, mask, -1e9);
  check_values(y, {2, 3}, {-1e9, -2, -1e9, -1e9, 5, -1e9});
  sum(y).backward();
  check_values(x.grad(), {2, 3}, {0, 1, 0, 0, 1, 0});
  check_values(where(gt(x.value(), 0.0), x, 0.0), {2, 3}, {1, 0, 3, 0, 5, 0});
  check_values(where(gt(x.value(), 0.0), 7.0, x), {2, 3}, {7, -2, 7, -4, 7, -6});
  check_grads("masked_fill", [mask](const Vars& v) { return masked_fill(v[0] * v[0], mask, 2.0); },
              {wave({2, 3})});
  CHECK(error_of([&] { masked_fill(Variable(zeros({3})), zeros({2, 3}), 0.0); }) ==
        "masked_fill: mask [2, 3] does not broadcast to the input [3]");
}

// ---- einsum ------------------------------------------------------------------------------------
TEST_CASE("einsum: the contractions layers need, as torch", "[autograd][ops]") {
  check_torch(einsum("bchw,bkhw->bck", {Variable(wave({2, 3, 2, 2})), Variable(wave({2, 4, 2, 2}, 0.9))}),
              {2, 3, 4}, torch_ref::einsum_bchw);
  check_torch(einsum("ij,jk->ik", {Variable(wave({2, 3})), Variable(wave({3, 2}, 1.0))}), {2, 2},
              torch_ref::einsum_ij_jk);
  check_torch(einsum("bij,bjk->bik", {Variable(wave({2, 2, 3})), Variable(wave({2, 3, 2}, 1.0))}),
              {2, 2, 2}, torch_ref::einsum_bij);
  check_torch(einsum("i,i->", {Variable(wave({5})), Variable(wave({5}, 2.0))}), {},
              torch_ref::einsum_dot);
  check_torch(einsum("ij,jk", {Variable(wave({2, 3})), Variable(wave({3, 2}, 1.0))}), {2, 2},
              torch_ref::einsum_implicit);
  check_torch(einsum("ij,k->jk", {Variable(wave({2, 3})), Variable(wave({2}, 1.0))}), {3, 2},
              torch_ref::einsum_sum_a);
  check_torch(einsum("ijk->kji", {Variable(wave({2, 3, 2}))}), {2, 3, 2}, torch_ref::einsum_t, 0);
  check_torch(einsum("ij->i", {Variable(wave({2, 3}))}), {2}, torch_ref::einsum_rowsum);
  // A transpose is a permute: "ij->ji" equals x^T exactly.
  CHECK(equal(einsum("ij->ji", {Variable(wave({2, 3}))}).value().contiguous(),
              wave({2, 3}).t().contiguous()));
}

TEST_CASE("einsum: gradients of both operands, and errors", "[autograd][ops]") {
  check_grads("bchw,bkhw->bck", [](const Vars& v) { return einsum("bchw,bkhw->bck", v); },
              {wave({2, 3, 2, 2}), wave({2, 4, 2, 2}, 0.9)});
  check_grads("bij,bjk->bik", [](const Vars& v) { return einsum("bij,bjk->bik", v); },
              {wave({2, 2, 3}), wave({2, 3, 2}, 1.0)});
  check_grads("ij,k->kj", [](const Vars& v) { return einsum("ij,k->kj", v); },
              {wave({2, 3}), wave({2}, 1.0)});
  check_grads("i,i->", [](const Vars& v) { return einsum("i,i->", v); }, {wave({5}), wave({5}, 2.0)});
  const Variable a(wave({2, 3})), b(wave({4, 2}));
  CHECK(error_of([&] { einsum("ij,jk->ik", {a, b}); }) ==
        "einsum: label 'j' is 3 in one operand but 4 in operand 1 [4, 2] of \"ij,jk->ik\"");
  CHECK(error_of([&] { einsum("ii->i", {a}); }) ==
        "einsum: label 'i' repeats within operand \"ii\" (diagonals are not supported)");
  CHECK(error_of([&] { einsum("ij->iz", {a}); }) ==
        "einsum: output label 'z' in \"ij->iz\" is in no operand");
  CHECK(error_of([&] { einsum("ij,jk->ik", {a}); }) ==
        "einsum: \"ij,jk->ik\" names 2 operands but 1 were given");
  CHECK(error_of([&] { einsum("ijk->k", {a}); }) ==
        "einsum: operand 0 \"ijk\" needs 3 dims, got [2, 3]");
  CHECK(error_of([&] { einsum("...j->j", {a}); }) ==
        "einsum: '...' is not supported in \"...j->j\"");
}
