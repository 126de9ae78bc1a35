// IDX reader (raw via InputFile, gzip via zlib's gzread, both through one byte-source
// interface) and load_mnist on top of it.
#include "nn/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "tensor/checked_size.h"
#include "tensor/creation.h"
#include "tensor/io/file.h"

namespace nash {
namespace {

// A byte stream that reports how many bytes it delivered, for raw and gzip files alike.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual size_t read_some(void* dst, size_t n) = 0;  // 0 = end of data
  // Reads up to n bytes; fewer only at the end of the data.
  size_t read_full(void* dst, size_t n) {
    size_t done = 0;
    while (done < n) {
      size_t got = read_some(static_cast<char*>(dst) + done, n - done);
      if (got == 0) break;
      done += got;
    }
    return done;
  }
  // Problems found once the data ends (a gzip stream cut short or with a bad CRC); "" if none.
  virtual std::string end_error() { return ""; }
  std::string end_note() {  // end_error() in parentheses, for a truncation message
    std::string e = end_error();
    return e.empty() ? e : " (" + e + ")";
  }
};

class RawSource : public ByteSource {
 public:
  explicit RawSource(const std::string& path) : in_(path) {}
  size_t read_some(void* dst, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, in_.remaining()));
    in_.read_exact(dst, n, "the IDX data");
    return n;
  }
  uint64_t remaining() const { return in_.remaining(); }

 private:
  InputFile in_;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(const std::string& path) : path_(path) {
    file_ = gzopen(path.c_str(), "rb");
    NASH_CHECK(file_ != nullptr, "read_idx: ", path, ": cannot open gzip file");
    gzbuffer(file_, 1 << 17);
  }
  ~GzipSource() override { gzclose(file_); }
  size_t read_some(void* dst, size_t n) override {
    if (!error_.empty()) return 0;
    int got = gzread(file_, dst, static_cast<unsigned>(std::min<size_t>(n, 1u << 30)));
    if (got <= 0) {
      int errnum = Z_OK;
      const char* msg = gzerror(file_, &errnum);
      if (errnum == Z_BUF_ERROR)
        error_ = "the gzip stream is truncated";
      else if (errnum != Z_OK)
        error_ = std::string("corrupt gzip data: ") + (msg ? msg : "unknown zlib error");
      return 0;
    }
    return static_cast<size_t>(got);
  }
  std::string end_error() override { return error_; }

 private:
  std::string path_;
  gzFile file_ = nullptr;
  std::string error_;
};

bool is_gzip(const std::string& path) {
  InputFile in(path);
  if (in.size() < 2) return false;
  unsigned char m[2];
  in.read_exact(m, 2, "the magic");
  return m[0] == 0x1f && m[1] == 0x8b;
}

// An IDX file whose header has been read and validated; `src` stands at the first payload byte.
struct IdxHeader {
  std::unique_ptr<ByteSource> src;
  std::vector<int64_t> dims;
  uint64_t payload = 0;  // product(dims) bytes
};

IdxHeader read_header(const std::string& path, uint64_t max_bytes) {
  auto bad = [&](const auto&... what) -> void { fail("read_idx: ", path, ": ", what...); };
  IdxHeader h;
  if (is_gzip(path)) h.src = std::make_unique<GzipSource>(path);
  else h.src = std::make_unique<RawSource>(path);
  ByteSource& src = *h.src;

  unsigned char magic[4];
  size_t got = src.read_full(magic, 4);
  if (got < 4)
    bad("truncated: ", got, " bytes, too short for the 4-byte IDX magic", src.end_note());
  if (magic[0] != 0 || magic[1] != 0)
    bad("not an IDX file: magic starts with ", int(magic[0]), " ", int(magic[1]),
        ", expected 0 0");
  if (magic[2] != 0x08) {
    const char* names[] = {"", "", "", "", "", "", "", "", "unsigned byte", "signed byte", "",
                           "int16", "int32", "float32", "float64"};
    const char* name = magic[2] <= 0x0E && names[magic[2]][0] ? names[magic[2]] : "unknown";
    bad("unsupported element type 0x", std::hex, int(magic[2]), std::dec, " (", name,
        "); only 0x08 (unsigned byte) is supported");
  }
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 4) bad("number of dimensions is ", ndims, ", expected 1 to 4");

  unsigned char dim_bytes[16];
  got = src.read_full(dim_bytes, 4 * ndims);
  if (got < size_t(4) * ndims)
    bad("truncated header: expected ", 4 * ndims, " bytes of sizes, found ", got, src.end_note());
  for (int i = 0; i < ndims; ++i) {
    const unsigned char* b = dim_bytes + 4 * i;
    const uint32_t d = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
    if (d == 0) bad("dimension ", i, " is 0");
    h.dims.push_back(static_cast<int64_t>(d));
  }
  h.payload = checked_nbytes(h.dims, 1, "read_idx: " + path + ": header dimensions");
  if (h.payload > max_bytes)
    bad("the header's sizes ", h.dims, " claim ", h.payload, " bytes, more than the limit of ",
        max_bytes, " bytes");
  return h;
}

std::string expected_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + (dims[i] == 0 ? std::string("*") : std::to_string(dims[i]));
  return s + "]";
}

}  // namespace

std::vector<int64_t> read_idx_dims(const std::string& path, uint64_t max_bytes) {
  return read_header(path, max_bytes).dims;
}

IdxArray read_idx(const std::string& path, const IdxExpect& expect) {
  auto bad = [&](const auto&... what) -> void { fail("read_idx: ", path, ": ", what...); };
  IdxHeader h = read_header(path, expect.max_bytes);
  ByteSource& src = *h.src;
  const uint64_t total = h.payload;
  IdxArray out;
  out.dims = std::move(h.dims);
  if (!expect.dims.empty()) {
    bool ok = expect.dims.size() == out.dims.size();
    for (size_t i = 0; ok && i < out.dims.size(); ++i)
      ok = expect.dims[i] == 0 || expect.dims[i] == out.dims[i];
    if (!ok)
      bad("the header's shape ", out.dims, " is not the expected ", expected_str(expect.dims));
  }
  // A raw file's size is known: check before allocating anything.
  if (auto* raw = dynamic_cast<RawSource*>(&src)) {
    if (raw->remaining() < total)
      bad("truncated: shape ", out.dims, " needs ", total, " payload bytes, found ",
          raw->remaining());
    if (raw->remaining() > total)
      bad("trailing bytes: shape ", out.dims, " needs ", total, " payload bytes, found ",
          raw->remaining());
  }
  // Grow the buffer as data arrives, so a lying header costs no more memory than the data.
  uint64_t filled = 0;
  while (filled < total) {
    uint64_t next = std::min<uint64_t>(total, std::max<uint64_t>(filled * 2, uint64_t{1} << 20));
    out.data.resize(static_cast<size_t>(next));
    uint64_t n = src.read_full(out.data.data() + filled, static_cast<size_t>(next - filled));
    filled += n;
    if (filled < next) break;
  }
  if (filled < total)
    bad("truncated: shape ", out.dims, " needs ", total, " payload bytes, found ", filled,
        src.end_note());
  // One byte more tells a trailing byte from the end; the stream is never inflated further.
  unsigned char extra;
  if (src.read_full(&extra, 1) > 0)
    bad("trailing bytes: shape ", out.dims, " needs ", total,
        " payload bytes, found more (the data goes on after them)");
  if (std::string e = src.end_error(); !e.empty()) bad(e);
  return out;
}

namespace {
// A table computed in double keeps the ends exact (0 -> -1.f, 255 -> 1.f).
struct PixelTable {
  float lut[256];
  explicit PixelTable(PixelRange range) {
    for (int p = 0; p < 256; ++p)
      lut[p] = range == PixelRange::Raw         ? static_cast<float>(p)
               : range == PixelRange::ZeroToOne ? static_cast<float>(p / 255.0)
                                                : static_cast<float>(p / 127.5 - 1.0);
  }
};
}  // namespace

Tensor ByteImages::to_float(const int64_t* rows, int64_t count) const {
  NASH_CHECK(!shape.empty(), "ByteImages::to_float: no shape");
  Shape out_shape = shape;
  out_shape[0] = count;
  Tensor out = empty(out_shape, DType::Float32);
  const int64_t row = shape[0] == 0 ? 0 : static_cast<int64_t>(pixels.size()) / shape[0];
  const PixelTable table(range);
  float* dst = out.data<float>();
  for (int64_t r = 0; r < count; ++r) {
    NASH_CHECK(rows[r] >= 0 && rows[r] < shape[0], "ByteImages::to_float: row ", rows[r],
               " out of range [0, ", shape[0], ")");
    const uint8_t* px = pixels.data() + rows[r] * row;
    for (int64_t i = 0; i < row; ++i) dst[r * row + i] = table.lut[px[i]];
  }
  return out;
}

Tensor ByteImages::to_float() const {
  std::vector<int64_t> rows(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) rows[static_cast<size_t>(i)] = i;
  return to_float(rows.data(), size());
}

MnistBytes load_mnist_bytes(const std::string& dir, bool train, PixelRange range,
                            const MnistExpect& expect) {
  const std::string prefix = train ? "train" : "t10k";
  auto find = [&](const std::string& base) {
    std::string p = dir + "/" + base;
    if (file_exists(p)) return p;
    if (file_exists(p + ".gz")) return p + ".gz";
    fail("load_mnist: found neither ", p, " nor ", p, ".gz");
  };
  const std::string images_path = find(prefix + "-images-idx3-ubyte");
  const std::string labels_path = find(prefix + "-labels-idx1-ubyte");
  // Both headers first: shapes are judged before either payload is inflated or allocated.
  const std::vector<int64_t> image_dims = read_idx_dims(images_path, expect.max_bytes);
  const std::vector<int64_t> label_dims = read_idx_dims(labels_path, expect.max_bytes);
  NASH_CHECK(image_dims.size() == 3, "load_mnist: ", images_path,
             ": images must be [N, H, W], got ", image_dims);
  NASH_CHECK(label_dims.size() == 1, "load_mnist: ", labels_path, ": labels must be [N], got ",
             label_dims);
  const int64_t n = image_dims[0], h = image_dims[1], w = image_dims[2];
  NASH_CHECK(label_dims[0] == n, "load_mnist: ", images_path, " has ", n, " images but ",
             labels_path, " has ", label_dims[0], " labels");
  NASH_CHECK((expect.height == 0 || expect.height == h) && (expect.width == 0 || expect.width == w),
             "load_mnist: ", images_path, ": images are ", h, "x", w, ", expected ",
             expect.height ? std::to_string(expect.height) : "any", "x",
             expect.width ? std::to_string(expect.width) : "any");
  IdxArray images = read_idx(images_path, {{n, h, w}, expect.max_bytes});
  IdxArray labels = read_idx(labels_path, {{n}, expect.max_bytes});

  MnistBytes split;
  split.labels = empty({n}, DType::Int64);
  int64_t* lab = split.labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    NASH_CHECK(labels.data[i] < 10, "load_mnist: ", labels_path, ": label ", int(labels.data[i]),
               " at index ", i, " is out of range [0, 10)");
    lab[i] = labels.data[i];
  }
  split.images.shape = {n, 1, h, w};
  split.images.pixels = std::move(images.data);
  split.images.range = range;
  return split;
}

MnistSplit load_mnist(const std::string& dir, bool train, PixelRange range, const MnistExpect& expect) {
  MnistBytes bytes = load_mnist_bytes(dir, train, range, expect);
  return {bytes.images.to_float(), std::move(bytes.labels)};
}

}  // namespace nash
