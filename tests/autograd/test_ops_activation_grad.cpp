// leaky_relu_grad (autograd/ops/activation_grad.h, kernel tensor/activation_grad.h): bitwise the
// where(x > 0, dy, dy * slope) it replaces (vector body and tail, zeros, NaN, both dtypes), its
// own first and second derivatives, the threads, and its errors.
#include "autograd/ops/activation_grad.h"

#include <limits>

#include "op_check.h"
#include "tensor/activation_grad.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::test;

TEST_CASE("leaky_relu_backward is bitwise where(x > 0, dy, dy * slope)", "[autograd][ops]") {
  Rng rng(21);
  for (DType dtype : {DType::Float32, DType::Float64})
    for (int64_t n : {1, 15, 16, 17, 100, 70000}) {
      CAPTURE(dtype_name(dtype), n);
      Tensor x64 = normal({n}, 0, 1, rng).to(DType::Float64);
      if (n > 3) {  // an exact zero and a NaN take the slope branch, as x > 0 is false for them
        x64.data<double>()[0] = 0.0;
        x64.data<double>()[2] = std::numeric_limits<double>::quiet_NaN();
      }
      const Tensor x = x64.to(dtype), dy = normal({n}, 0, 1, rng).to(dtype);
      for (double slope : {0.2, 0.0, 1.5}) {
        const Tensor want = where(gt(x, 0.0), dy, dy * slope);
        CHECK(equal(leaky_relu_backward(x, dy, slope), want));
      }
    }
}

TEST_CASE("leaky_relu_backward gives identical bits for 1 and 2 threads", "[autograd][ops]") {
  Rng rng(22);
  const Tensor x = normal({300, 400}, 0, 1, rng), dy = normal({300, 400}, 0, 1, rng);
  const int saved = get_num_threads();
  set_num_threads(1);
  const Tensor one = leaky_relu_backward(x, dy, 0.2);
  set_num_threads(2);
  const Tensor two = leaky_relu_backward(x, dy, 0.2);
  set_num_threads(saved);
  CHECK(equal(one, two));
  CHECK(equal(one, where(gt(x, 0.0), dy, dy * 0.2)));
}

TEST_CASE("leaky_relu_grad first and second derivatives", "[autograd][ops]") {
  Rng rng(23);
  const Tensor x = random_in({4, 5}, rng, -1, 1);
  check_grads("leaky_relu_grad", [x](const std::vector<Variable>& v) {
    return square(leaky_relu_grad(x, v[0], 0.2)) * v[1];
  }, {random_in({4, 5}, rng, -1, 1), random_in({4, 5}, rng, -1, 1)});
  // Through LeakyReLU twice: d/dx of (dL/dx)^2, the shape of WGAN-GP's penalty.
  check_grads("leaky_relu double backward", [](const std::vector<Variable>& v) {
    Variable y = leaky_relu(v[0] * v[1], 0.2);
    return grad({sum(square(y))}, {v[0]}, {}, true, true)[0] * v[1];
  }, {random_in({3, 4}, rng, -1, 1), random_in({3, 4}, rng, -1, 1)});
}

TEST_CASE("leaky_relu_backward errors name the op and the shapes", "[autograd][ops]") {
  CHECK_THROWS_WITH(leaky_relu_backward(zeros({2, 3}), zeros({3, 2}), 0.2),
                    Catch::Contains("leaky_relu_backward: expected x and dy of one shape and dtype, "
                                    "got x [2, 3] float32 and dy [3, 2] float32"));
  CHECK_THROWS_WITH(leaky_relu_backward(zeros({2}, DType::Int64), zeros({2}, DType::Int64), 0.2),
                    Catch::Contains("leaky_relu_backward: expected float32 or float64, got int64"));
}
