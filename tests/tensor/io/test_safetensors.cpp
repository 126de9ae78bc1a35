// safetensors: a known-answer file built byte by byte from the spec, round trips of every
// dtype and of strided views, one test per validation rule, and random corruption.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/json.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::test::io;

namespace {
std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}
// A file: length prefix, header text as given (no padding added), then the data bytes.
std::string st_file(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}
std::string load_error(const TempDir& dir, const std::string& bytes) {
  const std::string p = dir / "bad.safetensors";
  put(p, bytes);
  std::string msg = error_of([&] { load_safetensors(p); });
  CHECK_THAT(msg, Catch::Contains("load_safetensors: " + p + ": "));
  return msg;
}
const std::string kF32x2("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);  // 1.0f, -2.0f
}  // namespace

TEST_CASE("safetensors known-answer file: one F32 [2] tensor", "[io][safetensors]") {
  TempDir dir;
  // Built by hand from the spec: u64 LE header length, JSON padded with spaces to 8 bytes,
  // then the little-endian floats. This is also exactly what the reference writer emits.
  const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  REQUIRE(header.size() == 54);
  const std::string expected =
      std::string("\x38\x00\x00\x00\x00\x00\x00\x00", 8) + header + "  " + kF32x2;
  REQUIRE(expected.size() == 72);
  const std::string p = dir / "x.safetensors";
  put(p, expected);

  SafetensorsFile f = load_safetensors(p);
  REQUIRE(f.tensors.size() == 1);
  REQUIRE(f.tensors[0].first == "x");
  const Tensor& x = f.get("x");
  REQUIRE(x.dtype() == DType::Float32);
  REQUIRE(x.shape() == Shape{2});
  REQUIRE(x.values<float>() == std::vector<float>{1.0f, -2.0f});
  REQUIRE(f.metadata.empty());

  const std::string q = dir / "y.safetensors";
  save_safetensors(q, {{"x", from_vector(std::vector<float>{1.0f, -2.0f}, {2})}});
  REQUIRE(read_file(q) == expected);  // byte for byte
  REQUIRE(load_safetensors(q).get("x").values<float>() == std::vector<float>{1.0f, -2.0f});

  // With metadata: "__metadata__" comes first, values are strings; data start stays aligned.
  save_safetensors(q, {{"x", from_vector(std::vector<float>{1.0f, -2.0f}, {2})}}, {{"k", "v"}});
  const std::string bytes = read_file(q);
  const std::string meta_header =
      R"({"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  REQUIRE(bytes == u64le(80) + meta_header + " " + kF32x2);
  Json h = parse_json(bytes.substr(8, 80));
  REQUIRE(h.at("__metadata__").at("k").as_string() == "v");
  REQUIRE(h.at("x").at("shape") == Json::array({2}));
  REQUIRE(load_safetensors(q).metadata == std::map<std::string, std::string>{{"k", "v"}});
}

TEST_CASE("safetensors round-trips every dtype, views, scalars and empty tensors", "[io][safetensors]") {
  TempDir dir;
  const std::string p = dir / "m.safetensors";
  Tensor w = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
  Tensor wt = w.t();                    // [4, 3], non-contiguous
  Tensor odd = w.slice(1, 0, 4, 2);     // [3, 2], stride 2
  Tensor d = from_vector(std::vector<double>{0.1, -1e300, 3.5}, {3});
  Tensor i = from_vector(std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX}, {2, 2});
  Tensor s = scalar_tensor(2.5, DType::Float64);
  Tensor e = empty({0, 5});
  Tensor b = from_vector(std::vector<float>{0.5f}, {1});  // odd-sized F32 before an 8-byte type
  std::vector<std::pair<std::string, Tensor>> in = {
      {"b", b}, {"w.t", wt}, {"odd", odd}, {"d", d}, {"i", i}, {"s", s}, {"e", e}};
  save_safetensors(p, in, {{"step", "100"}, {"note", "é \" \\ \n"}});

  SafetensorsFile f = load_safetensors(p);
  REQUIRE(f.tensors.size() == in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    INFO(in[k].first);
    REQUIRE(f.tensors[k].first == in[k].first);  // header order = the caller's order
    const Tensor& got = f.tensors[k].second;
    REQUIRE(got.dtype() == in[k].second.dtype());
    REQUIRE(got.shape() == in[k].second.shape());
    REQUIRE(got.is_contiguous());
    REQUIRE(got.to_vector() == in[k].second.to_vector());
  }
  REQUIRE(f.get("w.t").values<float>() == std::vector<float>{1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12});
  REQUIRE(f.get("odd").values<float>() == std::vector<float>{1, 3, 5, 7, 9, 11});
  REQUIRE(f.get("i").values<int64_t>()[0] == INT64_MIN);
  REQUIRE(f.get("s").dim() == 0);
  REQUIRE(f.metadata.at("note") == "é \" \\ \n");
  REQUIRE(f.metadata.at("step") == "100");

  // Every tensor starts at a multiple of its element size, and the data starts 8-aligned.
  const std::string bytes = read_file(p);
  uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= uint64_t(uint8_t(bytes[k])) << (8 * k);
  REQUIRE(n % 8 == 0);
  Json h = parse_json(bytes.substr(8, n));
  for (const auto& [name, info] : h.items()) {
    if (name == "__metadata__") continue;
    const int64_t begin = info.at("data_offsets").as_array()[0].as_int64();
    const int64_t size = info.at("dtype").as_string() == "F32" ? 4 : 8;
    INFO(name);
    REQUIRE(begin % size == 0);
  }
  REQUIRE_THAT(error_of([&] { f.get("nope"); }),
               Catch::Contains("no tensor named 'nope'") && Catch::Contains("b, w.t, odd"));
}

TEST_CASE("save_safetensors rejects bad names and leaves the old file", "[io][safetensors]") {
  TempDir dir;
  const std::string p = dir / "keep.safetensors";
  Tensor x = from_vector(std::vector<float>{1, 2}, {2});
  save_safetensors(p, {{"x", x}});
  const std::string before = read_file(p);
  REQUIRE_THAT(error_of([&] { save_safetensors(p, {{"a", x}, {"a", x}}); }),
               Catch::Contains("duplicate tensor name 'a'"));
  REQUIRE_THAT(error_of([&] { save_safetensors(p, {{"__metadata__", x}}); }),
               Catch::Contains("reserved"));
  REQUIRE_THAT(error_of([&] { save_safetensors(p, {{"", x}}); }), Catch::Contains("empty tensor name"));
  REQUIRE_THAT(error_of([&] { save_safetensors(p, {{"u", Tensor()}}); }),
               Catch::Contains("tensor 'u' is undefined"));
  REQUIRE(read_file(p) == before);
  REQUIRE(dir.count() == 1);
}

TEST_CASE("load_safetensors reports each kind of bad file", "[io][safetensors]") {
  TempDir dir;
  auto one = [](const std::string& entry) { return R"({"x":)" + entry + "}"; };

  // Each file's bytes and the message its load must throw.
  const std::vector<std::pair<std::string, std::string>> bad_files = {
      {"abc", "3 bytes, shorter than the 8-byte header length"},
      {u64le(200'000'000) + "{}", "header length 200000000 exceeds the limit"},
      {u64le(~uint64_t{0}) + "{}", "exceeds the limit"},
      {u64le(50) + "{}", "header length 50 is larger than the rest of the file (2 bytes)"},
      {st_file("{\"x\":", ""), "invalid header JSON: json: unexpected end of input"},
      {st_file("[1, 2]", ""), "header must be a JSON object, got array"},
      {st_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{}})", "1234"),
       "duplicate key \"x\""},
      {st_file(one(R"({"shape":[1],"data_offsets":[0,4]})"), "1234"),
       "tensor 'x': missing field \"dtype\""},
      {st_file(one(R"({"dtype":"F32","data_offsets":[0,4]})"), "1234"), "missing field \"shape\""},
      {st_file(one(R"({"dtype":"F32","shape":[1]})"), "1234"), "missing field \"data_offsets\""},
      {st_file(one("7"), ""), "tensor 'x': entry must be an object, got number"},
      {st_file(one(R"({"dtype":32,"shape":[1],"data_offsets":[0,4]})"), "1234"),
       "\"dtype\" must be a string"},
      {st_file(one(R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})"), "1234"),
       "\"shape\" must be an array"},
      {st_file(one(R"({"dtype":"F32","shape":[1.0],"data_offsets":[0,4]})"), "1234"),
       "shape entries must be integers, got 1"},
      {st_file(one(R"({"dtype":"F16","shape":[2],"data_offsets":[0,4]})"), "1234"),
       "tensor 'x': unsupported dtype F16 (nash reads F32, F64 and I64)"},
      {st_file(one(R"({"dtype":"F33","shape":[1],"data_offsets":[0,4]})"), "1234"),
       "unknown dtype \"F33\""},
      {st_file(one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})"), "1234"),
       "tensor 'x': \"shape\": negative size in shape [-1]"},
      {st_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})"), "1234"),
       "\"data_offsets\" must be [begin, end] integers, got [0]"},
      {st_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})"), "1234"),
       "invalid data_offsets [4, 0]"},
      {st_file(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})"), "1234"),
       "span 4 bytes, but F32 [2] needs 8"},
      {st_file(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), "1234"),
       "data_offsets [0, 8] exceed the data buffer (4 bytes)"},
      {st_file(one(R"({"dtype":"I64","shape":[1],"data_offsets":[9223372036854775800,9223372036854775807]})"), ""),
       "span 7 bytes, but I64 [1] needs 8"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'z')),
       "tensor 'b' data_offsets [4, 8] overlap tensor 'a' [0, 8]"},
      {st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'z')),
       "bytes [0, 4) of the data buffer belong to no tensor (before 'a')"},
      {st_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})"), "12345"),
       "the data buffer is 5 bytes but the tensors cover only 4"},
      {st_file(R"({"__metadata__":{"k":1}})", ""),
       "__metadata__ value for 'k' must be a string, got number"},
      {st_file(R"({"__metadata__":[]})", ""), "__metadata__ must be an object"},
      {st_file(std::string(70, '[') + std::string(70, ']'), ""), "nesting deeper than the limit"},
  };
  for (const auto& [bytes, message] : bad_files) {
    INFO(message);
    REQUIRE_THAT(load_error(dir, bytes), Catch::Contains(message));
  }

  // An empty file set is valid: "{}" padded, no data.
  const std::string p = dir / "empty.safetensors";
  put(p, st_file("{}      ", ""));
  REQUIRE(load_safetensors(p).tensors.empty());
  REQUIRE_THAT(error_of([&] { load_safetensors(dir / "missing.safetensors"); }),
               Catch::Contains("missing.safetensors: cannot open"));
}

TEST_CASE("load_safetensors refuses shapes whose elements, strides or bytes overflow", "[io][safetensors]") {
  TempDir dir;
  auto entry = [](const std::string& dtype, const std::string& shape) {
    return R"({"x":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
  };
  // Found by fuzzing: zero elements, so no data is needed, yet the strides of [0, 2^62, 2^62]
  // multiply 2^62 * 2^62. Refused from the header, before any tensor exists.
  REQUIRE_THAT(load_error(dir, st_file(entry("F32", "[0,4611686018427387904,4611686018427387904]"), "")),
               Catch::Contains("tensor 'x': \"shape\": strides of [0, 4611686018427387904, "
                               "4611686018427387904] overflow int64"));
  // The element count itself overflows int64.
  REQUIRE_THAT(load_error(dir, st_file(entry("F32", "[4294967296,4294967296]"), "")),
               Catch::Contains("tensor 'x': \"shape\": element count of [4294967296, 4294967296] "
                               "overflows int64"));
  // The elements fit int64 but their bytes do not: 2^61 float64s are 2^64 bytes.
  REQUIRE_THAT(load_error(dir, st_file(entry("F64", "[2305843009213693952]"), "")),
               Catch::Contains("tensor 'x': \"shape\": shape [2305843009213693952] of 8-byte "
                               "elements needs more than the limit of 4611686018427387904 bytes"));
  // An int64 shape entry out of int64 range is no integer at all to the reader.
  REQUIRE_THAT(load_error(dir, st_file(entry("F32", "[9223372036854775808]"), "")),
               Catch::Contains("shape entries must be integers"));
  // Zero elements with sizes whose product fits is still a valid empty tensor.
  const std::string p = dir / "ok.safetensors";
  put(p, st_file(entry("F32", "[0,1073741824,1073741824]"), ""));
  REQUIRE(load_safetensors(p).get("x").shape() == Shape{0, 1073741824, 1073741824});
}

TEST_CASE("load_safetensors survives random corruption", "[io][safetensors]") {
  TempDir dir;
  const std::string good = dir / "good.safetensors";
  save_safetensors(good, {{"a", from_vector(std::vector<float>{1, 2, 3}, {3})},
                          {"b", from_vector(std::vector<int64_t>{7, 8}, {1, 2})}},
                   {{"k", "v"}});
  const std::string base = read_file(good);
  uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  const std::string p = dir / "fuzz.safetensors";
  int loaded = 0, rejected = 0;
  for (int iter = 0; iter < 600; ++iter) {
    std::string s = base;
    const int edits = 1 + next() % 3;
    for (int k = 0; k < edits; ++k) {
      const size_t pos = next() % s.size();
      switch (next() % 4) {
        case 0: s[pos] = static_cast<char>(next()); break;
        case 1: s[pos] = "0123456789[]{},:\"-"[next() % 18]; break;
        case 2: s.resize(pos); break;
        default: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<char>(next())); break;
      }
      if (s.empty()) s.assign(1, 'x');
    }
    put(p, s);
    try {
      SafetensorsFile f = load_safetensors(p);
      for (const auto& [name, t] : f.tensors) REQUIRE(t.numel() * int64_t(dtype_size(t.dtype())) <= 28);
      ++loaded;
    } catch (const Error&) {
      ++rejected;
    }
  }
  REQUIRE(rejected > 300);
  REQUIRE(loaded > 0);  // e.g. edits inside the data bytes
}

TEST_CASE("safetensors files agree with an independent Python reader and writer", "[io][safetensors][numpy]") {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    WARN("skipped: /usr/bin/python3 has no numpy");
    return;
  }
  TempDir dir;
  save_safetensors(dir / "nash.safetensors",
                   {{"w", from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}).t()},
                    {"b", from_vector(std::vector<float>{0.5f}, {1})},
                    {"step", from_vector(std::vector<int64_t>{-7, 1000}, {2})},
                    {"d", scalar_tensor(0.25, DType::Float64)}},
                   {{"epoch", "3"}});
  // The Python side follows the spec with json + struct + numpy: it checks our file, then
  // writes one the way the reference writer does (tensors sorted by dtype rank, then name;
  // compact JSON with __metadata__ first; spaces up to 8 bytes).
  const std::string script = R"PY(
import json, struct, sys
import numpy as np
d = sys.argv[1]
DT = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
raw = open(d + "/nash.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
assert (8 + n) % 8 == 0
h = json.loads(raw[8:8 + n])
buf = raw[8 + n:]
assert h.pop("__metadata__") == {"epoch": "3"}
spans = sorted(tuple(v["data_offsets"]) for v in h.values())
assert spans[0][0] == 0 and spans[-1][1] == len(buf)
assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
def get(name):
    v = h[name]; b, e = v["data_offsets"]
    return np.frombuffer(buf[b:e], dtype=DT[v["dtype"]]).reshape(v["shape"])
assert (get("w") == np.array([[1, 4], [2, 5], [3, 6]], dtype=np.float32)).all()
assert get("b").tolist() == [0.5] and get("step").tolist() == [-7, 1000]
assert get("d").shape == () and get("d") == 0.25
tensors = {"z_bias": np.array([1.5, -2.5], dtype="<f4"),
           "a_weight": np.arange(6, dtype="<f8").reshape(3, 2),
           "count": np.array([[3]], dtype="<i8"),
           "odd": np.array([7.0], dtype="<f4")}
rank = {"<f4": 11, "<f8": 12, "<i8": 13}  # position in the reference's Dtype enum
order = sorted(tensors, key=lambda k: (-rank[tensors[k].dtype.str], k))
header = {"__metadata__": {"format": "pt"}}
off = 0
for k in order:
    a = tensors[k]
    header[k] = {"dtype": {"<f4": "F32", "<f8": "F64", "<i8": "I64"}[a.dtype.str],
                 "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
    off += a.nbytes
hb = json.dumps(header, separators=(",", ":")).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
with open(d + "/ref.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hb)) + hb + b"".join(tensors[k].tobytes() for k in order))
)PY";
  put(dir / "check.py", script);
  REQUIRE(std::system(("/usr/bin/python3 " + dir / "check.py" + " " + dir.path).c_str()) == 0);

  SafetensorsFile f = load_safetensors(dir / "ref.safetensors");
  REQUIRE(f.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  REQUIRE(f.tensors.size() == 4);
  REQUIRE(f.get("z_bias").values<float>() == std::vector<float>{1.5f, -2.5f});
  REQUIRE(f.get("a_weight").shape() == Shape{3, 2});
  REQUIRE(f.get("a_weight").values<double>() == std::vector<double>{0, 1, 2, 3, 4, 5});
  REQUIRE(f.get("count").values<int64_t>() == std::vector<int64_t>{3});
  REQUIRE(f.get("odd").values<float>() == std::vector<float>{7.0f});
}
