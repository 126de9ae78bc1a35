// Seeded random numbers from a counter-based generator (Philox 4x32-10, Salmon et al. 2011):
// element i of a draw depends only on (seed, counter, i), never on thread count or timing.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace nash {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }  // 128-bit blocks consumed so far
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  // Reserves `blocks` Philox blocks (4 x uint32 each) and returns the first block's counter.
  uint64_t reserve(uint64_t blocks) { uint64_t c = offset_; offset_ += blocks; return c; }
  // Host-side draws (each consumes one block).
  uint32_t next_u32();
  double next_uniform();                         // [0, 1)
  std::vector<int64_t> permutation(int64_t n);   // Fisher-Yates, seeded

 private:
  uint64_t seed_ = 0;
  uint64_t offset_ = 0;
};

// One Philox 4x32-10 block for (key, counter).
std::array<uint32_t, 4> philox4x32(uint64_t key, uint64_t counter_lo, uint64_t counter_hi = 0);

Tensor uniform(const Shape& shape, double low, double high, Rng& rng,
               DType dtype = DType::Float32);                 // U[low, high)
Tensor normal(const Shape& shape, double mean, double std, Rng& rng,
              DType dtype = DType::Float32);                  // N(mean, std^2), Box-Muller
Tensor randint(const Shape& shape, int64_t low, int64_t high, Rng& rng);  // int64 in [low, high)
Tensor bernoulli(const Shape& shape, double p, Rng& rng, DType dtype = DType::Float32);
void uniform_(Tensor& x, double low, double high, Rng& rng);   // fill in place
void normal_(Tensor& x, double mean, double std, Rng& rng);

}  // namespace nash
