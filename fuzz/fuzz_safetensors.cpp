// libFuzzer target: load_safetensors on arbitrary bytes (header length, header JSON, dtypes,
// shapes, data_offsets). Valid files must give tensors whose sizes match their headers; bad
// ones must throw nash::Error and nothing else (any other exception or sanitizer report is a
// finding).
#include <cstdlib>

#include "fuzz_input.h"
#include "tensor/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nash::fuzz::InputFile file("safetensors");
  nash::fuzz::write_input(file.path, data, size);
  try {
    nash::SafetensorsFile f = nash::load_safetensors(file.path);
    uint64_t bytes = 0;
    for (const auto& [name, t] : f.tensors) {
      if (!t.is_contiguous() || !f.contains(name)) std::abort();
      bytes += static_cast<uint64_t>(t.numel()) * nash::dtype_size(t.dtype());
      (void)t.to_vector();  // every element readable
    }
    if (bytes > size) std::abort();  // the data came from the file, so it cannot exceed it
  } catch (const nash::Error&) {
  }
  return 0;
}
