// The optimiser update kernels (tensor/kernels/optim_update.h): the vector body + scalar tail
// equals the scalar reference (the same element function on one T at a time) bitwise, for sizes
// 0, 1, W-1, W, W+1, 3W+5 (W the kernel's batch width), float32 and float64, over several steps
// and every option that changes the update; and the tensor ops' argument errors.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "error_of.h"
#include "tensor/kernels/optim_update.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::kernels;
using nash::test::error_of;

namespace {

template <class T>
std::vector<int64_t> sizes() {
  const int64_t W = kWidth<T>;
  return {0, 1, W - 1, W, W + 1, 3 * W + 5};
}

template <class T>
std::vector<T> random_values(int64_t n, Rng& rng, double lo, double hi) {
  return uniform({n}, lo, hi, rng, dtype_of<T>()).template values<T>();
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// K state slots (`used` of them in use, the rest null), updated for `steps` steps by the kernel
// and by the scalar reference from the same values; every step's p and state must be bitwise
// equal. make(step) returns the element function of that step.
template <class T, size_t K, class Make>
void require_kernel_equals_reference(const char* label, std::array<bool, K> used, Make make) {
  for (int64_t n : sizes<T>()) {
    INFO(label << ", " << dtype_name(dtype_of<T>()) << ", n " << n);
    Rng rng(static_cast<uint64_t>(n + 1));
    std::vector<T> p = random_values<T>(n, rng, -1, 1), p_ref = p;
    std::array<std::vector<T>, K> s, s_ref;
    for (size_t k = 0; k < K; ++k)
      if (used[k]) s[k] = s_ref[k] = random_values<T>(n, rng, 0, 0.5);  // moments are >= 0
    for (int step = 1; step <= 3; ++step) {
      const std::vector<T> g = random_values<T>(n, rng, -2, 2);
      std::array<T*, K> ps, ps_ref;
      for (size_t k = 0; k < K; ++k) {
        ps[k] = used[k] ? s[k].data() : nullptr;
        ps_ref[k] = used[k] ? s_ref[k].data() : nullptr;
      }
      const auto f = make(step);
      update_elements(n, f, g.data(), p.data(), ps);
      update_elements_scalar(n, f, g.data(), p_ref.data(), ps_ref);
      INFO("step " << step);
      REQUIRE(same_bits(p, p_ref));
      for (size_t k = 0; k < K; ++k) REQUIRE(same_bits(s[k], s_ref[k]));
    }
  }
}

template <class T>
void check_all_updates() {
  const AdamStep adam_cases[] = {
      {},
      {.lr = 2e-4, .beta1 = 0.5, .weight_decay = 0.1, .maximize = true},
      {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true, .decoupled = true},
  };
  for (const AdamStep& a : adam_cases)
    require_kernel_equals_reference<T, 3>("Adam", {true, true, a.amsgrad}, [a](int step) {
      AdamStep s = a;
      s.t = step;
      return make_adam_element<T>(s);
    });
  const RMSpropStep rmsprop_cases[] = {
      {},
      {.lr = 5e-5, .weight_decay = 0.1, .momentum = 0.9, .maximize = true},
      {.alpha = 0.9, .momentum = 0.5, .centered = true},
  };
  for (const RMSpropStep& r : rmsprop_cases)
    require_kernel_equals_reference<T, 3>("RMSprop", {true, r.centered, r.momentum > 0},
                                          [r](int) { return make_rmsprop_element<T>(r); });
  const SGDStep sgd_cases[] = {
      {.lr = 0.1},
      {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true},
      {.lr = 0.1, .momentum = 0.9, .dampening = 0.3, .maximize = true},
  };
  for (const SGDStep& c : sgd_cases)
    require_kernel_equals_reference<T, 1>("SGD", {c.momentum != 0}, [c](int step) {
      SGDStep s = c;
      s.first = step == 1;
      return make_sgd_element<T>(s);
    });
}

}  // namespace

TEST_CASE("optimiser update kernels: vector body + tail == scalar reference, bitwise",
          "[tensor][kernels]") {
  check_all_updates<float>();
  check_all_updates<double>();
}

TEST_CASE("optimiser update ops: mismatched gradients and state tensors are errors",
          "[tensor][kernels]") {
  Tensor p = zeros({2, 3}), none;
  const Tensor g = ones({3, 2});
  CHECK(error_of([&] { sgd_update_("SGD", p, g, none, {}); }) ==
        "SGD: the gradient float32 [3, 2] does not match its float parameter float32 [2, 3]");
  Tensor wrong = zeros({6});
  CHECK(error_of([&] { sgd_update_("SGD", p, ones({2, 3}), wrong, {.momentum = 0.9}); }) ==
        "SGD: a state tensor float32 [6] is not a contiguous tensor shaped like its parameter "
        "float32 [2, 3]");
  Tensor m = zeros({2, 3}, DType::Float64), v = zeros({2, 3});
  CHECK(error_of([&] { adam_update_("Adam", p, ones({2, 3}), m, v, none, {}); }) ==
        "Adam: a state tensor float64 [2, 3] is not a contiguous tensor shaped like its "
        "parameter float32 [2, 3]");
  // A strided parameter is updated through a contiguous copy: p -= 0.5 g on p's transpose.
  Tensor q = zeros({3, 2});
  Tensor qt = q.t();
  sgd_update_("SGD", qt, ones({2, 3}), none, {.lr = 0.5});
  CHECK(q.values<float>() == std::vector<float>(6, -0.5f));
}
