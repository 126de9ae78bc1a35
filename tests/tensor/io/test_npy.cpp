// .npy: numpy.save's exact bytes for a known array, round trips (dtypes, 0-d, empty, views,
// Fortran order), every validation error, and a round trip through /usr/bin/python3's numpy.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/npy.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::test::io;

namespace {
// A v1.0 file with the given dict text, padded like numpy, then data.
std::string npy_v1(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(h.size() & 0xFF) + char(h.size() >> 8) + h + data;
}
std::string load_error(const TempDir& dir, const std::string& bytes) {
  const std::string p = dir / "bad.npy";
  put(p, bytes);
  std::string msg = error_of([&] { load_npy(p); });
  CHECK_THAT(msg, Catch::Contains("load_npy: " + p + ": "));
  return msg;
}
}  // namespace

TEST_CASE("save_npy writes numpy.save's exact bytes", "[io][npy]") {
  TempDir dir;
  const std::string p = dir / "a.npy";
  save_npy(p, from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}));
  // numpy 1.24: np.save(f, np.arange(1, 7, dtype='<f4').reshape(2, 3))
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(117 - header.size(), ' ');
  header += '\n';
  std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header;
  REQUIRE(expected.size() == 128);  // data on a 64-byte boundary
  for (float v : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}) expected.append(reinterpret_cast<const char*>(&v), 4);
  REQUIRE(read_file(p) == expected);
}

TEST_CASE("npy round-trips dtypes, shapes and strided views", "[io][npy]") {
  TempDir dir;
  const std::string p = dir / "r.npy";
  Tensor w = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  std::vector<Tensor> cases = {
      from_vector(std::vector<float>{1.5f, -2.f, 3.25f}, {3}),
      w.t(),  // non-contiguous float64
      from_vector(std::vector<int64_t>{INT64_MIN, 0, INT64_MAX, -5}, {2, 1, 2}),
      scalar_tensor(7.0, DType::Float64),
      empty({0, 3}),
      zeros({2, 3, 4, 5}),
  };
  for (const Tensor& t : cases) {
    INFO(shape_str(t.shape()));
    save_npy(p, t);
    REQUIRE((read_file(p).size() - t.numel() * dtype_size(t.dtype())) % 64 == 0);
    Tensor back = load_npy(p);
    REQUIRE(back.dtype() == t.dtype());
    REQUIRE(back.shape() == t.shape());
    REQUIRE(back.to_vector() == t.to_vector());
  }
  // A first dimension with many digits still aligns.
  save_npy(p, empty({1234567890123, 0}));
  REQUIRE(load_npy(p).shape() == Shape{1234567890123, 0});
}

TEST_CASE("load_npy reads Fortran order and version 2.0", "[io][npy]") {
  TempDir dir;
  const std::string p = dir / "f.npy";
  // A 2x3 array [[1, 2, 3], [4, 5, 6]] stored column-major.
  std::string data;
  for (int64_t v : {1, 4, 2, 5, 3, 6}) data.append(reinterpret_cast<const char*>(&v), 8);
  put(p, npy_v1("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", data));
  Tensor t = load_npy(p);
  REQUIRE(t.shape() == Shape{2, 3});
  REQUIRE(t.values<int64_t>() == std::vector<int64_t>{1, 2, 3, 4, 5, 6});

  // Version 2.0: a 4-byte header length; double-quoted keys are fine too.
  std::string h = "{\"descr\": \"<f4\", \"shape\": (2,), \"fortran_order\": False}";
  while ((12 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string bytes = std::string("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i) bytes += char((h.size() >> (8 * i)) & 0xFF);
  float f2[2] = {0.25f, -8.f};
  bytes += h + std::string(reinterpret_cast<const char*>(f2), 8);
  put(p, bytes);
  REQUIRE(load_npy(p).values<float>() == std::vector<float>{0.25f, -8.f});
}

TEST_CASE("load_npy reports each kind of bad file", "[io][npy]") {
  TempDir dir;
  auto err = [&](const std::string& b) { return load_error(dir, b); };
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string eight(8, '\0');
  REQUIRE_THAT(err("\x93NUM"), Catch::Contains("too short for a .npy header"));
  REQUIRE_THAT(err("PK\x03\x04 not an npy file"), Catch::Contains("not a .npy file (bad magic)"));
  std::string v3 = npy_v1(f4, eight);
  v3[6] = 3;
  REQUIRE_THAT(err(v3), Catch::Contains("unsupported .npy format version 3.0"));
  std::string long_header = npy_v1(f4, eight);
  long_header[8] = '\xff';
  long_header[9] = '\x7f';
  REQUIRE_THAT(err(long_header), Catch::Contains("header length 32767 is larger than the rest of the file"));
  REQUIRE_THAT(err(npy_v1(f4, std::string(4, '\0'))),
               Catch::Contains("truncated data: <f4 [2] needs 8 bytes, the file has 4"));
  REQUIRE_THAT(err(npy_v1(f4, std::string(12, '\0'))),
               Catch::Contains("4 trailing bytes after the data (<f4 [2] needs 8)"));
  REQUIRE_THAT(err(npy_v1("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", eight)),
               Catch::Contains("big-endian dtype '>f4' is not supported"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", eight)),
               Catch::Contains("unsupported dtype '<i4'"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'shape': (2,), }", eight)),
               Catch::Contains("must have the keys 'descr', 'fortran_order' and 'shape'"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", eight)),
               Catch::Contains("unexpected key 'x'"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", eight)),
               Catch::Contains("one-element shape needs a trailing comma"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", eight)),
               Catch::Contains("expected True or False"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", eight)),
               Catch::Contains("expected a non-negative integer in the shape"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", eight)),
               Catch::Contains("shape entry too large"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", eight)),
               Catch::Contains("unexpected characters after the dict"));
  REQUIRE_THAT(err(npy_v1("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", eight)),
               Catch::Contains("duplicate key 'descr'"));
  REQUIRE_THAT(err(npy_v1("{'descr: '<f4'}", eight)), Catch::Contains("invalid header"));
}

TEST_CASE("load_npy refuses shapes whose elements, strides or bytes overflow", "[io][npy]") {
  TempDir dir;
  auto shaped = [](const std::string& descr, const std::string& shape, bool fortran = false) {
    return npy_v1("{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                      ", 'shape': " + shape + ", }",
                  "");
  };
  // Found by fuzzing: zero elements, so no data is needed, yet the strides of [0, 2^62, 2^62]
  // multiply 2^62 * 2^62 (in either order). Refused from the header, before any allocation.
  for (bool fortran : {false, true}) {
    INFO("fortran_order " << fortran);
    REQUIRE_THAT(load_error(dir, shaped("<f4", "(0, 4611686018427387904, 4611686018427387904)", fortran)),
                 Catch::Contains("'shape': strides of [0, 4611686018427387904, 4611686018427387904] "
                                 "overflow int64"));
  }
  REQUIRE_THAT(load_error(dir, shaped("<f4", "(4294967296, 4294967296, 4294967296)")),
               Catch::Contains("'shape': element count of [4294967296, 4294967296, 4294967296] "
                               "overflows int64"));
  REQUIRE_THAT(load_error(dir, shaped("<i8", "(2305843009213693952,)")),
               Catch::Contains("'shape': shape [2305843009213693952] of 8-byte elements needs more "
                               "than the limit of 4611686018427387904 bytes"));
  // Empty with sizes whose product fits: a valid empty array.
  const std::string p = dir / "empty.npy";
  put(p, shaped("<f8", "(3, 0, 1099511627776)", true));
  REQUIRE(load_npy(p).shape() == Shape{3, 0, 1099511627776});
}

TEST_CASE("npy files round-trip through numpy", "[io][npy][numpy]") {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    WARN("skipped: /usr/bin/python3 has no numpy");
    return;
  }
  TempDir dir;
  // nash -> numpy
  save_npy(dir / "n_f4.npy", from_vector(std::vector<float>{1.5f, -2.f, 3.f, 0.1f, 5.f, 6.f}, {2, 3}));
  save_npy(dir / "n_f8.npy", from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}).t());
  save_npy(dir / "n_i8.npy", from_vector(std::vector<int64_t>{INT64_MIN, 7, INT64_MAX}, {3}));
  save_npy(dir / "n_0d.npy", scalar_tensor(2.5, DType::Float64));
  const std::string check_script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "a = np.load(d + '/n_f4.npy'); assert a.dtype == np.float32 and a.shape == (2, 3), a\n"
      "assert (a == np.array([[1.5, -2, 3], [0.1, 5, 6]], dtype=np.float32)).all()\n"
      "b = np.load(d + '/n_f8.npy'); assert b.dtype == np.float64\n"
      "assert (b == np.arange(1, 7, dtype=np.float64).reshape(2, 3).T).all()\n"
      "c = np.load(d + '/n_i8.npy'); assert c.dtype == np.int64\n"
      "assert c.tolist() == [-2**63, 7, 2**63 - 1]\n"
      "e = np.load(d + '/n_0d.npy'); assert e.shape == () and e == 2.5\n"
      "np.save(d + '/p_f4.npy', np.arange(24, dtype='<f4').reshape(2, 3, 4) / 7)\n"
      "np.save(d + '/p_fortran.npy', np.asfortranarray(np.arange(12, dtype='<f8').reshape(3, 4)))\n"
      "np.save(d + '/p_i8.npy', np.array([-3, 0, 2**62], dtype='<i8'))\n"
      "np.save(d + '/p_empty.npy', np.zeros((0, 2), dtype='<f4'))\n"
      "with open(d + '/p_v2.npy', 'wb') as f:\n"
      "    np.lib.format.write_array(f, np.array([1.0, 2.0]), version=(2, 0))\n"
      "np.save(d + '/p_i4.npy', np.array([1, 2], dtype='<i4'))\n";
  put(dir / "check.py", check_script);
  REQUIRE(std::system(("/usr/bin/python3 " + dir / "check.py" + " " + dir.path).c_str()) == 0);

  // numpy -> nash
  Tensor a = load_npy(dir / "p_f4.npy");
  REQUIRE(a.shape() == Shape{2, 3, 4});
  std::vector<float> expect;
  for (int i = 0; i < 24; ++i) expect.push_back(static_cast<float>(i) / 7.f);
  REQUIRE(a.values<float>() == expect);
  Tensor f = load_npy(dir / "p_fortran.npy");
  REQUIRE(f.shape() == Shape{3, 4});
  REQUIRE(f.values<double>() == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  REQUIRE(load_npy(dir / "p_i8.npy").values<int64_t>() == std::vector<int64_t>{-3, 0, int64_t{1} << 62});
  REQUIRE(load_npy(dir / "p_empty.npy").shape() == Shape{0, 2});
  REQUIRE(load_npy(dir / "p_v2.npy").values<double>() == std::vector<double>{1.0, 2.0});
  REQUIRE_THAT(error_of([&] { load_npy(dir / "p_i4.npy"); }), Catch::Contains("unsupported dtype '<i4'"));
  // Our writer matches numpy's bytes for the same array.
  save_npy(dir / "n_empty.npy", empty({0, 2}));
  REQUIRE(read_file(dir / "n_empty.npy") == read_file(dir / "p_empty.npy"));
}
