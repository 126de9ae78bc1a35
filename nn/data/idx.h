// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed, and the MNIST loader.
// IDX: bytes 0 0 <type> <ndims>, then ndims big-endian uint32 sizes, then the row-major payload.
// Only type 0x08 (unsigned byte) is read, which is all MNIST uses.
//
//   MnistSplit test = load_mnist("/usr/share/datasets/fashion-mnist", /*train=*/false);
//   // test.images [10000, 1, 28, 28] float32 in [-1, 1], test.labels [10000] int64 in [0, 10)
//   MnistBytes train = load_mnist_bytes("/usr/share/datasets/fashion-mnist", true);
//   // train.images: the same pixels as bytes, 47 MB instead of 188 MB; a DataLoader over them
//   // converts each batch as it is drawn.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace nash {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // product(dims) bytes, row-major
};

inline constexpr uint64_t kIdxMaxBytes = uint64_t{1} << 30;  // 1 GiB payload cap

// What a caller accepts, judged from the header before any payload is read or memory reserved
// (a gzip file is inflated only as far as its header).
struct IdxExpect {
  std::vector<int64_t> dims;          // {} accepts any shape; else the exact rank, 0 = any size
  uint64_t max_bytes = kIdxMaxBytes;  // payload cap
};

// Detects gzip by its 1f 8b magic. Validates the magic, element type, 1..4 dims each > 0, the
// sizes' product by checked_nbytes and against expect (before allocating anything), and that the
// payload holds exactly product(dims) bytes: truncated data and trailing bytes are both errors
// naming the file and the byte counts. A gzip stream is inflated at most one byte past the
// payload its header promises, and must be complete with a valid CRC.
IdxArray read_idx(const std::string& path, const IdxExpect& expect = {});

// Only the header's dims (a gzip file is inflated just that far), validated as read_idx does.
std::vector<int64_t> read_idx_dims(const std::string& path, uint64_t max_bytes = kIdxMaxBytes);

// How pixel bytes p in [0, 255] become floats.
enum class PixelRange {
  Raw,            // p
  ZeroToOne,      // p / 255
  MinusOneToOne,  // p / 127.5 - 1  (what a tanh generator produces)
};

struct MnistSplit {
  Tensor images;  // [N, 1, H, W] float32 (H = W = 28 for MNIST)
  Tensor labels;  // [N] int64 in [0, 10)
};

// Images kept as the file's bytes (a quarter of the memory of float32) and converted when used,
// e.g. per batch by a DataLoader. The conversion is load_mnist's, bit for bit.
struct ByteImages {
  Shape shape;                  // [N, ...], e.g. [N, 1, H, W]
  std::vector<uint8_t> pixels;  // numel(shape) bytes, row-major
  PixelRange range = PixelRange::MinusOneToOne;

  int64_t size() const { return shape.empty() ? 0 : shape[0]; }
  // float32 [count, ...]: samples rows[0 .. count) converted (each row index < size()).
  Tensor to_float(const int64_t* rows, int64_t count) const;
  Tensor to_float() const;  // every sample, in order
};

struct MnistBytes {
  ByteImages images;  // [N, 1, H, W] bytes
  Tensor labels;      // [N] int64 in [0, 10)
};

// What load_mnist accepts, checked against both files' headers before either payload is read.
struct MnistExpect {
  int64_t height = 0, width = 0;      // 0 accepts any size
  uint64_t max_bytes = kIdxMaxBytes;  // cap on the images' payload (the float images take 4x)
};

// Reads <dir>/train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (t10k-... when
// train is false), preferring the uncompressed file when both exist. Checks from the headers
// alone that images are [N, H, W] as expected, labels are [N] with the same N; then that every
// label is < 10.
MnistSplit load_mnist(const std::string& dir, bool train,
                      PixelRange range = PixelRange::MinusOneToOne, const MnistExpect& expect = {});
// The same files and checks, the images left as bytes (load_mnist is this, converted).
MnistBytes load_mnist_bytes(const std::string& dir, bool train,
                            PixelRange range = PixelRange::MinusOneToOne, const MnistExpect& expect = {});

}  // namespace nash
