// .npy writer (numpy.save's exact layout) and a validating reader with a small parser for the
// header's Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
#include "tensor/io/npy.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <vector>

#include "tensor/checked_size.h"
#include "tensor/creation.h"
#include "tensor/io/file.h"

namespace nash {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

const char* npy_descr(DType d) {
  switch (d) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
  }
  return "?";
}

// The header's dict literal. Only what numpy writes: quoted strings, True/False, and tuples
// of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::string_view s) : path_(path), s_(s) {}

  void parse(std::string& descr, bool& fortran, Shape& shape) {
    bool has_descr = false, has_fortran = false, has_shape = false;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      std::string key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (has_descr) error("duplicate key 'descr'");
        descr = parse_string(), has_descr = true;
      } else if (key == "fortran_order") {
        if (has_fortran) error("duplicate key 'fortran_order'");
        fortran = parse_bool(), has_fortran = true;
      } else if (key == "shape") {
        if (has_shape) error("duplicate key 'shape'");
        shape = parse_tuple(), has_shape = true;
      } else {
        error("unexpected key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') error("expected ',' or '}'");
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) error("unexpected characters after the dict");
    if (!has_descr || !has_fortran || !has_shape)
      error("the dict must have the keys 'descr', 'fortran_order' and 'shape'");
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail("load_npy: ", path_, ": invalid header: ", what, " at header byte ", pos_, " in \"",
         s_.substr(0, 200), "\"");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    char q = peek();
    if (q != '\'' && q != '"') error("expected a quoted string");
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) error("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    if (out.find('\\') != std::string::npos) error("escapes are not supported in strings");
    pos_ = end + 1;
    return out;
  }
  bool parse_bool() {
    if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
    if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
    error("expected True or False");
  }
  Shape parse_tuple() {
    expect('(');
    Shape shape;
    bool comma = false;
    for (;;) {
      skip_ws();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') error("expected a non-negative integer in the shape");
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (INT64_MAX - 9) / 10) error("shape entry too large");
        v = v * 10 + (peek() - '0');
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literal
      shape.push_back(v);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        comma = true;
        continue;
      }
      if (peek() != ')') error("expected ',' or ')' in the shape");
    }
    ++pos_;
    if (shape.size() == 1 && !comma)
      error("a one-element shape needs a trailing comma: (n,)");
    return shape;
  }

  const std::string& path_;
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

void save_npy(const std::string& path, const Tensor& t) {
  NASH_CHECK(t.defined(), "save_npy: ", path, ": tensor is undefined");
  // numpy's format._write_array_header: sorted keys, repr(shape), spare spaces so the first axis
  // can grow in place, then spaces + '\n' up to a multiple of 64 bytes.
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i)
    shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
  shape += t.shape().size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + npy_descr(t.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  if (!t.shape().empty()) {
    const size_t digits = std::to_string(t.shape()[0]).size();
    if (digits < 21) header.append(21 - digits, ' ');
  }
  auto wrap = [&](size_t len_bytes) {
    std::string h = header;
    const size_t used = kMagicLen + 2 + len_bytes + h.size() + 1;
    h.append(64 - used % 64, ' ');
    h += '\n';
    return h;
  };
  std::string h = wrap(2);
  std::string prefix(kMagic, kMagicLen);
  if (h.size() <= 0xFFFF) {
    prefix += '\x01', prefix += '\x00';
    prefix += static_cast<char>(h.size() & 0xFF), prefix += static_cast<char>(h.size() >> 8);
  } else {
    h = wrap(4);
    prefix += '\x02', prefix += '\x00';
    for (int i = 0; i < 4; ++i) prefix += static_cast<char>((h.size() >> (8 * i)) & 0xFF);
  }
  const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
  AtomicWriter out(path);
  out.write(prefix);
  out.write(h);
  if (nbytes > 0) {
    Tensor c = t.contiguous();
    out.write(c.raw_data(), nbytes);
  }
  out.commit();
}

namespace {

// Reads and validates the magic, version and header dict; leaves `in` at the data.
NpyInfo read_header(InputFile& in, const std::string& path) {
  auto bad = [&](const auto&... what) -> void { fail("load_npy: ", path, ": ", what...); };
  if (in.size() < kMagicLen + 4) bad("file is ", in.size(), " bytes, too short for a .npy header");
  unsigned char pre[kMagicLen + 2];
  in.read_exact(pre, sizeof pre, "the magic");
  if (std::memcmp(pre, kMagic, kMagicLen) != 0) bad("not a .npy file (bad magic)");
  const int major = pre[6], minor = pre[7];
  if (!((major == 1 || major == 2) && minor == 0))
    bad("unsupported .npy format version ", major, ".", minor, " (nash reads 1.0 and 2.0)");
  unsigned char len_bytes[4] = {0, 0, 0, 0};
  in.read_exact(len_bytes, major == 1 ? 2 : 4, "the header length");
  const uint64_t header_len = uint64_t{len_bytes[0]} | uint64_t{len_bytes[1]} << 8 |
                              uint64_t{len_bytes[2]} << 16 | uint64_t{len_bytes[3]} << 24;
  if (header_len > kNpyMaxHeaderBytes)
    bad("header length ", header_len, " exceeds the limit of ", kNpyMaxHeaderBytes);
  if (header_len > in.remaining())
    bad("header length ", header_len, " is larger than the rest of the file (", in.remaining(),
        " bytes)");
  std::string header(static_cast<size_t>(header_len), '\0');
  in.read_exact(header.data(), header_len, "the header");
  NpyInfo info;
  HeaderParser(path, header).parse(info.descr, info.fortran_order, info.shape);
  return info;
}

}  // namespace

NpyInfo read_npy_info(const std::string& path) {
  InputFile in(path);
  return read_header(in, path);
}

Tensor load_npy(const std::string& path) {
  InputFile in(path);
  auto bad = [&](const auto&... what) -> void { fail("load_npy: ", path, ": ", what...); };
  const NpyInfo info = read_header(in, path);
  const std::string& descr = info.descr;
  const bool fortran = info.fortran_order;
  const Shape& shape = info.shape;
  // uint8 is read into float32 (exact for 0..255): nash tensors have no uint8 dtype.
  const bool u8 = descr == "|u1" || descr == "<u1" || descr == ">u1";
  DType dtype = DType::Float32;
  if (descr == "<f4" || u8) dtype = DType::Float32;
  else if (descr == "<f8") dtype = DType::Float64;
  else if (descr == "<i8") dtype = DType::Int64;
  else if (descr == ">f4" || descr == ">f8" || descr == ">i8")
    bad("big-endian dtype '", descr, "' is not supported (nash reads '<f4', '<f8', '<i8', '|u1')");
  else
    bad("unsupported dtype '", descr, "' (nash reads '<f4', '<f8', '<i8', '|u1')");

  const uint64_t nbytes =
      checked_nbytes(shape, u8 ? 1 : dtype_size(dtype), "load_npy: " + path + ": 'shape'");
  if (in.remaining() < nbytes)
    bad("truncated data: ", descr, " ", shape, " needs ", nbytes, " bytes, the file has ",
        in.remaining());
  if (in.remaining() > nbytes)
    bad(in.remaining() - nbytes, " trailing bytes after the data (", descr, " ", shape,
        " needs ", nbytes, ")");

  // A Fortran-order array of shape (a, b, c) is a C-order array of shape (c, b, a), transposed.
  Shape stored = shape;
  if (fortran) std::reverse(stored.begin(), stored.end());
  Tensor t = empty(stored, dtype);
  if (u8 && nbytes > 0) {
    std::vector<uint8_t> bytes(static_cast<size_t>(nbytes));
    in.read_exact(bytes.data(), nbytes, "the data");
    std::copy(bytes.begin(), bytes.end(), t.data<float>());
  } else if (nbytes > 0) {
    in.read_exact(t.raw_data(), nbytes, "the data");
  }
  if (fortran && shape.size() > 1) {
    Shape dims(shape.size());
    std::iota(dims.rbegin(), dims.rend(), int64_t{0});
    t = t.permute(dims).contiguous();
  }
  return t;
}

}  // namespace nash
