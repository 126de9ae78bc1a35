// NumPy .npy files (format versions 1.0 and 2.0): float32 '<f4', float64 '<f8', int64 '<i8',
// and (read only) uint8 '|u1'.
// save_npy writes exactly the bytes numpy.save would (C order, header padded so the data
// starts on a 64-byte boundary); load_npy validates the magic, version, header dict and size.
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace nash {

void save_npy(const std::string& path, const Tensor& t);  // atomic; any strided view
Tensor load_npy(const std::string& path);                  // C or Fortran order -> contiguous
// uint8 ('|u1') arrays load as float32 holding 0..255 exactly (nash has no uint8 dtype);
// read_npy_info tells them apart from float32 ones without reading the data.
struct NpyInfo {
  std::string descr;  // '<f4', '<f8', '<i8', '|u1', ...
  bool fortran_order = false;
  Shape shape;
};
NpyInfo read_npy_info(const std::string& path);

inline constexpr uint64_t kNpyMaxHeaderBytes = uint64_t{1} << 20;

}  // namespace nash
