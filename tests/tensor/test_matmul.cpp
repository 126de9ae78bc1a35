// matmul against a naive loop on every layout it maps to GEMM (row-major, transposed, sliced)
// or copies (stepped columns, expanded); batched with broadcast batch dims; 1-D operands.
#include <catch2/catch.hpp>

#include "tensor/ops.h"
#include "tensor_test_util.h"

using namespace nash;
using Catch::Contains;

namespace {
// Naive [..., M, K] @ [..., K, N] with broadcasting of batch dims (inputs at least 2-D).
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  const Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(ab, bb, "naive");
  Shape sa = batch, sb = batch, so = batch;
  sa.insert(sa.end(), {M, K});
  sb.insert(sb.end(), {K, N});
  so.insert(so.end(), {M, N});
  const Tensor ae = broadcast_to(a, sa), be = broadcast_to(b, sb);
  Tensor out = zeros(so, DType::Float64);
  test::for_each_pos(so, [&](const Shape& pos) {
    double acc = 0;
    Shape pa = pos, pb = pos;
    for (int64_t k = 0; k < K; ++k) {
      pa[pa.size() - 1] = k;
      pb[pb.size() - 2] = k;
      acc += ae.at(pa) * be.at(pb);
    }
    int64_t off = 0;
    const Shape st = contiguous_strides(so);
    for (size_t d = 0; d < pos.size(); ++d) off += pos[d] * st[d];
    out.data<double>()[off] = acc;
  });
  return out;
}
}  // namespace

TEST_CASE("matmul 2-D: hand-worked value", "[tensor]") {
  Tensor a = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector(std::vector<float>{7, 8, 9, 10, 11, 12}, {3, 2});
  CHECK(matmul(a, b).to_vector() == std::vector<double>{58, 64, 139, 154});
  CHECK(matmul(a, b).shape() == Shape{2, 2});
}

TEST_CASE("matmul on strided views matches the naive loop", "[tensor]") {
  for (DType dt : {DType::Float32, DType::Float64}) {
    const double tol = dt == DType::Float32 ? 1e-5 : 1e-12;
    Tensor a = test::rand_tensor({7, 5}, 1, dt), b = test::rand_tensor({5, 9}, 2, dt);
    Tensor at = test::rand_tensor({5, 7}, 3, dt).t();                    // column-major view
    Tensor bt = test::rand_tensor({9, 5}, 4, dt).t();
    Tensor as = test::rand_tensor({7, 12}, 5, dt).slice(1, 2, 7);         // row-major, ld 12
    Tensor astep = test::rand_tensor({7, 10}, 6, dt).slice(1, 0, 10, 2);  // stride 2: copied
    Tensor bexp = test::rand_tensor({1, 9}, 7, dt).expand({5, 9});        // stride 0: copied
    Tensor arow = test::rand_tensor({1, 5}, 8, dt);
    Tensor bcol = test::rand_tensor({5, 1}, 9, dt);
    const std::vector<std::pair<Tensor, Tensor>> cases = {
        {a, b}, {at, b}, {a, bt}, {at, bt}, {as, b}, {astep, bt}, {a, bexp}, {arow, b}, {a, bcol}, {arow, bcol}};
    for (size_t k = 0; k < cases.size(); ++k) {
      INFO("case " << k << " dtype " << dtype_name(dt));
      CHECK(allclose(matmul(cases[k].first, cases[k].second), naive_matmul(cases[k].first, cases[k].second), tol, tol));
    }
  }
}

TEST_CASE("matmul batched with broadcast batch dims", "[tensor]") {
  Tensor a3 = test::rand_tensor({4, 3, 5}, 10), b2 = test::rand_tensor({5, 2}, 11);
  CHECK(matmul(a3, b2).shape() == Shape{4, 3, 2});
  CHECK(allclose(matmul(a3, b2), naive_matmul(a3, b2), 1e-5, 1e-5));            // folded into one GEMM
  CHECK(allclose(matmul(a3.transpose(1, 2).contiguous().transpose(1, 2), b2), naive_matmul(a3, b2), 1e-5, 1e-5));
  Tensor b3 = test::rand_tensor({4, 5, 2}, 12);
  CHECK(allclose(matmul(a3, b3), naive_matmul(a3, b3), 1e-5, 1e-5));
  Tensor a4 = test::rand_tensor({2, 1, 3, 5}, 13), b4 = test::rand_tensor({3, 5, 4}, 14);
  CHECK(matmul(a4, b4).shape() == Shape{2, 3, 3, 4});
  CHECK(allclose(matmul(a4, b4), naive_matmul(a4, b4), 1e-5, 1e-5));
  Tensor a2 = test::rand_tensor({3, 5}, 15);
  CHECK(allclose(matmul(a2, b3.transpose(1, 2).transpose(1, 2)), naive_matmul(a2, b3), 1e-5, 1e-5));
  CHECK(allclose(matmul(a3, b3.transpose(0, 0)), naive_matmul(a3, b3), 1e-5, 1e-5));
}

TEST_CASE("matmul with 1-D operands follows torch.matmul", "[tensor]") {
  Tensor v = tensor({1, 2, 3});
  Tensor m = arange(6).reshape({3, 2});
  CHECK(matmul(v, v).shape() == Shape{});
  CHECK(matmul(v, v).item() == 14);
  CHECK(matmul(v, m).shape() == Shape{2});
  CHECK(matmul(v, m).to_vector() == std::vector<double>{16, 22});
  CHECK(matmul(m.t(), v).to_vector() == std::vector<double>{16, 22});
  Tensor b = arange(12).reshape({2, 3, 2});
  CHECK(matmul(v, b).shape() == Shape{2, 2});
  CHECK(matmul(b.transpose(1, 2), v).shape() == Shape{2, 2});
  CHECK(matmul(b.transpose(1, 2), v).to_vector() == std::vector<double>{16, 22, 52, 58});
}

TEST_CASE("matmul with empty dims", "[tensor]") {
  CHECK(matmul(zeros({3, 0}), zeros({0, 2})).to_vector() == std::vector<double>{0, 0, 0, 0, 0, 0});
  CHECK(matmul(zeros({0, 4}), zeros({4, 2})).shape() == Shape{0, 2});
}

TEST_CASE("matmul_out: alpha, beta, strided out", "[tensor]") {
  Tensor a = from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector(std::vector<float>{1, 0, 0, 1}, {2, 2});
  Tensor out = ones({2, 2});
  matmul_out(out, a, b, 2.0, 1.0);
  CHECK(out.to_vector() == std::vector<double>{3, 5, 7, 9});
  Tensor big = zeros({2, 4});
  Tensor cols = big.slice(1, 1, 3);  // row-major with ld 4
  matmul_out(cols, a, b);
  CHECK(big.to_vector() == std::vector<double>{0, 1, 2, 0, 0, 3, 4, 0});
  Tensor tout = zeros({2, 2});
  Tensor tv = tout.t();
  matmul_out(tv, a, b);  // column-major out: computed, then copied
  CHECK(tout.to_vector() == std::vector<double>{1, 3, 2, 4});
  Tensor self = a.clone();
  matmul_out(self, self, b, 1.0, 1.0);  // aliasing out and a
  CHECK(self.to_vector() == std::vector<double>{2, 4, 6, 8});
  REQUIRE_THROWS_WITH(matmul_out(out, a, zeros({3, 2})), Contains("matmul_out: inner dimensions differ: a is [2, 2], b is [3, 2]"));
  Tensor wrong = zeros({3, 2});
  REQUIRE_THROWS_WITH(matmul_out(wrong, a, b), Contains("matmul_out: out is [3, 2], expected [2, 2]"));
}

TEST_CASE("matmul errors", "[tensor]") {
  REQUIRE_THROWS_WITH(matmul(zeros({64, 784}), zeros({256, 10})),
                      Contains("matmul: inner dimensions differ: a is [64, 784], b is [256, 10]"));
  REQUIRE_THROWS_WITH(matmul(scalar_tensor(1), zeros({2})), Contains("matmul: both arguments must be at least 1-D"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 2, 3}), zeros({3, 3, 2})), Contains("matmul: cannot broadcast [2] with [3]"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 2}), zeros({2, 2}, DType::Float64)),
                      Contains("matmul: dtype mismatch: float32 [2, 2] and float64 [2, 2]"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 2}, DType::Int64), zeros({2, 2}, DType::Int64)),
                      Contains("matmul: expected a float tensor, got int64"));
}
