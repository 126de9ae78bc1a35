// One seed, several independent random streams: a run's networks, data order, fixed sample noise
// and evaluation noise each draw from their own stream, so changing one (e.g. more evaluation
// samples) never shifts another. The training steps themselves draw from Rng(seed); DiffAugment's
// draws come from Stream::Augment, keyed by the step (gan/run_steps.cpp).
#pragma once
#include <cstdint>

namespace nash::gan {

enum class Stream : uint64_t { Init = 1, Loader = 2, FixedNoise = 3, Eval = 4, Augment = 5 };

// SplitMix64 of (seed, stream): well-mixed, distinct seeds for distinct streams.
inline uint64_t stream_seed(uint64_t seed, Stream stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(stream) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace nash::gan
