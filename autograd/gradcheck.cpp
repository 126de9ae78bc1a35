// Central-difference gradient checks (see gradcheck.h). The numeric side perturbs host copies in
// place and reads outputs back as doubles, so it leans on as little of the library as possible:
// f itself, to_vector, and (for gradgradcheck's numeric side) a first-order grad().
#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {
namespace {

// splitmix64: the fixed projections u and v, independent of the library's own generator.
struct SplitMix {
  uint64_t state;
  double next() {  // uniform in [-1, 1)
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
  }
};
constexpr uint64_t kSeed = 20240601;

Tensor random_projection(const Shape& shape, SplitMix& rng) {
  std::vector<double> v(static_cast<size_t>(numel_of(shape)));
  for (auto& e : v) e = rng.next();
  return from_vector(v, shape);
}

void check_inputs(const char* api, const std::vector<Tensor>& inputs) {
  NASH_CHECK(!inputs.empty(), api, ": expected at least one input");
  for (size_t i = 0; i < inputs.size(); ++i) {
    NASH_CHECK(inputs[i].defined(), api, ": input ", i, " is undefined");
    NASH_CHECK(inputs[i].dtype() == DType::Float64, api, ": input ", i, " ", inputs[i].shape(),
               " is ", dtype_name(inputs[i].dtype()),
               "; finite differences need float64 inputs (convert with .to(DType::Float64))");
  }
}

// Owned contiguous copies: the numeric loop perturbs them in place, the leaves share them.
std::vector<Tensor> owned_copies(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> out;
  for (const auto& t : inputs) out.push_back(contiguous(clone(t)));
  return out;
}

std::vector<Variable> make_leaves(const std::vector<Tensor>& values) {
  std::vector<Variable> out;
  for (const auto& t : values) out.emplace_back(t, true);
  return out;
}

Variable evaluate(const char* api, const GradcheckFn& f, const std::vector<Variable>& xs) {
  Variable y = f(xs);
  NASH_CHECK(y.defined(), api, ": f returned an undefined Variable");
  NASH_CHECK(y.dtype() == DType::Float64, api, ": f must return float64, got ",
             dtype_name(y.dtype()), " ", y.shape());
  return y;
}

// f's output must be finite and the same on a second call (else the differences mean nothing).
GradcheckResult check_output(const char* api, const GradcheckFn& f, const std::vector<Variable>& xs,
                             const Variable& y) {
  std::vector<double> first = y.value().to_vector();
  for (double v : first)
    if (!std::isfinite(v))
      return {false, std::string(api) + ": f's output " + shape_str(y.shape()) +
                         " holds NaN or Inf at the given inputs"};
  if (evaluate(api, f, xs).value().to_vector() != first)
    return {false, std::string(api) + ": f returned different values for the same inputs; " +
                       "make it deterministic (seed any Rng inside f)"};
  return {};
}

double dot(const Tensor& a, const std::vector<double>& b) {
  std::vector<double> av = a.to_vector();
  double s = 0.0;
  for (size_t i = 0; i < av.size(); ++i) s += av[i] * b[i];
  return s;
}

std::vector<double> values_or_zeros(const Variable& g, const Tensor& like) {
  if (g.defined()) return g.value().to_vector();
  return std::vector<double>(static_cast<size_t>(like.numel()), 0.0);
}

// (s(p + eps e_i) - s(p - eps e_i)) / 2eps for every element i of every tensor p in params.
std::vector<std::vector<double>> numeric_gradient(const std::function<double()>& s,
                                                  std::vector<Tensor>& params, double eps) {
  std::vector<std::vector<double>> out;
  for (auto& p : params) {
    double* d = p.data<double>();
    std::vector<double> g(static_cast<size_t>(p.numel()));
    for (size_t i = 0; i < g.size(); ++i) {
      const double orig = d[i];
      d[i] = orig + eps;
      const double plus = s();
      d[i] = orig - eps;
      const double minus = s();
      d[i] = orig;
      g[i] = (plus - minus) / (2.0 * eps);
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string multi_index(const Shape& shape, int64_t flat) {
  Shape idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shape_str(idx);
}

// Element-wise |a - n| <= atol + rtol |n|; on failure, describes the worst element.
GradcheckResult compare(const char* api, const std::string& what, const Shape& shape,
                        const std::vector<double>& analytic, const std::vector<double>& numeric,
                        const GradcheckOptions& o) {
  int64_t bad = 0, worst = -1;
  double worst_ratio = 0.0;
  for (size_t i = 0; i < analytic.size(); ++i) {
    const double err = std::abs(analytic[i] - numeric[i]);
    const double allowed = o.atol + o.rtol * std::abs(numeric[i]);
    const double ratio = std::isnan(err) ? INFINITY : err / allowed;
    if (!(err <= allowed)) {
      ++bad;
      if (worst < 0 || ratio > worst_ratio) worst = static_cast<int64_t>(i), worst_ratio = ratio;
    }
  }
  if (bad == 0) return {};
  const double a = analytic[worst], n = numeric[worst];
  std::ostringstream os;
  os.precision(10);
  os << api << ": " << what << " " << shape_str(shape) << ": " << bad << " of " << analytic.size()
     << " elements differ; worst is element " << worst << " (index " << multi_index(shape, worst)
     << "): analytic " << a << ", numeric " << n << ", abs error " << std::abs(a - n)
     << ", rel error " << std::abs(a - n) / std::max(std::abs(n), 1e-300) << " (atol " << o.atol
     << ", rtol " << o.rtol << ", eps " << o.eps << ")";
  return {false, os.str()};
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          GradcheckOptions options) {
  const char* api = "gradcheck";
  check_inputs(api, inputs);
  std::vector<Tensor> values = owned_copies(inputs);
  std::vector<Variable> xs = make_leaves(values);
  Variable y = evaluate(api, f, xs);
  if (auto r = check_output(api, f, xs, y); !r) return r;

  SplitMix rng{kSeed};
  Tensor u = random_projection(y.shape(), rng);  // the fixed upstream gradient
  const std::vector<double> uv = u.to_vector();
  std::vector<Variable> analytic(xs.size());
  if (y.requires_grad()) analytic = grad({y}, xs, {u}, false, false, /*allow_unused=*/true);
  y = Variable();

  auto projected = [&] { return dot(evaluate(api, f, xs).value(), uv); };
  std::vector<std::vector<double>> numeric = numeric_gradient(projected, values, options.eps);
  for (size_t k = 0; k < xs.size(); ++k) {
    auto r = compare(api, "input " + std::to_string(k), values[k].shape(),
                     values_or_zeros(analytic[k], values[k]), numeric[k], options);
    if (!r) return r;
  }
  return {};
}

GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                              GradcheckOptions options) {
  const char* api = "gradgradcheck";
  check_inputs(api, inputs);
  std::vector<Tensor> params = owned_copies(inputs);  // the inputs, then u
  std::vector<Variable> xs = make_leaves(params);
  Variable y = evaluate(api, f, xs);
  if (auto r = check_output(api, f, xs, y); !r) return r;

  SplitMix rng{kSeed};
  params.push_back(random_projection(y.shape(), rng));  // u, the upstream gradient of f
  std::vector<Tensor> vs;                                // v_k, one per input
  for (size_t k = 0; k < xs.size(); ++k) vs.push_back(random_projection(xs[k].shape(), rng));
  Variable u(params.back(), true);

  // Analytic: S = sum_k <g_k, v_k> with g = grad(<f(x), u>, x, create_graph), then grad(S).
  std::vector<Variable> targets = xs;
  targets.push_back(u);
  std::vector<Variable> analytic(targets.size());
  {
    Variable first = sum(y * u);
    std::vector<Variable> g = grad({first}, xs, {}, true, /*create_graph=*/true, true);
    Variable s;
    for (size_t k = 0; k < xs.size(); ++k) {
      if (!g[k].defined()) continue;
      Variable term = sum(g[k] * Variable(vs[k]));
      s = s.defined() ? s + term : term;
    }
    if (s.defined() && s.requires_grad()) analytic = grad({s}, targets, {}, false, false, true);
  }
  y = Variable();

  // Numeric: S from a plain first-order grad() with the (perturbed) u as its grad_output.
  std::vector<std::vector<double>> vv;
  for (const auto& v : vs) vv.push_back(v.to_vector());
  auto s_value = [&] {
    Variable yy = evaluate(api, f, xs);
    if (!yy.requires_grad()) return 0.0;
    std::vector<Variable> g = grad({yy}, xs, {params.back()}, false, false, true);
    double s = 0.0;
    for (size_t k = 0; k < g.size(); ++k)
      if (g[k].defined()) s += dot(g[k].value(), vv[k]);
    return s;
  };
  std::vector<std::vector<double>> numeric = numeric_gradient(s_value, params, options.eps);
  for (size_t k = 0; k < targets.size(); ++k) {
    std::string what = k < xs.size() ? "input " + std::to_string(k)
                                     : std::string("the upstream gradient u of f's output");
    auto r = compare(api, what, params[k].shape(), values_or_zeros(analytic[k], params[k]),
                     numeric[k], options);
    if (!r) return r;
  }
  return {};
}

Tensor random_away_from(const Shape& shape, Rng& rng, const std::vector<double>& kinks,
                        double margin, double low, double high) {
  NASH_CHECK(low < high && margin >= 0.0, "random_away_from: expected low < high and margin >= 0, ",
             "got low ", low, ", high ", high, ", margin ", margin);
  Tensor t = contiguous(uniform(shape, low, high, rng, DType::Float64));
  double* d = t.data<double>();
  auto near_kink = [&](double x) {
    return std::any_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(x - k) < margin; });
  };
  for (int64_t i = 0; i < t.numel(); ++i)
    for (int tries = 0; near_kink(d[i]); ++tries) {
      NASH_CHECK(tries < 1000, "random_away_from: [", low, ", ", high, ") leaves no room ",
                 margin, " away from the kinks");
      d[i] = low + (high - low) * rng.next_uniform();
    }
  return t;
}

}  // namespace nash
