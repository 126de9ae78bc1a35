// batch_norm (autograd/ops/batch_norm.h, kernels in tensor/batch_norm.h): values and first
// derivatives against the same formula composed of elementwise ops and reductions, first and
// second derivatives against central differences, identical bits for any thread count, errors.
#include "autograd/ops/batch_norm.h"

#include "op_check.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

std::vector<int64_t> dims_of(int64_t dim) {
  std::vector<int64_t> d{0};
  for (int64_t i = 2; i < dim; ++i) d.push_back(i);
  return d;
}

// The composed formula (nn::BatchNorm's form for the modes without the fused op).
Variable composed(const Variable& x, const Variable& w, const Variable& b, double eps) {
  const std::vector<int64_t> dims = dims_of(x.dim());
  Shape ps(static_cast<size_t>(x.dim()), 1);
  ps[1] = x.size(1);
  const Variable centred = x - mean(x, dims, true);
  const Variable inv_std = rdiv(sqrt(mean(centred * centred, dims, true) + eps), 1.0);
  return centred * (inv_std * reshape(w, ps)) + reshape(b, ps);
}

struct Grads {
  Tensor y, dx, dw, db;
};
template <class F>
Grads run(F f, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy) {
  Variable xv(x, true), wv(w, true), bv(b, true);
  Variable y = f(xv, wv, bv);
  y.backward(dy);
  return {y.value(), xv.grad().value(), wv.grad().value(), bv.grad().value()};
}
}  // namespace

TEST_CASE("batch_norm equals the composed formula, values and gradients", "[autograd][ops]") {
  Rng rng(5);
  for (DType dtype : {DType::Float32, DType::Float64})
    for (const Shape& xs : {Shape{4, 3, 5, 6}, Shape{7, 5}, Shape{3, 2, 9}, Shape{37, 600}}) {
      CAPTURE(dtype_name(dtype), xs);
      const int64_t c = xs[1];
      const Tensor x = normal(xs, 0.5, 2.0, rng).to(dtype), dy = normal(xs, 0, 1, rng).to(dtype);
      const Tensor w = normal({c}, 1, 0.5, rng).to(dtype), b = normal({c}, 0, 1, rng).to(dtype);
      const double eps = 0.8;
      const Grads fused = run([eps](auto& x, auto& w, auto& b) { return batch_norm(x, w, b, eps).y; },
                              x, w, b, dy);
      const Grads ref = run([eps](auto& x, auto& w, auto& b) { return composed(x, w, b, eps); },
                            x, w, b, dy);
      const double tol = dtype == DType::Float64 ? 1e-12 : 1e-5;
      CHECK(allclose(fused.y, ref.y, tol, tol));
      CHECK(allclose(fused.dx, ref.dx, tol, tol));
      CHECK(allclose(fused.dw, ref.dw, tol, tol));
      CHECK(allclose(fused.db, ref.db, tol, tol));
      // The statistics it returns: the batch mean and the biased variance.
      const BatchNormOutput out = batch_norm(Variable(x), Variable(w), Variable(b), eps);
      CHECK(allclose(out.mean, nash::mean(x, dims_of(x.dim())), tol, tol));
      CHECK(allclose(out.var, nash::var(x, dims_of(x.dim()), /*correction=*/0), tol, tol));
    }
}

TEST_CASE("batch_norm first and second derivatives", "[autograd][ops]") {
  Rng rng(6);
  check_grads("batch_norm [3, 2, 3, 2]", [](const Vars& v) {
    return square(batch_norm(v[0], v[1], v[2], 1e-3).y);
  }, {random_in({3, 2, 3, 2}, rng, -1, 1), random_in({2}, rng, 0.5, 1.5), random_in({2}, rng, -1, 1)});
  check_grads("batch_norm [5, 3] eps 0.8", [](const Vars& v) {
    return tanh(batch_norm(v[0], v[1], v[2], 0.8).y);
  }, {random_in({5, 3}, rng, -1, 1), random_in({3}, rng, 0.5, 1.5), random_in({3}, rng, -1, 1)});
}

TEST_CASE("batch_norm gives identical bits for 1, 2 and 3 threads", "[autograd][ops]") {
  Rng rng(7);
  // Planes of 144 values, and [N, C] rows (BatchNorm1d: channels in blocks of columns).
  for (const Shape& xs : {Shape{9, 16, 12, 12}, Shape{70, 600}}) {
    CAPTURE(xs);
    const Tensor x = normal(xs, 0, 1, rng), dy = normal(xs, 0, 1, rng);
    const Tensor w = normal({xs[1]}, 1, 0.1, rng), b = normal({xs[1]}, 0, 0.1, rng);
    const int saved = get_num_threads();
    std::vector<Grads> out;
    for (int t : {1, 2, 3}) {
      set_num_threads(t);
      out.push_back(run([](auto& x, auto& w, auto& b) { return batch_norm(x, w, b, 1e-5).y; }, x, w, b, dy));
    }
    set_num_threads(saved);
    for (size_t i = 1; i < out.size(); ++i) {
      CHECK(equal(out[0].y, out[i].y));
      CHECK(equal(out[0].dx, out[i].dx));
      CHECK(equal(out[0].dw, out[i].dw));
      CHECK(equal(out[0].db, out[i].db));
    }
  }
}

TEST_CASE("batch_norm errors name the op and the shapes", "[autograd][ops]") {
  const Variable x(zeros({4, 3, 2, 2})), w3(ones({3})), w2(ones({2}));
  CHECK_THROWS_WITH(batch_norm(x, w2, w2, 1e-5),
                    Catch::Contains("batch_norm: expected weight and bias [3] for x [4, 3, 2, 2]"));
  CHECK_THROWS_WITH(batch_norm(Variable(zeros({4})), w3, w3, 1e-5),
                    Catch::Contains("batch_norm: expected x [N, C, ...], got [4]"));
  CHECK_THROWS_WITH(batch_norm(x, w3, w3, 0.0), Catch::Contains("eps must be positive"));
}
