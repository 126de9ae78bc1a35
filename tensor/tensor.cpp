// Storage (64-byte aligned, from a caching allocator so that a training step in steady state
// neither calls malloc nor pays page faults), Tensor's members, and the shape helpers.
// Views live in views.cpp, printing in print.cpp.
#include "tensor/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include <sys/mman.h>

#include "tensor/block_pool.h"
#include "tensor/checked_size.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/loop.h"
#include "tensor/ops.h"

namespace nash {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
  }
  return "unknown";
}

std::string shape_str(const Shape& shape) { return detail::concat(shape); }

// ---- storage: aligned blocks, cached for reuse on free lists by size class ---------------------
namespace {
constexpr size_t kAlign = 64;
constexpr size_t kSmallMax = size_t{1} << 16;           // 64-byte classes up to here
constexpr int kSmallClasses = kSmallMax / kAlign;       // 1024
constexpr int kClasses = kSmallClasses + 8 * 48;        // then 8 per power of two, to 2^64

struct FreeBlock {
  FreeBlock* next;
  bool trimmed;  // pages past the first given back (madvise): not resident while cached
};

// Cached blocks of kTrimMin and more stay resident up to `resident_limit` bytes
// (NASH_CACHE_RESIDENT_BYTES, default 256 MiB, the cache's own cap: a DCGAN step re-faulting its
// trimmed activations every step ran 4-5x slower, 1.29 s instead of 0.27 s); past it, such a block entering the cache keeps its
// address but gives its pages (all but the first, which holds this header) back to the system,
// so big activations cached between steps do not raise the peak: reusing one costs page faults,
// not an allocation. Smaller blocks (an MLP's weights and gradients) always stay resident.
constexpr size_t kTrimMin = size_t{4} << 20;

struct BlockCache {
  std::mutex mutex;
  FreeBlock* lists[kClasses] = {};
  size_t cached = 0;
  size_t resident = 0;  // bytes of cached blocks of kTrimMin and more whose pages are kept
  size_t limit = size_t{256} << 20;           // NASH_CACHE_BYTES overrides
  size_t resident_limit = size_t{256} << 20;  // NASH_CACHE_RESIDENT_BYTES overrides
  BlockCache() {
    if (const char* env = std::getenv("NASH_CACHE_BYTES")) limit = std::strtoull(env, nullptr, 10);
    if (const char* env = std::getenv("NASH_CACHE_RESIDENT_BYTES"))
      resident_limit = std::strtoull(env, nullptr, 10);
  }
};
BlockCache& cache() {
  static BlockCache* c = new BlockCache;  // never destroyed: storages may outlive statics
  return *c;
}

// Sizes round up to 64 bytes; from 64 KiB on to 1/8 of their power of two, so a few classes
// serve all sizes with at most 12.5% slack.
size_t round_size(size_t n) {
  n = std::max<size_t>(n, kAlign);
  n = (n + kAlign - 1) / kAlign * kAlign;
  if (n < kSmallMax) return n;
  size_t p = size_t{1} << (63 - __builtin_clzll(n));
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

// The free list of a rounded size, and back.
int class_of(size_t n) {
  if (n < kSmallMax) return static_cast<int>(n / kAlign);
  const int k = 63 - __builtin_clzll(n);  // n in [2^k, 2^(k+1)), k >= 16
  const size_t p = size_t{1} << k;
  return kSmallClasses + (k - 16) * 8 + static_cast<int>((n - p) / (p / 8));
}
size_t class_size(int c) {
  if (c < kSmallClasses) return static_cast<size_t>(c) * kAlign;
  const int k = 16 + (c - kSmallClasses) / 8;
  const size_t p = size_t{1} << k;
  return p + static_cast<size_t>((c - kSmallClasses) % 8) * (p / 8);
}

// Blocks from 256 KiB on are mapped from the system directly and unmapped when released, so
// their pages go back at once. From malloc they would stay in its heap: glibc raises its mmap
// threshold to the largest block freed (up to 32 MiB), after which such blocks come from the
// heap and a freed one keeps its pages resident while smaller requests fragment around it.
constexpr size_t kMapMin = size_t{1} << 18;

void* system_allocate(size_t n) {
  if (n < kMapMin) return std::aligned_alloc(kAlign, n);
  void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;  // page aligned, so 64-byte aligned
}

void system_free(void* p, size_t n) {
  if (n < kMapMin)
    std::free(p);
  else
    munmap(p, n);
}

void free_cached(BlockCache& c) {  // with c.mutex held
  for (int k = 0; k < kClasses; ++k)
    while (FreeBlock* b = c.lists[k]) {
      c.lists[k] = b->next;
      system_free(b, class_size(k));
    }
  c.cached = 0;
  c.resident = 0;
}

void* allocate(size_t n) {
  {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    FreeBlock*& head = c.lists[class_of(n)];
    if (FreeBlock* b = head) {
      head = b->next;
      c.cached -= n;
      if (n >= kTrimMin && !b->trimmed) c.resident -= n;
      return b;
    }
  }
  void* p = system_allocate(n);
  if (!p) {
    empty_cache();
    p = system_allocate(n);
  }
  NASH_CHECK(p != nullptr, "empty: cannot allocate ", n, " bytes");
  return p;
}

void release(void* p, size_t n) {
  {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached + n <= c.limit) {
      auto* b = static_cast<FreeBlock*>(p);
      b->trimmed = false;
      if (n >= kTrimMin) {
        if (c.resident + n <= c.resident_limit) {
          c.resident += n;
        } else {
          constexpr size_t kPage = 4096;  // mapped blocks: page aligned, many pages long
          madvise(static_cast<char*>(p) + kPage, n - kPage, MADV_DONTNEED);
          b->trimmed = true;
        }
      }
      FreeBlock*& head = c.lists[class_of(n)];
      b->next = head;
      head = b;
      c.cached += n;
      return;
    }
  }
  system_free(p, n);
}
}  // namespace

void empty_cache() {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  free_cached(c);
}

size_t cached_bytes() {
  BlockCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.cached;
}

Storage::Storage(size_t nbytes) {
  NASH_CHECK(nbytes <= kMaxTensorBytes, "empty: cannot allocate ", nbytes, " bytes");
  nbytes_ = round_size(nbytes);
  data_ = allocate(nbytes_);
}

Storage::~Storage() { release(data_, nbytes_); }

std::shared_ptr<Storage> make_storage(size_t nbytes) {
  return std::allocate_shared<Storage>(PoolAllocator<Storage>(), nbytes);
}

// ---- shape helpers -----------------------------------------------------------------------------
int64_t numel_of(const Shape& shape, const char* op) { return checked_numel(shape, op); }

// Overflow-checked, so a shape no Tensor may have ([0, 2^62, 2^62]) throws instead of wrapping.
Shape contiguous_strides(const Shape& shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = acc;
    NASH_CHECK(shape[d] >= 0, "contiguous_strides: negative size in shape ", shape);
    NASH_CHECK(!__builtin_mul_overflow(acc, std::max<int64_t>(shape[d], 1), &acc),
               "contiguous_strides: strides of ", shape, " overflow int64");
  }
  return s;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);
  NASH_CHECK(dim >= -n && dim < n, op, ": dim ", dim, " out of range for a tensor of ", ndim,
             " dims");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NASH_CHECK(da == db || da == 1 || db == 1, op, ": cannot broadcast ", a, " with ", b);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// ---- Tensor ------------------------------------------------------------------------------------
Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset,
               DType dtype)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      dtype_(dtype) {
  NASH_CHECK(storage_ != nullptr, "Tensor: storage is null");
  NASH_CHECK(shape_.size() == strides_.size(), "Tensor: shape ", shape_, " and strides ", strides_,
             " differ in length");
  const int64_t n = numel_of(shape_, "Tensor");
  NASH_CHECK(offset_ >= 0, "Tensor: negative offset ", offset_);
  for (int64_t s : strides_) NASH_CHECK(s >= 0, "Tensor: negative stride in ", strides_);
  if (n > 0) {
    int64_t last = offset_, term = 0;
    for (size_t d = 0; d < shape_.size(); ++d) {
      NASH_CHECK(!__builtin_mul_overflow(shape_[d] - 1, strides_[d], &term) &&
                     !__builtin_add_overflow(last, term, &last),
                 "Tensor: strides ", strides_, " overflow for shape ", shape_);
    }
    const uint64_t need = (static_cast<uint64_t>(last) + 1) * dtype_size(dtype_);
    NASH_CHECK(static_cast<uint64_t>(last) < (uint64_t{1} << 60) && need <= storage_->nbytes(),
               "Tensor: view ", shape_, " with strides ", strides_, " and offset ", offset_,
               " exceeds its storage of ", storage_->nbytes(), " bytes");
  }
}

int64_t Tensor::size(int64_t d) const {
  NASH_CHECK(defined(), "size: tensor is undefined");
  return shape_[kernels::wrap_dim_of(*this, d, "size")];
}

int64_t Tensor::stride(int64_t d) const {
  NASH_CHECK(defined(), "stride: tensor is undefined");
  return strides_[kernels::wrap_dim_of(*this, d, "stride")];
}

// The constructor checked the shape with checked_numel, so no product below can overflow: with a
// 0 anywhere the answer is known before multiplying, and otherwise every partial product is at
// most numel().
int64_t Tensor::numel() const {
  if (!defined()) return 0;
  for (int64_t s : shape_)
    if (s == 0) return 0;
  int64_t n = 1;
  for (int64_t s : shape_) n *= s;
  return n;
}

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;
  int64_t expected = 1;
  for (size_t d = shape_.size(); d-- > 0;) {
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

void* Tensor::raw_data() const {
  NASH_CHECK(defined(), "raw_data: tensor is undefined");
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

template <class T>
std::vector<T> Tensor::values() const {
  NASH_CHECK(defined(), "values: tensor is undefined");
  std::vector<T> out(static_cast<size_t>(numel()));
  if (out.empty()) return out;
  kernels::dispatch_all(dtype_, [&](auto tag) {
    using S = decltype(tag);
    const S* p = static_cast<const S*>(storage_->data()) + offset_;
    auto loop = kernels::make_loop<1>(shape_, {strides_});
    size_t k = 0;
    kernels::for_each_row(loop, [&](const auto& off, int64_t n, const auto& st) {
      const S* q = p + off[0];
      for (int64_t i = 0; i < n; ++i) out[k++] = kernels::value_cast<T>(q[i * st[0]]);
    });
  });
  return out;
}
template std::vector<float> Tensor::values<float>() const;
template std::vector<double> Tensor::values<double>() const;
template std::vector<int64_t> Tensor::values<int64_t>() const;
template std::vector<int32_t> Tensor::values<int32_t>() const;

std::vector<double> Tensor::to_vector() const { return values<double>(); }

double Tensor::at(const Shape& index) const {
  NASH_CHECK(defined(), "at: tensor is undefined");
  NASH_CHECK(static_cast<int64_t>(index.size()) == dim(), "at: index ", index, " has ",
             index.size(), " entries for a tensor of ", dim(), " dims ", shape_);
  int64_t off = offset_;
  for (size_t d = 0; d < index.size(); ++d) {
    int64_t i = index[d] < 0 ? index[d] + shape_[d] : index[d];
    NASH_CHECK(i >= 0 && i < shape_[d], "at: index ", index, " out of range for shape ", shape_);
    off += i * strides_[d];
  }
  return kernels::dispatch_all(dtype_, [&](auto tag) {
    using S = decltype(tag);
    return static_cast<double>(static_cast<const S*>(storage_->data())[off]);
  });
}

double Tensor::item() const {
  NASH_CHECK(defined(), "item: tensor is undefined");
  NASH_CHECK(numel() == 1, "item: expected a tensor with one element, got ", shape_);
  return at(Shape(shape_.size(), 0));
}

Tensor Tensor::reshape(const Shape& shape) const { return nash::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return nash::view(*this, shape); }
Tensor Tensor::permute(const Shape& dims) const { return nash::permute(*this, dims); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return nash::transpose(*this, d0, d1); }
Tensor Tensor::t() const {
  NASH_CHECK(defined(), "t: tensor is undefined");
  NASH_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dims, got ", shape_);
  return dim() < 2 ? *this : nash::transpose(*this, 0, 1);
}
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return nash::narrow(*this, dim, start, length);
}
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return nash::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return nash::select(*this, dim, index); }
Tensor Tensor::expand(const Shape& shape) const { return nash::expand(*this, shape); }
Tensor Tensor::squeeze(int64_t dim) const { return nash::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return nash::unsqueeze(*this, dim); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  return nash::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::contiguous() const { return nash::contiguous(*this); }
Tensor Tensor::clone() const { return nash::clone(*this); }
Tensor Tensor::to(DType dtype) const { return nash::to_dtype(*this, dtype); }

}  // namespace nash
