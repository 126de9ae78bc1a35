// tensor/linalg: QR, the symmetric eigensolver and square roots on known matrices and random
// ones (orthogonality, reconstruction). The literal expected values come from NumPy 1.24:
//
//   import numpy as np
//   A = np.array([[4., 1, -2, 2], [1, 2, 0, 1], [-2, 0, 3, -2], [2, 1, -2, -1]])
//   np.linalg.eigh(A)[0]
//     # [-2.1975169774394243, 1.0843644637732166, 2.2685314064312423, 6.844621107234965]
//   S1 = np.array([[2., .5, .1], [.5, 1.5, -.3], [.1, -.3, 1.]])
//   S2 = np.array([[1., -.2, .4], [-.2, 3., .6], [.4, .6, 2.]])
//   np.sum(np.sqrt(np.linalg.eigvals(S1 @ S2).real))   # 4.746987728755789
//   w, v = np.linalg.eigh(S1); v @ np.diag(np.sqrt(w)) @ v.T
//     # [[1.3996574940894628, 0.19519333917787374, 0.05346456377635701],
//     #  [0.19519333917787363, 1.2007461404938629, -0.14180361924043403],
//     #  [0.05346456377635699, -0.14180361924043408, 0.9884499349944428]]
#include <catch2/catch.hpp>

#include <cmath>

#include "tensor/creation.h"
#include "tensor/linalg.h"
#include "tensor/random.h"

using namespace nash;
using linalg::Matrix;

namespace {

Matrix random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  return Matrix::from_tensor(normal({rows, cols}, 0.0, 1.0, rng, DType::Float64));
}

double max_abs_diff(const Matrix& a, const Matrix& b) {
  REQUIRE(a.rows == b.rows);
  REQUIRE(a.cols == b.cols);
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) m = std::max(m, std::abs(a.data[i] - b.data[i]));
  return m;
}

}  // namespace

TEST_CASE("linalg::qr: the textbook 3x3 example", "[tensor][linalg]") {
  // Trefethen & Bau's example: A = QR with R = [[14, 21, -14], [0, 175, -70], [0, 0, 35]].
  Matrix a(3, 3, {12, -51, 4, 6, 167, -68, -4, 24, -41});
  linalg::QR f = linalg::qr(a);
  Matrix q_want(3, 3, {6. / 7, -69. / 175, -58. / 175, 3. / 7, 158. / 175, 6. / 175,
                       -2. / 7, 6. / 35, -33. / 35});
  Matrix r_want(3, 3, {14, 21, -14, 0, 175, -70, 0, 0, 35});
  CHECK(max_abs_diff(f.q, q_want) < 1e-14);
  CHECK(max_abs_diff(f.r, r_want) < 1e-12);
}

TEST_CASE("linalg::qr: orthonormal Q, upper R with positive diagonal, A = QR", "[tensor][linalg]") {
  for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {20, 20}, {50, 8}}) {
    Matrix a = random_matrix(m, n, static_cast<uint64_t>(m * 100 + n));
    linalg::QR f = linalg::qr(a);
    CHECK(max_abs_diff(linalg::matmul(linalg::transpose(f.q), f.q), Matrix::identity(n)) < 1e-13);
    CHECK(max_abs_diff(linalg::matmul(f.q, f.r), a) < 1e-12);
    for (int64_t i = 0; i < n; ++i) {
      CHECK(f.r(i, i) > 0);
      for (int64_t j = 0; j < i; ++j) CHECK(f.r(i, j) == 0.0);
    }
  }
  // A zero column needs no reflection; QR still reconstructs.
  Matrix z(3, 2, {0, 1, 0, 2, 0, 3});
  linalg::QR f = linalg::qr(z);
  CHECK(max_abs_diff(linalg::matmul(f.q, f.r), z) < 1e-14);
  REQUIRE_THROWS_WITH(linalg::qr(Matrix(2, 3)),
                      Catch::Contains("linalg::qr: expected a tall matrix (rows >= cols), got [2, 3]"));
}

TEST_CASE("linalg::symmetric_eigen: known values, orthogonal vectors, reconstruction",
          "[tensor][linalg]") {
  linalg::SymmetricEigen e2 = linalg::symmetric_eigen(Matrix(2, 2, {2, 1, 1, 2}));
  CHECK(e2.values[0] == Approx(1.0));  // ascending
  CHECK(e2.values[1] == Approx(3.0));
  CHECK(std::abs(e2.vectors(0, 1)) == Approx(std::sqrt(0.5)));
  CHECK(e2.vectors(0, 1) * e2.vectors(1, 1) > 0);  // (1, 1)/sqrt2 belongs to 3

  Matrix a(4, 4, {4, 1, -2, 2, 1, 2, 0, 1, -2, 0, 3, -2, 2, 1, -2, -1});
  linalg::SymmetricEigen e = linalg::symmetric_eigen(a);
  const double numpy[] = {-2.1975169774394243, 1.0843644637732166, 2.2685314064312423,
                          6.844621107234965};
  for (int i = 0; i < 4; ++i) CHECK(e.values[i] == Approx(numpy[i]).epsilon(1e-13));

  Matrix b = random_matrix(30, 30, 5), s = linalg::matmul(b, linalg::transpose(b));
  linalg::SymmetricEigen es = linalg::symmetric_eigen(s);
  Matrix v = es.vectors, vw = v;
  for (int64_t i = 0; i < 30; ++i)
    for (int64_t j = 0; j < 30; ++j) vw(i, j) *= es.values[j];
  CHECK(max_abs_diff(linalg::matmul(linalg::transpose(v), v), Matrix::identity(30)) < 1e-12);
  CHECK(max_abs_diff(linalg::matmul(vw, linalg::transpose(v)), s) < 1e-10);
  for (int64_t j = 1; j < 30; ++j) CHECK(es.values[j - 1] <= es.values[j]);
  REQUIRE_THROWS_WITH(linalg::symmetric_eigen(Matrix(2, 3)),
                      Catch::Contains("linalg::symmetric_eigen: expected a square matrix, got [2, 3]"));
}

TEST_CASE("linalg::symmetric_sqrt and trace_sqrt_product against NumPy", "[tensor][linalg]") {
  Matrix s1(3, 3, {2, .5, .1, .5, 1.5, -.3, .1, -.3, 1});
  Matrix s2(3, 3, {1, -.2, .4, -.2, 3, .6, .4, .6, 2});
  Matrix root_want(3, 3, {1.3996574940894628, 0.19519333917787374, 0.05346456377635701,
                          0.19519333917787363, 1.2007461404938629, -0.14180361924043403,
                          0.05346456377635699, -0.14180361924043408, 0.9884499349944428});
  CHECK(max_abs_diff(linalg::symmetric_sqrt(s1), root_want) < 1e-13);
  CHECK(linalg::trace_sqrt_product(s1, s2) == Approx(4.746987728755789).epsilon(1e-13));
  // Tr sqrt(A A) = Tr A for PSD A; and sqrt(A)^2 = A for a random SPD matrix.
  CHECK(linalg::trace_sqrt_product(s2, s2) == Approx(linalg::trace(s2)).epsilon(1e-13));
  Matrix b = random_matrix(12, 12, 3), spd = linalg::matmul(b, linalg::transpose(b));
  Matrix r = linalg::symmetric_sqrt(spd);
  CHECK(max_abs_diff(linalg::matmul(r, r), spd) < 1e-9);
  // A PSD but singular matrix: the round-off negative eigenvalue clamps to 0, no NaN.
  Matrix singular(2, 2, {1, 1, 1, 1});
  Matrix rs = linalg::symmetric_sqrt(singular);
  CHECK(max_abs_diff(linalg::matmul(rs, rs), singular) < 1e-12);
  REQUIRE_THROWS_WITH(linalg::trace_sqrt_product(s1, Matrix(2, 2)),
                      Catch::Contains("got [3, 3] and [2, 2]"));
}

TEST_CASE("linalg::Matrix: tensor round trip and size checks", "[tensor][linalg]") {
  Tensor t = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Matrix m = Matrix::from_tensor(t);
  CHECK(m.rows == 2);
  CHECK(m(1, 2) == 6.0);
  CHECK(m.to_tensor(DType::Float32).to_vector() == t.to_vector());
  CHECK(linalg::matmul(m, linalg::transpose(m)).data == std::vector<double>{14, 32, 32, 77});
  REQUIRE_THROWS_WITH(Matrix(2, 2, std::vector<double>{1, 2, 3}),
                      Catch::Contains("linalg::Matrix: expected 2x2 values, got 3"));
  REQUIRE_THROWS_WITH(linalg::matmul(m, m),
                      Catch::Contains("linalg::matmul: inner dimensions differ: a is [2, 3], b is [2, 3]"));
  REQUIRE_THROWS_WITH(Matrix::from_tensor(zeros({2, 2, 2})), Catch::Contains("expected a 2-D float tensor"));
}
