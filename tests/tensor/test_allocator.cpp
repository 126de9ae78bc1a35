// The allocation paths a training step runs on: Shape's inline storage (SmallVector), the
// small-block pool behind autograd's nodes, and Storage's caching allocator.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "tensor/block_pool.h"
#include "tensor/creation.h"
#include "tensor/small_vector.h"
#include "tensor/tensor.h"

using namespace nash;

TEST_CASE("SmallVector behaves as std::vector inline and past its capacity", "[tensor]") {
  using V = SmallVector<int64_t, 3>;
  V v{1, 2};
  CHECK(v.capacity() == 3);
  v.push_back(3);
  const int64_t* inline_data = v.data();
  v.push_back(4);  // spills to the heap
  CHECK(v.data() != inline_data);
  CHECK(std::vector<int64_t>(v) == std::vector<int64_t>{1, 2, 3, 4});
  v.insert(v.begin() + 1, 9);
  v.erase(v.begin() + 3);
  CHECK(v == V{1, 9, 2, 4});
  v.insert(v.end(), v.begin(), v.begin() + 2);  // a range from the vector itself
  CHECK(v == V{1, 9, 2, 4, 1, 9});
  V moved = std::move(v);
  CHECK(moved.size() == 6);
  CHECK(v.empty());
  V small{5};
  V taken = std::move(small);  // inline contents are copied over
  CHECK(taken == V{5});
  CHECK(V(2, 7) == V{7, 7});
  CHECK(V{1, 2} < V{1, 3});
  const std::vector<int64_t> from{4, 5, 6, 7};
  V converted = from;
  CHECK(converted.size() == 4);
  CHECK(to_string(zeros({2, 3})).find("[2, 3]") != std::string::npos);
  CHECK(detail::concat(Shape{64, 784}) == "[64, 784]");
}

TEST_CASE("the block pool reuses freed blocks by size class, across threads", "[tensor]") {
  void* a = detail::pool_allocate(40);  // class 64
  detail::pool_free(a, 40);
  void* b = detail::pool_allocate(64);
  CHECK(b == a);  // the same class, last in first out
  detail::pool_free(b, 64);
  const size_t reserved = pool_reserved_bytes();
  CHECK(reserved > 0);
  // A block freed on another thread goes back to a pool too (that thread's, then the shared
  // lists when it exits), so nothing is lost or freed twice.
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(detail::pool_allocate(200));
  std::thread t([&] {
    for (void* p : blocks) detail::pool_free(p, 200);
  });
  t.join();
  for (int i = 0; i < 1000; ++i) blocks[static_cast<size_t>(i)] = detail::pool_allocate(200);
  for (void* p : blocks) detail::pool_free(p, 200);
  void* big = detail::pool_allocate(detail::kPoolMaxBytes + 1);  // past the pool: operator new
  detail::pool_free(big, detail::kPoolMaxBytes + 1);
  PoolVector<int> v{1, 2, 3};
  CHECK(v.size() == 3);
}

TEST_CASE("storage caches small blocks too, and empty_cache releases them", "[tensor]") {
  empty_cache();
  const void* first = nullptr;
  {
    Tensor a = empty({10});  // 40 bytes: a 64-byte block
    first = a.raw_data();
    CHECK(reinterpret_cast<uintptr_t>(first) % 64 == 0);
  }
  CHECK(cached_bytes() == 64);
  Tensor b = empty({16});  // 64 bytes: the same class
  CHECK(b.raw_data() == first);
  CHECK(cached_bytes() == 0);
  Tensor c = empty({100000});  // 400 KB: mapped from the system, unmapped when released
  CHECK(reinterpret_cast<uintptr_t>(c.raw_data()) % 64 == 0);
  c = Tensor();
  CHECK(cached_bytes() >= 400000);
  empty_cache();
  CHECK(cached_bytes() == 0);
}
