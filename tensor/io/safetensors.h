// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets":
// [begin, end]}, ..., "__metadata__": {"k": "v"}} padded with spaces to 8 bytes, then the raw
// little-endian data. nash reads and writes F32, F64 and I64 (Float32, Float64, Int64).
//
//   save_safetensors("g.safetensors", {{"fc1.weight", w}, {"fc1.bias", b}}, {{"step", "1000"}});
//   SafetensorsFile f = load_safetensors("g.safetensors");
//   Tensor w2 = f.get("fc1.weight");
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace nash {

struct SafetensorsFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in the header's order
  std::map<std::string, std::string> metadata;
  const Tensor& get(const std::string& name) const;      // throws naming the missing name
  bool contains(const std::string& name) const;
};

// Atomic (temp file + rename). Tensors may be any strided view; they are written contiguous.
// Names must be unique, non-empty and not "__metadata__". The header lists the tensors in the
// given order; the data is laid out 8-byte types first so every tensor starts aligned to its
// element size, with no gaps (as the reference writer does).
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Validates everything before reading any data (header size, JSON, fields, dtypes, shapes,
// offsets that exactly tile the data buffer) and throws nash::Error naming the path and the
// first problem. Every tensor gets its own contiguous storage.
SafetensorsFile load_safetensors(const std::string& path);

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;  // as the reference reader

}  // namespace nash
