// libFuzzer target: load_npy on arbitrary bytes (magic, version, header dict, descr, shape,
// Fortran order). A file that loads must hold exactly its data; anything else must throw
// nash::Error.
#include <cstdlib>

#include "fuzz_input.h"
#include "tensor/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nash::fuzz::InputFile file("npy");
  nash::fuzz::write_input(file.path, data, size);
  try {
    nash::Tensor t = nash::load_npy(file.path);
    if (!t.is_contiguous()) std::abort();
    if (static_cast<uint64_t>(t.numel()) * nash::dtype_size(t.dtype()) > size) std::abort();
    (void)t.to_vector();
  } catch (const nash::Error&) {
  }
  return 0;
}
