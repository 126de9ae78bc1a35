// IDX reading (raw and gzip) with every error case on small hand-made files, load_mnist on a
// hand-made split, and on the real Fashion-MNIST test split when it is installed.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <string>

#include "fashion_data.h"
#include "nn/data/idx.h"
#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::test::io;
namespace fs = std::filesystem;

namespace {
void put_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}
// Header bytes 0 0 type ndims, then big-endian uint32 dims.
std::string idx_header(std::vector<uint32_t> dims, uint8_t type = 0x08) {
  std::string s = {0, 0, char(type), char(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) s += char((d >> shift) & 0xFF);
  return s;
}
std::string ramp(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char(i * 37 % 256);
  return s;
}
}  // namespace

TEST_CASE("read_idx reads raw and gzipped unsigned-byte arrays", "[idx]") {
  TempDir dir;
  const std::string payload = ramp(2 * 3 * 4);
  put(dir / "a.idx", idx_header({2, 3, 4}) + payload);
  put_gz(dir / "a.idx.gz", idx_header({2, 3, 4}) + payload);
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    INFO(name);
    IdxArray a = read_idx(dir / name);
    REQUIRE(a.dims == std::vector<int64_t>{2, 3, 4});
    REQUIRE(std::string(a.data.begin(), a.data.end()) == payload);
  }
  // A payload larger than the 1 MiB read chunk, gzipped, to exercise buffer growth.
  const std::string big = ramp(3 * 1000 * 1000);
  put_gz(dir / "big.gz", idx_header({3, 1000, 1000}) + big);
  IdxArray b = read_idx(dir / "big.gz");
  REQUIRE(b.data.size() == big.size());
  REQUIRE(std::string(b.data.begin(), b.data.end()) == big);
}

TEST_CASE("read_idx reports every malformed file", "[idx]") {
  TempDir dir;
  auto both = [&](const std::string& bytes, const std::string& expected) {
    put(dir / "x.idx", bytes);
    put_gz(dir / "x.idx.gz", bytes);
    for (const char* name : {"x.idx", "x.idx.gz"}) {
      INFO(name);
      const std::string msg = error_of([&] { read_idx(dir / name); });
      REQUIRE_THAT(msg, Catch::Contains("read_idx: " + dir / name + ": ") && Catch::Contains(expected));
    }
  };
  both(idx_header({2, 3}) + ramp(5), "truncated: shape [2, 3] needs 6 payload bytes, found 5");
  both(idx_header({2, 3}) + ramp(8), "trailing bytes: shape [2, 3] needs 6 payload bytes, found ");
  REQUIRE_THAT(error_of([&] { read_idx(dir / "x.idx"); }), Catch::EndsWith("found 8"));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "x.idx.gz"); }), Catch::Contains("found more"));
  both(std::string("\x00\x00", 2), "too short for the 4-byte IDX magic");
  both(std::string("\x00\x01\x08\x01", 4) + std::string(4, '\0'), "not an IDX file: magic starts with 0 1");
  both(idx_header({2}, 0x0C) + std::string(8, '\0'), "unsupported element type 0xc (int32)");
  both(idx_header({2}, 0x0D) + std::string(8, '\0'), "(float32); only 0x08 (unsigned byte) is supported");
  both(idx_header({}) , "number of dimensions is 0, expected 1 to 4");
  both(idx_header({1, 1, 1, 1, 1}) + "x", "number of dimensions is 5");
  both(idx_header({3, 0, 2}), "dimension 1 is 0");
  both(idx_header({2, 3}).substr(0, 9), "truncated header: expected 8 bytes of sizes, found 5");
  // 65536^3 bytes would be 256 TiB: refused from the header alone, before any allocation.
  both(idx_header({65536, 65536, 65536}) + ramp(10),
       "the header's sizes [65536, 65536, 65536] claim 281474976710656 bytes, more than the limit "
       "of 1073741824 bytes");
  put(dir / "small_cap.idx", idx_header({100}) + ramp(100));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "small_cap.idx", {{}, 99}); }), Catch::Contains("limit of 99"));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "missing.idx"); }), Catch::Contains("missing.idx: cannot open"));
}

TEST_CASE("read_idx rejects cut and corrupted gzip streams", "[idx]") {
  TempDir dir;
  put_gz(dir / "g.gz", idx_header({4, 5}) + ramp(20));
  const std::string gz = read_file(dir / "g.gz");
  // Cut inside the 8-byte trailer: all data is there, but the CRC cannot be verified.
  put(dir / "cut_trailer.gz", gz.substr(0, gz.size() - 3));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "cut_trailer.gz"); }), Catch::Contains("gzip stream is truncated"));
  // Cut inside the deflate data: the payload comes up short.
  put(dir / "cut_data.gz", gz.substr(0, 14));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "cut_data.gz"); }), Catch::Contains("truncated"));
  // Flip a CRC byte.
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  put(dir / "bad_crc.gz", bad_crc);
  REQUIRE_THAT(error_of([&] { read_idx(dir / "bad_crc.gz"); }), Catch::Contains("corrupt gzip data"));
}

TEST_CASE("read_idx refuses sizes whose element or byte count overflows, from the header", "[idx]") {
  TempDir dir;
  auto both = [&](const std::string& bytes, const std::string& expected) {
    put(dir / "x.idx", bytes);
    put_gz(dir / "x.idx.gz", bytes);
    for (const char* name : {"x.idx", "x.idx.gz"}) {
      INFO(name);
      REQUIRE_THAT(error_of([&] { read_idx(dir / name, {{}, UINT64_MAX}); }),
                   Catch::Contains("read_idx: " + dir / name + ": header dimensions: " + expected));
    }
  };
  // (2^32 - 1)^4 elements: more than int64 holds (no cap would save a product that wrapped).
  both(idx_header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}) + ramp(10),
       "element count of [4294967295, 4294967295, 4294967295, 4294967295] overflows int64");
  // 2^62 + 2^31 one-byte elements: an int64, but past the one-tensor byte limit.
  both(idx_header({0x80000001, 0x80000000}) + ramp(10),
       "shape [2147483649, 2147483648] of 1-byte elements needs more than the limit of "
       "4611686018427387904 bytes");
}

TEST_CASE("read_idx judges a gzip file's header before inflating its body", "[idx]") {
  TempDir dir;
  // A decompression bomb, found by fuzzing: a small gzip file whose header promises 16000
  // images of 256x256 (1 GiB, under the payload cap). Its body here is cut short, so reading
  // any of the body would end in "truncated"; the expectation refuses it from the header alone.
  put_gz(dir / "bomb.gz", idx_header({16000, 256, 256}) + std::string(1 << 20, '\0'));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "bomb.gz", {{0, 28, 28}}); }),
               Catch::Contains("the header's shape [16000, 256, 256] is not the expected [*, 28, 28]"));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "bomb.gz"); }), Catch::Contains("truncated"));
  REQUIRE(read_idx_dims(dir / "bomb.gz") == std::vector<int64_t>{16000, 256, 256});
  // load_mnist reads both headers first: the images' size is refused before either body.
  fs::copy_file(dir / "bomb.gz", dir / "train-images-idx3-ubyte.gz");
  put_gz(dir / "train-labels-idx1-ubyte.gz", idx_header({16000}) + std::string(16000, '\1'));
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true, PixelRange::MinusOneToOne, {28, 28}); }),
               Catch::Contains("train-images-idx3-ubyte.gz: images are 256x256, expected 28x28"));
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true, PixelRange::MinusOneToOne, {0, 0, 1 << 20}); }),
               Catch::Contains("claim 1048576000 bytes, more than the limit of 1048576 bytes"));
  // Never inflated past what the header promises: 6 payload bytes followed by 16 MiB of zeros
  // (16 KiB compressed) are refused at the first extra byte, not counted.
  put_gz(dir / "tail.gz", idx_header({2, 3}) + ramp(6) + std::string(16 << 20, '\0'));
  REQUIRE_THAT(error_of([&] { read_idx(dir / "tail.gz"); }),
               Catch::Contains("trailing bytes: shape [2, 3] needs 6 payload bytes, found more"));
}

TEST_CASE("load_mnist builds images and labels from a hand-made split", "[idx]") {
  TempDir dir;
  // 3 images of 2x2: pixels 0, 255, 51, 204 ...; labels 9, 0, 4. Images raw, labels gzipped.
  const std::string px = std::string("\x00\xff\x33\xcc" "\x80\x7f\x01\xfe" "\x00\x00\xff\xff", 12);
  put(dir / "t10k-images-idx3-ubyte", idx_header({3, 2, 2}) + px);
  put_gz(dir / "t10k-labels-idx1-ubyte.gz", idx_header({3}) + std::string("\x09\x00\x04", 3));
  MnistSplit s = load_mnist(dir.path, false, PixelRange::MinusOneToOne);
  REQUIRE(s.images.shape() == Shape{3, 1, 2, 2});
  REQUIRE(s.images.dtype() == DType::Float32);
  REQUIRE(s.labels.values<int64_t>() == std::vector<int64_t>{9, 0, 4});
  std::vector<float> v = s.images.values<float>();
  REQUIRE(v[0] == -1.f);
  REQUIRE(v[1] == 1.f);
  REQUIRE(v[2] == Approx(51 / 127.5 - 1));
  REQUIRE(v[4] == Approx(128 / 127.5 - 1));
  REQUIRE(load_mnist(dir.path, false, PixelRange::ZeroToOne).images.values<float>()[2] == Approx(0.2));
  REQUIRE(load_mnist(dir.path, false, PixelRange::ZeroToOne).images.values<float>()[1] == 1.f);
  REQUIRE(load_mnist(dir.path, false, PixelRange::Raw).images.values<float>()[3] == 204.f);
  REQUIRE(load_mnist(dir.path, false, PixelRange::Raw, {2, 2}).images.shape() == Shape{3, 1, 2, 2});
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, false, PixelRange::Raw, {28, 28}); }),
               Catch::Contains("images are 2x2, expected 28x28"));

  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true); }),
               Catch::Contains("found neither " + dir / "train-images-idx3-ubyte") &&
                   Catch::Contains("train-images-idx3-ubyte.gz"));
  // Count mismatch between images and labels.
  put(dir / "train-images-idx3-ubyte", idx_header({3, 2, 2}) + px);
  put(dir / "train-labels-idx1-ubyte", idx_header({2}) + std::string("\x01\x02", 2));
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true); }),
               Catch::Contains("has 3 images but") && Catch::Contains("has 2 labels"));
  // A label out of range.
  put(dir / "train-labels-idx1-ubyte", idx_header({3}) + std::string("\x01\x0a\x02", 3));
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true); }),
               Catch::Contains("label 10 at index 1 is out of range [0, 10)"));
  // Images that are not [N, H, W].
  put(dir / "train-images-idx3-ubyte", idx_header({3, 4}) + ramp(12));
  put(dir / "train-labels-idx1-ubyte", idx_header({3}) + std::string("\x01\x02\x03", 3));
  REQUIRE_THAT(error_of([&] { load_mnist(dir.path, true); }), Catch::Contains("images must be [N, H, W], got [3, 4]"));
}

TEST_CASE("load_mnist reads the real Fashion-MNIST test split", "[idx][dataset]") {
  const std::string& dir = test::kFashionDir;
  if (!test::fashion_installed()) {
    WARN("skipped: " << dir << " is not installed");
    return;
  }
  MnistSplit s = load_mnist(dir, false, PixelRange::MinusOneToOne);
  REQUIRE(s.images.shape() == Shape{10000, 1, 28, 28});
  REQUIRE(s.labels.shape() == Shape{10000});
  std::vector<int64_t> hist(10, 0);
  for (int64_t l : s.labels.values<int64_t>()) ++hist.at(static_cast<size_t>(l));
  REQUIRE(hist == std::vector<int64_t>(10, 1000));
  const float* px = s.images.data<float>();
  float lo = 2.f, hi = -2.f;
  double total = 0;
  for (int64_t i = 0; i < s.images.numel(); ++i) {
    lo = std::min(lo, px[i]);
    hi = std::max(hi, px[i]);
    total += px[i];
  }
  REQUIRE(lo == -1.f);
  REQUIRE(hi == 1.f);
  // Fashion-MNIST's mean pixel is about 0.286 of full scale, i.e. about -0.43 in [-1, 1].
  REQUIRE(total / s.images.numel() == Approx(-0.43).margin(0.03));
}
