// Scratch buffers for the kernels' temporaries (im2col columns, channel-major GEMM outputs):
// uninitialised, 64-byte aligned, and up to kKeepBytes per slot kept by the calling thread
// between calls, so a training step in steady state neither allocates nor page-faults them in.
// Two Scratch objects alive at the same time must use different slots.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace nash::detail {

constexpr int kScratchSlots = 4;
constexpr size_t kScratchKeepBytes = size_t{64} << 20;

struct ScratchCache {
  std::unique_ptr<std::byte[]> data[kScratchSlots];
  size_t bytes[kScratchSlots] = {};
};
inline thread_local ScratchCache t_scratch;

template <class T>
class Scratch {
 public:
  // n elements of T in slot `slot` (< kScratchSlots).
  Scratch(int slot, int64_t n) {
    const size_t bytes = static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T) + 64;
    std::byte* raw;
    if (bytes > kScratchKeepBytes) {
      own_.reset(new std::byte[bytes]);
      raw = own_.get();
    } else {
      if (t_scratch.bytes[slot] < bytes) {
        t_scratch.data[slot].reset();
        t_scratch.data[slot].reset(new std::byte[bytes]);
        t_scratch.bytes[slot] = bytes;
      }
      raw = t_scratch.data[slot].get();
    }
    const auto addr = reinterpret_cast<std::uintptr_t>(raw);
    p_ = reinterpret_cast<T*>((addr + 63) & ~std::uintptr_t{63});
  }
  T* get() { return p_; }

 private:
  std::unique_ptr<std::byte[]> own_;
  T* p_;
};

}  // namespace nash::detail
