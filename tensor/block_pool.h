// A pool for the small objects a training step makes and drops by the thousand — autograd
// variables and nodes, their input lists and derivative closures, tensor storage headers —
// so that after warm-up a step takes none of them from the heap. Blocks come in power-of-two
// classes from 16 bytes to 4 KiB; each thread keeps its own free lists (no lock on the hot path)
// and hands them to a shared list when it exits, so a block freed on another thread is simply
// reused there. Larger requests go to operator new. Memory is kept for reuse, not returned.
//
//   std::vector<Variable, PoolAllocator<Variable>> inputs{x, y};   // pooled storage
//   auto node = std::allocate_shared<Node>(PoolAllocator<Node>());  // pooled node + count
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

namespace nash {

namespace detail {
constexpr size_t kPoolMaxBytes = 4096;
void* pool_allocate(size_t bytes);             // bytes > kPoolMaxBytes: operator new
void pool_free(void* p, size_t bytes) noexcept;  // bytes as given to pool_allocate
}  // namespace detail

// Bytes the pool holds, free and in use, over all threads (for tests and memory reports).
size_t pool_reserved_bytes();

template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  static_assert(alignof(T) <= 16, "the pool's blocks are 16-byte aligned");
  T* allocate(size_t n) { return static_cast<T*>(detail::pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { detail::pool_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept { return true; }
};

template <class T>
using PoolVector = std::vector<T, PoolAllocator<T>>;

}  // namespace nash
