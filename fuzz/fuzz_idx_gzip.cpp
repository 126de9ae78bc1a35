// libFuzzer target: the input is an IDX file that this target gzips before read_idx reads it,
// so the mutations reach the header and payload checks through the inflating reader (a raw
// mutation of a .gz file mostly breaks its CRC). fuzz_idx covers corrupt gzip streams.
#include <zlib.h>

#include <cstdlib>
#include <vector>

#include "fuzz_input.h"
#include "nn/data/idx.h"

namespace {
// gzip (RFC 1952) of the input with zlib's deflate; windowBits 15 + 16 selects the gzip wrapper.
std::vector<uint8_t> gzip(const uint8_t* data, size_t size) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    std::abort();
  std::vector<uint8_t> out(deflateBound(&z, size) + 32);
  z.next_in = const_cast<uint8_t*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nash::fuzz::InputFile file("idx_gzip");
  const std::vector<uint8_t> gz = gzip(data, size);
  nash::fuzz::write_input(file.path, gz.data(), gz.size());
  try {
    nash::IdxArray a = nash::read_idx(file.path);
    uint64_t n = 1;
    for (int64_t d : a.dims) n *= static_cast<uint64_t>(d);
    // The payload is the input after the header: exactly product(dims) bytes of it.
    if (n != a.data.size() || n + 4 + 4 * a.dims.size() != size) std::abort();
  } catch (const nash::Error&) {
  }
  try {
    (void)nash::read_idx_dims(file.path);
  } catch (const nash::Error&) {
  }
  return 0;
}
