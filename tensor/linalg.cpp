// Householder QR, Jacobi symmetric eigensolver and symmetric square roots, in double.
#include "tensor/linalg.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "tensor/creation.h"

namespace nash::linalg {

Matrix::Matrix(int64_t r, int64_t c, double fill) : rows(r), cols(c) {
  NASH_CHECK(r >= 0 && c >= 0, "linalg::Matrix: negative size [", r, ", ", c, "]");
  data.assign(static_cast<size_t>(r * c), fill);
}

Matrix::Matrix(int64_t r, int64_t c, std::vector<double> values)
    : rows(r), cols(c), data(std::move(values)) {
  NASH_CHECK(r >= 0 && c >= 0 && static_cast<int64_t>(data.size()) == r * c,
             "linalg::Matrix: expected ", r, "x", c, " values, got ", data.size());
}

Matrix Matrix::identity(int64_t n) {
  Matrix m(n, n);
  for (int64_t i = 0; i < n; ++i) m(i, i) = 1.0;
  return m;
}

Matrix Matrix::from_tensor(const Tensor& t) {
  NASH_CHECK(t.defined() && t.dim() == 2 && t.dtype() != DType::Int64,
             "linalg::Matrix::from_tensor: expected a 2-D float tensor, got ",
             t.defined() ? shape_str(t.shape()) : std::string("undefined"));
  return Matrix(t.size(0), t.size(1), t.to_vector());
}

Tensor Matrix::to_tensor(DType dtype) const {
  return from_vector(data, {rows, cols}).to(dtype);
}

Matrix matmul(const Matrix& a, const Matrix& b) {
  NASH_CHECK(a.cols == b.rows, "linalg::matmul: inner dimensions differ: a is [", a.rows, ", ",
             a.cols, "], b is [", b.rows, ", ", b.cols, "]");
  Matrix c(a.rows, b.cols);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = 0; k < a.cols; ++k) {
      const double aik = a(i, k);
      for (int64_t j = 0; j < b.cols; ++j) c(i, j) += aik * b(k, j);
    }
  return c;
}

Matrix transpose(const Matrix& a) {
  Matrix t(a.cols, a.rows);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < a.cols; ++j) t(j, i) = a(i, j);
  return t;
}

double trace(const Matrix& a) {
  NASH_CHECK(a.rows == a.cols, "linalg::trace: expected a square matrix, got [", a.rows, ", ",
             a.cols, "]");
  double t = 0.0;
  for (int64_t i = 0; i < a.rows; ++i) t += a(i, i);
  return t;
}

QR qr(const Matrix& input) {
  const int64_t m = input.rows, n = input.cols;
  NASH_CHECK(m >= n, "linalg::qr: expected a tall matrix (rows >= cols), got [", m, ", ", n,
             "]; factor the transpose");
  std::vector<double> w = input.data;  // working copy; R ends up in its upper triangle
  std::vector<std::vector<double>> vs(static_cast<size_t>(n));
  std::vector<double> r_diag(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    // Reflect column k below the diagonal onto e_k: x -> alpha e_k, alpha = -sign(x0) ||x||
    // (the sign that avoids cancellation in v = x - alpha e_k).
    double norm2 = 0.0;
    for (int64_t i = k; i < m; ++i) norm2 += w[i * n + k] * w[i * n + k];
    const double x0 = w[k * n + k];
    const double alpha = x0 >= 0.0 ? -std::sqrt(norm2) : std::sqrt(norm2);
    std::vector<double> v(static_cast<size_t>(m - k));
    for (int64_t i = k; i < m; ++i) v[i - k] = w[i * n + k];
    v[0] -= alpha;
    double vnorm2 = 0.0;
    for (double e : v) vnorm2 += e * e;
    r_diag[k] = alpha;
    if (vnorm2 > 0.0) {
      const double inv = 1.0 / std::sqrt(vnorm2);
      for (double& e : v) e *= inv;
      // W[k:, k:] -= 2 v (v^T W[k:, k:])
      for (int64_t j = k; j < n; ++j) {
        double dot = 0.0;
        for (int64_t i = k; i < m; ++i) dot += v[i - k] * w[i * n + j];
        for (int64_t i = k; i < m; ++i) w[i * n + j] -= 2.0 * dot * v[i - k];
      }
    } else {
      r_diag[k] = x0;  // the column is already zero below the diagonal: no reflection
      std::fill(v.begin(), v.end(), 0.0);
    }
    vs[k] = std::move(v);
  }
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], applied right to left.
  QR out{Matrix(m, n), Matrix(n, n)};
  std::vector<double>& q = out.q.data;
  for (int64_t j = 0; j < n; ++j) q[j * n + j] = 1.0;
  for (int64_t k = n - 1; k >= 0; --k) {
    const auto& v = vs[k];
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0.0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * q[i * n + j];
      if (dot == 0.0) continue;
      for (int64_t i = k; i < m; ++i) q[i * n + j] -= 2.0 * dot * v[i - k];
    }
  }
  // R from the reduced upper triangle; then flip the signs so that diag(R) >= 0, negating the
  // matching columns of Q so that Q R is unchanged.
  for (int64_t i = 0; i < n; ++i) {
    out.r(i, i) = r_diag[i];
    for (int64_t j = i + 1; j < n; ++j) out.r(i, j) = w[i * n + j];
  }
  for (int64_t j = 0; j < n; ++j)
    if (r_diag[j] < 0.0) {
      for (int64_t i = 0; i < m; ++i) q[i * n + j] = -q[i * n + j];
      for (int64_t c = j; c < n; ++c) out.r(j, c) = -out.r(j, c);
    }
  return out;
}

SymmetricEigen symmetric_eigen(const Matrix& input) {
  const int64_t d = input.rows;
  NASH_CHECK(d >= 1 && input.cols == d, "linalg::symmetric_eigen: expected a square matrix, got [",
             input.rows, ", ", input.cols, "]");
  Matrix a = input, v = Matrix::identity(d);
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) (i == j ? total : off) += a(i, j) * a(i, j);
    if (off <= 1e-30 * (total + off) || off == 0) break;
    for (int64_t p = 0; p < d - 1; ++p)
      for (int64_t q = p + 1; q < d; ++q) {
        const double apq = a(p, q);
        if (apq == 0) continue;
        // Rotate so that a[p][q] becomes 0 (Golub & Van Loan, Algorithm 8.4.2).
        const double theta = (a(q, q) - a(p, p)) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < d; ++k) {  // columns p, q
          const double akp = a(k, p), akq = a(k, q);
          a(k, p) = c * akp - s * akq;
          a(k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < d; ++k) {  // rows p, q
          const double apk = a(p, k), aqk = a(q, k);
          a(p, k) = c * apk - s * aqk;
          a(q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < d; ++k) {
          const double vkp = v(k, p), vkq = v(k, q);
          v(k, p) = c * vkp - s * vkq;
          v(k, q) = s * vkp + c * vkq;
        }
      }
  }
  // Sort ascending, carrying the eigenvector columns along.
  std::vector<int64_t> order(static_cast<size_t>(d));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&a](int64_t x, int64_t y) { return a(x, x) < a(y, y); });
  SymmetricEigen e{std::vector<double>(static_cast<size_t>(d)), Matrix(d, d)};
  for (int64_t j = 0; j < d; ++j) {
    e.values[j] = a(order[j], order[j]);
    for (int64_t i = 0; i < d; ++i) e.vectors(i, j) = v(i, order[j]);
  }
  return e;
}

Matrix symmetric_sqrt(const Matrix& a) {
  SymmetricEigen e = symmetric_eigen(a);
  const int64_t d = a.rows;
  Matrix out(d, d);
  for (int64_t k = 0; k < d; ++k) {
    const double r = std::sqrt(std::max(e.values[k], 0.0));
    for (int64_t i = 0; i < d; ++i) {
      const double vik = e.vectors(i, k) * r;
      for (int64_t j = 0; j < d; ++j) out(i, j) += vik * e.vectors(j, k);
    }
  }
  return out;
}

double trace_sqrt_product(const Matrix& a, const Matrix& b) {
  NASH_CHECK(a.rows == a.cols && b.rows == b.cols && a.rows == b.rows && a.rows >= 1,
             "linalg::trace_sqrt_product: expected two square matrices of one size, got [",
             a.rows, ", ", a.cols, "] and [", b.rows, ", ", b.cols, "]");
  const Matrix r = symmetric_sqrt(a);
  Matrix m = matmul(matmul(r, b), r);
  const int64_t d = m.rows;
  for (int64_t i = 0; i < d; ++i)  // symmetrise against round-off
    for (int64_t j = i + 1; j < d; ++j) m(i, j) = m(j, i) = 0.5 * (m(i, j) + m(j, i));
  double t = 0.0;
  for (double w : symmetric_eigen(m).values) t += std::sqrt(std::max(w, 0.0));
  return t;
}

}  // namespace nash::linalg
