// nash::Tensor: a strided N-d view (shape, strides, offset, dtype) over shared, 64-byte aligned
// storage. This header declares the type and its views; the math lives in ops.h, creation and
// random numbers in creation.h / random.h. Nothing here knows about gradients.
//
// Shape letters used in comments across tensor/: N batch, D features, C channels, H/W spatial,
// Z latent, K classes, M/N/K also the GEMM sizes where the comment says so.
//
// Worked example:
//   nash::Rng rng(42);
//   nash::Tensor x = nash::normal({64, 784}, 0.0, 1.0, rng);   // [N, D], float32
//   nash::Tensor b = nash::zeros({784});                       // [D]
//   nash::Tensor y = nash::relu(x + b);                         // broadcast over N
//   std::cout << nash::sum(y, {1}) << "\n";                    // [N]
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tensor/error.h"
#include "tensor/small_vector.h"

namespace nash {

// Sizes, strides and dim lists: up to 6 entries live inside the object (no heap allocation).
using Shape = SmallVector<int64_t, 6>;

enum class DType : uint8_t { Float32, Float64, Int64 };
size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);
std::string shape_str(const Shape& shape);  // "[64, 784]"

// Owns one aligned byte buffer; shared by every view of it.
class Storage {
 public:
  explicit Storage(size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  // Counts in-place writes (add_, copy_, fill_, matmul_out, ...). Autograd records the version an
  // op saw and refuses to differentiate through values overwritten since (like torch).
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  std::atomic<uint64_t> version_{0};
};

// A new storage of at least nbytes (the header from the small-block pool, the bytes from the
// cache below): what every fresh tensor is made with.
std::shared_ptr<Storage> make_storage(size_t nbytes);

// The caching allocator behind Storage (like PyTorch's CPU caching allocator): freed blocks are
// kept on free lists by size class (64-byte steps up to 64 KiB, then eighths of a power of two)
// and handed out again, so a training step in steady state takes no memory from the system.
// Blocks from 256 KiB on are mapped directly, and past NASH_CACHE_RESIDENT_BYTES (default 256 MiB)
// of blocks of 4 MiB and more cached, such a block gives its pages back (madvise): a lower limit
// trades speed (page faults on reuse) for a lower peak.
// The cache holds at most NASH_CACHE_BYTES (default 256 MiB) of free blocks; past that, freed
// blocks go back to the system. empty_cache() frees every cached block.
void empty_cache();
size_t cached_bytes();

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() == false
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }  // in elements
  DType dtype() const { return dtype_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

  // Typed pointer to the first element (storage + offset). Throws if T does not match dtype.
  template <class T>
  T* data() const;
  void* raw_data() const;

  // Reading values (for tests, printing and small host-side logic).
  double item() const;                       // numel() must be 1
  double at(const Shape& index) const;       // one element, bounds-checked
  std::vector<double> to_vector() const;     // all elements in row-major order
  template <class T>
  std::vector<T> values() const;             // same, converted to T

  // Views (no copy) and copies; each forwards to the free function of the same name.
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;  // 2-D transpose
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::Float32;
};

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::Float32; }
template <>
constexpr DType dtype_of<double>() { return DType::Float64; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::Int64; }

template <class T>
T* Tensor::data() const {
  NASH_CHECK(defined(), "data: tensor is undefined");
  NASH_CHECK(dtype_ == dtype_of<T>(), "data: tensor is ", dtype_name(dtype_), ", requested ",
             dtype_name(dtype_of<T>()));
  return static_cast<T*>(storage_->data()) + offset_;
}

// ---- helpers shared by the ops ---------------------------------------------------------------
// numel_of applies checked_numel (tensor/checked_size.h): sizes >= 0 and their products fit int64.
int64_t numel_of(const Shape& shape, const char* op = "numel");
Shape contiguous_strides(const Shape& shape);  // throws when a product overflows int64
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);   // -1 -> ndim-1, range-checked
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// ---- views -----------------------------------------------------------------------------------
// reshape returns a view when the strides allow it and a copy otherwise; view always a view
// (throws when impossible). One entry of shape may be -1 (inferred).
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor view(const Tensor& x, const Shape& shape);
Tensor permute(const Tensor& x, const Shape& dims);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);  // drops dim
Tensor expand(const Tensor& x, const Shape& shape);          // -1 keeps a size
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor squeeze(const Tensor& x);                              // all size-1 dims
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor to_dtype(const Tensor& x, DType dtype);

// Printing like PyTorch: values (elided past 1000 elements), then shape and dtype.
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

}  // namespace nash
