// The small-block pool of block_pool.h: per-thread free lists by power-of-two class, refilled
// from the lists of exited threads or from 64 KiB chunks taken from operator new.
#include "tensor/block_pool.h"

#include <atomic>
#include <mutex>
#include <new>

namespace nash {
namespace detail {
namespace {

constexpr int kClasses = 9;  // 16, 32, ..., 4096 bytes
constexpr size_t kChunkBytes = size_t{64} << 10;
static_assert(size_t{16} << (kClasses - 1) == kPoolMaxBytes);

struct FreeBlock {
  FreeBlock* next;
};

int class_of(size_t bytes) {
  if (bytes <= 16) return 0;
  return 64 - __builtin_clzll(bytes - 1) - 4;  // ceil(log2(bytes)) - 4
}
size_t class_bytes(int c) { return size_t{16} << c; }

std::atomic<size_t> g_reserved{0};

// Lists of threads that have exited, and the chunks every block came from (never freed: a block
// may be in use anywhere).
struct Shared {
  std::mutex mutex;
  FreeBlock* lists[kClasses] = {};
};
Shared& shared() {
  static Shared* s = new Shared;  // never destroyed: blocks may be freed during static teardown
  return *s;
}

struct ThreadLists {
  FreeBlock* lists[kClasses] = {};
  ~ThreadLists();
};
thread_local ThreadLists t_lists;
thread_local bool t_exited = false;  // t_lists destroyed: this thread frees to the shared lists

ThreadLists::~ThreadLists() {
  t_exited = true;
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (int c = 0; c < kClasses; ++c) {
    while (FreeBlock* b = lists[c]) {
      lists[c] = b->next;
      b->next = s.lists[c];
      s.lists[c] = b;
    }
  }
}

// A list of fresh blocks of class c: the shared list if it has any, else a new chunk cut up.
FreeBlock* refill(int c) {
  Shared& s = shared();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (FreeBlock* b = s.lists[c]) {
      s.lists[c] = nullptr;
      return b;
    }
  }
  const size_t size = class_bytes(c);
  char* chunk = static_cast<char*>(::operator new(kChunkBytes));
  g_reserved.fetch_add(kChunkBytes, std::memory_order_relaxed);
  FreeBlock* head = nullptr;
  for (size_t off = kChunkBytes; off >= size; off -= size) {
    auto* b = reinterpret_cast<FreeBlock*>(chunk + off - size);
    b->next = head;
    head = b;
  }
  return head;
}

}  // namespace

void* pool_allocate(size_t bytes) {
  if (bytes > kPoolMaxBytes) return ::operator new(bytes);
  const int c = class_of(bytes);
  if (t_exited) {  // during this thread's teardown: take a block under the lock
    Shared& s = shared();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (FreeBlock* b = s.lists[c]) {
      s.lists[c] = b->next;
      return b;
    }
    return ::operator new(class_bytes(c));
  }
  FreeBlock*& head = t_lists.lists[c];
  if (!head) head = refill(c);
  FreeBlock* b = head;
  head = b->next;
  return b;
}

void pool_free(void* p, size_t bytes) noexcept {
  if (!p) return;
  if (bytes > kPoolMaxBytes) {
    ::operator delete(p);
    return;
  }
  const int c = class_of(bytes);
  auto* b = static_cast<FreeBlock*>(p);
  if (t_exited) {
    Shared& s = shared();
    std::lock_guard<std::mutex> lock(s.mutex);
    b->next = s.lists[c];
    s.lists[c] = b;
    return;
  }
  b->next = t_lists.lists[c];
  t_lists.lists[c] = b;
}

}  // namespace detail

size_t pool_reserved_bytes() { return detail::g_reserved.load(std::memory_order_relaxed); }

}  // namespace nash
