// Shared by the nn layer tests: gradchecks of a layer with respect to its input and chosen
// parameters (in float64), value checks, and the message of a thrown nash::Error.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "nn/module.h"
#include "tensor/ops.h"
#include "error_of.h"

namespace nash::test {

inline Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return from_vector(values, shape);
}

inline void require_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-10) {
  std::vector<double> got = t.to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(expected[i]).epsilon(tol).margin(tol));
  }
}

inline std::vector<std::string> names_of(const std::vector<std::pair<std::string, Variable>>& ps) {
  std::vector<std::string> out;
  for (const auto& [n, v] : ps) out.push_back(n);
  return out;
}

// The layer converted to float64; f(x, p...) = layer(x) with the parameter fields rebound to
// the gradcheck's leaves, checked to first (and, with second_order, second) order.
inline void check_layer_grads(nn::Module& layer, std::vector<Variable*> fields, const Tensor& x,
                              bool second_order = false) {
  layer.to(DType::Float64);
  std::vector<Tensor> inputs{x.to(DType::Float64)};
  for (Variable* f : fields) inputs.push_back(f->value());
  GradcheckFn fn = [&layer, fields](const std::vector<Variable>& v) {
    for (size_t i = 0; i < fields.size(); ++i) *fields[i] = v[i + 1];
    return layer.forward(v[0]);
  };
  {
    GradcheckResult r = gradcheck(fn, inputs);
    INFO(layer.type_name() << "(" << layer.extra_repr() << ") gradcheck: " << r.message);
    CHECK(r.ok);
  }
  if (second_order) {
    GradcheckResult r = gradgradcheck(fn, inputs);
    INFO(layer.type_name() << "(" << layer.extra_repr() << ") gradgradcheck: " << r.message);
    CHECK(r.ok);
  }
}

}  // namespace nash::test
