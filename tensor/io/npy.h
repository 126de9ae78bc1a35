// NumPy .npy files (format versions 1.0 and 2.0): float32 '<f4', float64 '<f8', int64 '<i8'.
// save_npy writes exactly the bytes numpy.save would (C order, header padded so the data
// starts on a 64-byte boundary); load_npy validates the magic, version, header dict and size.
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace nash {

void save_npy(const std::string& path, const Tensor& t);  // atomic; any strided view
Tensor load_npy(const std::string& path);                  // C or Fortran order -> contiguous

inline constexpr uint64_t kNpyMaxHeaderBytes = uint64_t{1} << 20;

}  // namespace nash
