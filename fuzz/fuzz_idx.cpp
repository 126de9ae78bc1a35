// libFuzzer target: read_idx on arbitrary bytes, raw or gzip (by the 1f 8b magic), with no
// expectation and with MNIST's [N, 28, 28]. An array that loads must hold product(dims) bytes;
// anything else must throw nash::Error.
#include <cstdlib>

#include "fuzz_input.h"
#include "nn/data/idx.h"

namespace {
void check(const nash::IdxArray& a) {
  uint64_t n = 1;
  for (int64_t d : a.dims) n *= static_cast<uint64_t>(d);
  if (a.dims.empty() || n != a.data.size()) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nash::fuzz::InputFile file("idx");
  nash::fuzz::write_input(file.path, data, size);
  try {
    check(nash::read_idx(file.path));
  } catch (const nash::Error&) {
  }
  try {
    nash::IdxArray a = nash::read_idx(file.path, {{0, 28, 28}, uint64_t{1} << 24});
    check(a);
    if (a.dims.size() != 3 || a.dims[1] != 28 || a.dims[2] != 28) std::abort();
  } catch (const nash::Error&) {
  }
  return 0;
}
