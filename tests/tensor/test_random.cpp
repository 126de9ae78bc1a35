// Philox known answers, thread-count independence, and the distributions' moments.
#include <catch2/catch.hpp>

#include <cmath>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;
using Catch::Contains;

TEST_CASE("Philox 4x32-10 known-answer tests (Random123 kat_vectors)", "[tensor][random]") {
  CHECK(philox4x32(0, 0, 0) == std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  // counter all ones, key all ones
  CHECK(philox4x32(~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}) ==
        std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  // pi digits: counter 243f6a88 85a308d3 13198a2e 03707344, key a4093822 299f31d0
  CHECK(philox4x32(0x299f31d0a4093822ull, 0x85a308d3243f6a88ull, 0x0370734413198a2eull) ==
        std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("random draws do not depend on thread count and advance the generator", "[tensor][random]") {
  const int before = get_num_threads();
  auto draw = [](int threads) {
    set_num_threads(threads);
    Rng g(123);
    std::vector<Tensor> r = {uniform({300001}, -1, 1, g), normal({200003}, 0, 1, g),
                             normal({100001}, 2, 3, g, DType::Float64), randint({70001}, -5, 5, g),
                             bernoulli({90001}, 0.3, g), uniform({100001}, 0, 1, g, DType::Float64)};
    r.push_back(scalar_tensor(static_cast<double>(g.offset())));
    return r;
  };
  const auto a = draw(1), b = draw(2);
  set_num_threads(before);
  for (size_t i = 0; i < a.size(); ++i) CHECK(equal(a[i], b[i]));
  // Blocks used: ceil(n/4) for float32, ceil(n/2) for float64 and int64.
  CHECK(a.back().item() == (300001 + 3) / 4 + (200003 + 3) / 4 + (100001 + 1) / 2 + (70001 + 1) / 2 +
                               (90001 + 3) / 4 + (100001 + 1) / 2);
  // Element i of a float32 uniform comes from block i/4, lane i%4.
  Rng g(9);
  Tensor u = uniform({6}, 0, 1, g);
  const auto blk = philox4x32(9, 1);
  CHECK(u.at({5}) == static_cast<float>((blk[1] >> 8) * 0x1.0p-24));
  Rng g1(5), g2(5);
  CHECK(equal(normal({10}, 0, 1, g1), normal({10}, 0, 1, g2)));
  CHECK_FALSE(equal(normal({10}, 0, 1, g1), normal({10}, 0, 1, g1)));  // state advanced
}

TEST_CASE("distributions have the right moments and ranges", "[tensor][random]") {
  Rng g(2024);
  Tensor u = uniform({200000}, -2, 3, g);
  CHECK(amin(u).item() >= -2);
  CHECK(amax(u).item() < 3);
  CHECK(mean(u).item() == Approx(0.5).margin(0.02));
  CHECK(var(u).item() == Approx(25.0 / 12).margin(0.03));
  Tensor n = normal({200000}, 1, 2, g);
  CHECK(mean(n).item() == Approx(1).margin(0.02));
  CHECK(var(n).item() == Approx(4).margin(0.06));
  Tensor nd = normal({100000}, 0, 1, g, DType::Float64);
  CHECK(mean(nd).item() == Approx(0).margin(0.02));
  CHECK(var(nd).item() == Approx(1).margin(0.03));
  // fraction within one sigma ~ 0.6827
  CHECK(mean(lt(abs(nd), 1.0)).item() == Approx(0.6827).margin(0.01));
  Tensor r = randint({100000}, 3, 7, g);
  CHECK(r.dtype() == DType::Int64);
  const std::vector<int64_t> rv = r.values<int64_t>();
  std::vector<int64_t> counts(4, 0);
  for (int64_t v : rv) {
    REQUIRE(v >= 3);
    REQUIRE(v < 7);
    counts[v - 3]++;
  }
  for (int64_t c : counts) CHECK(c == Approx(25000).margin(800));
  Tensor b = bernoulli({100000}, 0.25, g);
  CHECK(mean(b).item() == Approx(0.25).margin(0.01));
  Tensor x = zeros({50, 40}).t();
  normal_(x, 5, 0.1, g);
  CHECK(mean(x).item() == Approx(5).margin(0.01));
  uniform_(x, 0, 1, g);
  CHECK(amax(x).item() < 1);
  std::vector<int64_t> p = g.permutation(10);
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 10; ++i) CHECK(p[i] == i);
  const double nu = g.next_uniform();
  CHECK((nu >= 0 && nu < 1));
  REQUIRE_THROWS_WITH(uniform({2}, 1, 0, g), Contains("uniform: low 1 is greater than high 0"));
  REQUIRE_THROWS_WITH(randint({2}, 3, 3, g), Contains("randint: expected low < high, got [3, 3)"));
  REQUIRE_THROWS_WITH(bernoulli({2}, 1.5, g), Contains("bernoulli: p must be in [0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(normal({-1}, 0, 1, g), Contains("normal: negative size in shape [-1]"));
  REQUIRE_THROWS_WITH(normal({2}, 0, 1, g, DType::Int64), Contains("normal: expected a float tensor, got int64"));
}

TEST_CASE("every element of a draw comes from its Philox block, across many blocks", "[tensor][random]") {
  // The blocks are computed 16 counters at a time: check each element against the scalar
  // philox4x32 of its block (float32 uniform: block i/4, lane i%4; bernoulli the same).
  Rng g(77), h(77);
  const int64_t n = 1003;
  const Tensor u = uniform({n}, 0, 1, g);
  const Tensor b = bernoulli({n}, 0.3, g);
  const uint64_t u_start = h.reserve((n + 3) / 4), b_start = h.reserve((n + 3) / 4);
  for (int64_t i = 0; i < n; ++i) {
    const auto ru = philox4x32(77, u_start + static_cast<uint64_t>(i / 4));
    REQUIRE(u.at({i}) == static_cast<float>((ru[i % 4] >> 8) * 0x1.0p-24));
    const auto rb = philox4x32(77, b_start + static_cast<uint64_t>(i / 4));
    REQUIRE(b.at({i}) == (static_cast<double>(rb[i % 4]) * 0x1.0p-32 < 0.3 ? 1.0 : 0.0));
  }
}
