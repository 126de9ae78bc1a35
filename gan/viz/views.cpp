// The views of a frame (see views.h). Each evaluates a network in eval mode and puts the mode
// back, even when the evaluation throws.
#include "gan/viz/views.h"

#include "tensor/ops.h"

namespace nash::gan::viz {

namespace {
// A module in eval mode for a scope, its previous mode restored on exit.
struct EvalMode {
  nn::Module& m;
  bool was_training;
  explicit EvalMode(nn::Module& module) : m(module), was_training(module.is_training()) { m.eval(); }
  ~EvalMode() { m.train(was_training); }
};

// D's raw output at each point x [N, D]: with packing m, D judges (x, x, ..., x).
Variable judge_each(Run& run, const Variable& x) {
  const int64_t m = run.config().pack;
  Variable in = m == 1 ? x : cat(std::vector<Variable>(static_cast<size_t>(m), flatten(x, 1)), 1);
  return run.discriminator().score(in, Tensor());  // [N, 1]
}

void check_points(const Tensor& x, const char* what) {
  NASH_CHECK(x.dim() >= 2 && x.size(0) >= 1, what, ": expected points [N, ...], got ", x.shape());
}
}  // namespace

Tensor d_surface(Run& run, const Tensor& x) {
  check_points(x, "d_surface");
  EvalMode eval(run.discriminator());
  NoGradGuard no_grad;
  Tensor out = judge_each(run, Variable(x)).value().reshape({x.size(0)});
  return run.objective().logit ? sigmoid(out) : out.contiguous();  // D(x) = sigmoid(logit)
}

Tensor d_grad_norm(Run& run, const Tensor& x) {
  check_points(x, "d_grad_norm");
  EvalMode eval(run.discriminator());
  EnableGradGuard with_grad(true);
  Variable leaf(x, /*requires_grad=*/true);
  // grad_x sum_i D(x_i): row i is the gradient of D at x_i (the points are independent).
  Variable g = grad({sum(judge_each(run, leaf))}, {leaf})[0];
  return sqrt(sum(square(flatten(g.value(), 1)), {1}));  // [N]
}

Tensor generator_pull(Run& run, const Tensor& x) {
  check_points(x, "generator_pull");
  const int64_t m = run.config().pack, n = x.size(0);
  NASH_CHECK(n % m == 0, "generator_pull: ", n, " samples cannot be packed ", m, " at a time");
  EvalMode eval(run.discriminator());
  EnableGradGuard with_grad(true);
  Variable leaf(x, /*requires_grad=*/true);
  Variable out = run.discriminator().score(m == 1 ? leaf : reshape(leaf, {n / m, -1}), Tensor());
  Variable loss = run.objective().g_loss(out);  // e.g. -E log D(x) (ns) or -E f(x) (wgan)
  return neg(grad({loss}, {leaf})[0].value());  // -dL/dx: where G's step moves each sample
}

Tensor generate(Run& run, const Tensor& z, const Tensor& labels) {
  EvalMode eval(run.generator());
  NoGradGuard no_grad;
  return run.generator().generate(Variable(z), labels).value();
}

double noise_centre(const RunConfig& c) { return c.noise == "uniform" ? 0.5 : 0.0; }

std::pair<double, double> noise_range(const RunConfig& c) {
  return c.noise == "uniform" ? std::pair{0.0, 1.0} : std::pair{-2.5, 2.5};
}

Tensor noise_grid(const RunConfig& c, int64_t m) {
  NASH_CHECK(m >= 2, "noise_grid: need at least 2 points per side, got ", m);
  const int64_t z = c.noise_dim, rows = z == 1 ? m : m * m;
  const std::pair<double, double> range = noise_range(c);
  const double lo = range.first, hi = range.second;  // plain names: the lambda below captures them
  std::vector<float> v(static_cast<size_t>(rows * z), static_cast<float>(noise_centre(c)));
  auto at = [&](int64_t i) { return static_cast<float>(lo + (hi - lo) * static_cast<double>(i) / (m - 1)); };
  for (int64_t r = 0; r < rows; ++r) {
    v[static_cast<size_t>(r * z)] = at(z == 1 ? r : r / m);
    if (z > 1) v[static_cast<size_t>(r * z + 1)] = at(r % m);
  }
  return from_vector(v, {rows, z});
}

Tensor noise_line(const RunConfig& c, int64_t m) {
  RunConfig one = c;
  one.noise_dim = 1;
  Tensor dim0 = noise_grid(one, m);  // [m, 1]
  if (c.noise_dim == 1) return dim0;
  return cat(std::vector<Tensor>{dim0, full({m, c.noise_dim - 1}, noise_centre(c))}, 1);
}

Tensor plane_grid(double x0, double x1, double y0, double y1, int64_t m) {
  NASH_CHECK(m >= 1 && x1 > x0 && y1 > y0, "plane_grid: need m >= 1 and a non-empty box, got m = ", m,
             ", [", x0, ", ", x1, "] x [", y0, ", ", y1, "]");
  std::vector<float> v(static_cast<size_t>(2 * m * m));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const size_t k = static_cast<size_t>(2 * (i * m + j));
      v[k] = static_cast<float>(x0 + (x1 - x0) * (j + 0.5) / m);
      v[k + 1] = static_cast<float>(y1 - (y1 - y0) * (i + 0.5) / m);
    }
  return from_vector(v, {m * m, 2});
}

}  // namespace nash::gan::viz
