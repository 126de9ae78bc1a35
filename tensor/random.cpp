// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) and
// the distributions drawn from it. A draw of n values reserves consecutive counters from the
// generator; value i reads block (start + i / per_block) only, so chunks can be computed in any
// order or thread and the result is the same.
#include "tensor/random.h"

#include <cmath>
#include <numbers>

#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace nash {

std::array<uint32_t, 4> philox4x32(uint64_t key, uint64_t counter_lo, uint64_t counter_hi) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
  uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  return {c0, c1, c2, c3};
}

namespace {
// [0, 1) from 24 bits (float) or 53 bits (double).
inline float u01_float(uint32_t x) { return static_cast<float>(x >> 8) * 0x1.0p-24f; }
inline double u01_double(uint32_t lo, uint32_t hi) {
  const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

// philox4x32(key, start + j) for j < kLanes, the same rounds on arrays of lanes so that the
// compiler vectorises them (16 counters in flight: a dropout mask's bits ~8x faster than one
// block at a time). out[j] is block start + j.
constexpr int kLanes = 16;
void philox4x32_lanes(uint64_t key, uint64_t start, std::array<uint32_t, 4>* out) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    const uint64_t counter = start + static_cast<uint64_t>(j);
    c0[j] = static_cast<uint32_t>(counter);
    c1[j] = static_cast<uint32_t>(counter >> 32);
    c2[j] = 0;
    c3[j] = 0;
  }
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    for (int j = 0; j < kLanes; ++j) {
      const uint64_t p0 = static_cast<uint64_t>(kM0) * c0[j];
      const uint64_t p1 = static_cast<uint64_t>(kM1) * c2[j];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[j] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = static_cast<uint32_t>(p1);
      c3[j] = static_cast<uint32_t>(p0);
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += kW0;
    k1 += kW1;
  }
  for (int j = 0; j < kLanes; ++j) out[j] = {c0[j], c1[j], c2[j], c3[j]};
}

// Fills out[0..n) with values made `per` at a time from block start + b: fill(block, out + b*per,
// count). Blocks are independent, so the loop may run in parallel; they are drawn kLanes at a
// time.
template <class T, class Fill>
void fill_blocks(T* out, int64_t n, int64_t per, uint64_t key, uint64_t start, Fill&& fill) {
  const int64_t blocks = (n + per - 1) / per, groups = (blocks + kLanes - 1) / kLanes;
  const int nt = get_num_threads();
  kernels::parallel_for(groups, n >= (1 << 20), nt, [&](int64_t g) {
    std::array<uint32_t, 4> r[kLanes];
    philox4x32_lanes(key, start + static_cast<uint64_t>(g * kLanes), r);
    const int64_t b1 = std::min(blocks, (g + 1) * kLanes);
    for (int64_t b = g * kLanes; b < b1; ++b)
      fill(r[b - g * kLanes], out + b * per, std::min(per, n - b * per));
  });
}

void check_shape(const Shape& shape, const char* op) { numel_of(shape, op); }
}  // namespace

uint32_t Rng::next_u32() { return philox4x32(seed_, reserve(1))[0]; }

double Rng::next_uniform() {
  const auto r = philox4x32(seed_, reserve(1));
  return u01_double(r[0], r[1]);
}

std::vector<int64_t> Rng::permutation(int64_t n) {
  NASH_CHECK(n >= 0, "permutation: n must be >= 0, got ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto r = philox4x32(seed_, reserve(1));
    const uint64_t x = (static_cast<uint64_t>(r[1]) << 32) | r[0];
    std::swap(p[i], p[x % static_cast<uint64_t>(i + 1)]);
  }
  return p;
}

Tensor uniform(const Shape& shape, double low, double high, Rng& rng, DType dtype) {
  check_shape(shape, "uniform");
  NASH_CHECK(low <= high, "uniform: low ", low, " is greater than high ", high);
  Tensor t = empty(shape, dtype);
  const int64_t n = t.numel();
  kernels::dispatch_float(dtype, "uniform", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    if constexpr (std::is_same_v<T, float>) {  // element i: block i/4, lane i%4
      const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 3) / 4));
      const float lo = static_cast<float>(low), hi = static_cast<float>(high);
      fill_blocks(p, n, 4, rng.seed(), start, [&](const auto& r, float* o, int64_t c) {
        for (int64_t k = 0; k < c; ++k) {
          float v = static_cast<float>(low + (high - low) * static_cast<double>(u01_float(r[k])));
          o[k] = v >= hi && lo < hi ? std::nextafter(hi, lo) : v;  // rounding must not reach high
        }
      });
    } else {  // element i: block i/2, lanes 2*(i%2), 2*(i%2)+1
      const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 1) / 2));
      fill_blocks(p, n, 2, rng.seed(), start, [&](const auto& r, double* o, int64_t c) {
        for (int64_t k = 0; k < c; ++k) o[k] = low + (high - low) * u01_double(r[2 * k], r[2 * k + 1]);
      });
    }
  });
  return t;
}

// Box-Muller: a pair of uniforms (u1 in (0, 1], u2 in [0, 1)) gives two independent normals.
Tensor normal(const Shape& shape, double mean, double std, Rng& rng, DType dtype) {
  check_shape(shape, "normal");
  NASH_CHECK(std >= 0.0, "normal: std must be >= 0, got ", std);
  Tensor t = empty(shape, dtype);
  const int64_t n = t.numel();
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  kernels::dispatch_float(dtype, "normal", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    if constexpr (std::is_same_v<T, float>) {  // 4 normals per block from 24-bit uniforms
      const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 3) / 4));
      fill_blocks(p, n, 4, rng.seed(), start, [&](const auto& r, float* o, int64_t c) {
        float z[4];
        for (int k = 0; k < 4; k += 2) {
          const double u1 = 1.0 - static_cast<double>(u01_float(r[k]));
          const double u2 = static_cast<double>(u01_float(r[k + 1]));
          const double rad = std::sqrt(-2.0 * std::log(u1));
          z[k] = static_cast<float>(mean + std * rad * std::cos(kTwoPi * u2));
          z[k + 1] = static_cast<float>(mean + std * rad * std::sin(kTwoPi * u2));
        }
        for (int64_t k = 0; k < c; ++k) o[k] = z[k];
      });
    } else {  // 2 normals per block from 53-bit uniforms
      const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 1) / 2));
      fill_blocks(p, n, 2, rng.seed(), start, [&](const auto& r, double* o, int64_t c) {
        const double u1 = 1.0 - u01_double(r[0], r[1]);
        const double u2 = u01_double(r[2], r[3]);
        const double rad = std::sqrt(-2.0 * std::log(u1));
        o[0] = mean + std * rad * std::cos(kTwoPi * u2);
        if (c > 1) o[1] = mean + std * rad * std::sin(kTwoPi * u2);
      });
    }
  });
  return t;
}

Tensor randint(const Shape& shape, int64_t low, int64_t high, Rng& rng) {
  check_shape(shape, "randint");
  NASH_CHECK(low < high, "randint: expected low < high, got [", low, ", ", high, ")");
  Tensor t = empty(shape, DType::Int64);
  const int64_t n = t.numel();
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 1) / 2));
  fill_blocks(t.data<int64_t>(), n, 2, rng.seed(), start,
              [&](const auto& r, int64_t* o, int64_t c) {
                for (int64_t k = 0; k < c; ++k) {
                  const uint64_t x = (static_cast<uint64_t>(r[2 * k + 1]) << 32) | r[2 * k];
                  o[k] = static_cast<int64_t>(static_cast<uint64_t>(low) + x % range);
                }
              });
  return t;
}

Tensor bernoulli(const Shape& shape, double prob, Rng& rng, DType dtype) {
  check_shape(shape, "bernoulli");
  NASH_CHECK(prob >= 0.0 && prob <= 1.0, "bernoulli: p must be in [0, 1], got ", prob);
  Tensor t = empty(shape, dtype);
  const int64_t n = t.numel();
  const uint64_t start = rng.reserve(static_cast<uint64_t>((n + 3) / 4));
  kernels::dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    fill_blocks(t.data<T>(), n, 4, rng.seed(), start, [&](const auto& r, T* o, int64_t c) {
      for (int64_t k = 0; k < c; ++k) o[k] = static_cast<double>(r[k]) * 0x1.0p-32 < prob ? T(1) : T(0);
    });
  });
  return t;
}

void uniform_(Tensor& x, double low, double high, Rng& rng) {
  kernels::check_float(x, "uniform_");
  copy_(x, uniform(x.shape(), low, high, rng, x.dtype()));
}

void normal_(Tensor& x, double mean, double std, Rng& rng) {
  kernels::check_float(x, "normal_");
  copy_(x, normal(x.shape(), mean, std, rng, x.dtype()));
}

}  // namespace nash
