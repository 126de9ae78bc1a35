// The one size rule (tensor/checked_size.h): element counts, strides and byte counts checked in
// overflow-safe arithmetic, and the shape helpers and allocation that rely on it.
#include <catch2/catch.hpp>

#include "error_of.h"
#include "tensor/checked_size.h"
#include "tensor/creation.h"
#include "tensor/ops.h"

using namespace nash;
using nash::test::error_of;

namespace {
constexpr int64_t k2_62 = int64_t{1} << 62;
}

TEST_CASE("checked_numel counts elements and refuses what overflows int64", "[tensor][size]") {
  CHECK(checked_numel({2, 3, 4}, "t") == 24);
  CHECK(checked_numel({}, "t") == 1);
  CHECK(checked_numel({5, 0, 7}, "t") == 0);
  CHECK(checked_numel({0, int64_t{1} << 31, int64_t{1} << 31}, "t") == 0);  // product 2^62 fits
  CHECK(checked_numel({INT64_MAX}, "t") == INT64_MAX);
  CHECK(error_of([] { checked_numel({2, -1}, "f.npy: 'shape'"); }) ==
        "f.npy: 'shape': negative size in shape [2, -1]");
  CHECK(error_of([] { checked_numel({int64_t{1} << 32, int64_t{1} << 31}, "t"); }) ==
        "t: element count of [4294967296, 2147483648] overflows int64");
  // Zero elements, yet no valid strides: the product of the nonzero sizes overflows, whichever
  // side the 0 is on.
  for (const Shape& s : {Shape{0, k2_62, k2_62}, Shape{k2_62, k2_62, 0}, Shape{k2_62, 0, 4}}) {
    INFO(shape_str(s));
    CHECK_THAT(error_of([&] { checked_numel(s, "t"); }),
               Catch::StartsWith("t: strides of " + shape_str(s) + " overflow int64"));
  }
}

TEST_CASE("checked_nbytes counts the bytes a shape spans against the limit", "[tensor][size]") {
  CHECK(checked_nbytes({2, 3}, 4, "t") == 24);
  CHECK(checked_nbytes({0, 5}, 8, "t") == 0);
  CHECK(checked_nbytes({int64_t{1} << 59}, 8, "t") == kMaxTensorBytes);  // exactly the limit
  CHECK(error_of([] { checked_nbytes({(int64_t{1} << 59) + 1}, 8, "t"); }) ==
        "t: shape [576460752303423489] of 8-byte elements needs more than the limit of "
        "4611686018427387904 bytes");
  // An empty shape is held to the same limit: its strides, in bytes, would still overflow.
  CHECK_THAT(error_of([] { checked_nbytes({0, int64_t{1} << 61}, 4, "t"); }),
             Catch::Contains("needs more than the limit"));
  CHECK_THAT(error_of([] { checked_nbytes({0, k2_62, k2_62}, 1, "t"); }),
             Catch::Contains("strides of"));
}

TEST_CASE("strides, contiguity and allocation are overflow-safe", "[tensor][size]") {
  CHECK(contiguous_strides({0, 3, 4}) == Shape{12, 4, 1});
  CHECK(contiguous_strides({2, 0, 4}) == Shape{4, 4, 1});
  CHECK_THAT(error_of([] { contiguous_strides({0, k2_62, k2_62}); }),
             Catch::Contains("contiguous_strides: strides of [0, 4611686018427387904, "
                             "4611686018427387904] overflow int64"));
  CHECK_THAT(error_of([] { empty({0, k2_62, k2_62}); }), Catch::Contains("empty: strides of"));
  CHECK_THAT(error_of([] { zeros({int64_t{1} << 61}, DType::Float64); }),
             Catch::Contains("empty: shape [2305843009213693952] of 8-byte elements needs more"));
  // A large empty tensor whose strides fit is fine, contiguous, and holds no elements.
  Tensor e = empty({0, int64_t{1} << 30, int64_t{1} << 30});
  CHECK(e.numel() == 0);
  CHECK(e.is_contiguous());
  CHECK(e.strides() == Shape{int64_t{1} << 60, int64_t{1} << 30, 1});
  // Views may not take an overflowing shape either.
  CHECK_THAT(error_of([&] { e.reshape({k2_62, 0, k2_62}); }), Catch::Contains("overflow int64"));
}
