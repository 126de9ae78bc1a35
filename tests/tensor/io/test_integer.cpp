// Integers from outside data: parse_int64 / parse_uint64 on text and json_int64 / json_uint64 on
// JSON values read integers as integers and check the range before any conversion, with one
// message "<field> must be an integer in [lo, hi], got <text>".
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "tensor/io/integer.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/json.h"

using namespace nash;
using namespace nash::test::io;

namespace {
const std::string kStepsRange = "steps must be an integer in [1, 9223372036854775807], got ";
const std::string kSeedRange = "seed must be an integer in [0, 18446744073709551615], got ";
}  // namespace

TEST_CASE("parse_int64 and parse_uint64 take decimal integers in range", "[io][integer]") {
  CHECK(parse_int64("42", "n") == 42);
  CHECK(parse_int64("-7", "n") == -7);
  CHECK(parse_int64("-9223372036854775808", "n") == INT64_MIN);
  CHECK(parse_int64("9223372036854775807", "n") == INT64_MAX);
  CHECK(parse_int64("007", "n", 0, 10) == 7);
  CHECK(parse_uint64("18446744073709551615", "seed") == UINT64_MAX);
  CHECK(parse_uint64("0", "seed") == 0);
  for (const char* bad : {"1e300", "nan", "NaN", "inf", "2.5", "2.0", "1e3", " 7", "7 ", "+7", "0x10",
                          "", "-", "9223372036854775808", "12abc"}) {
    INFO(bad);
    CHECK(error_of([&] { parse_int64(bad, "steps", 1, INT64_MAX); }) ==
          kStepsRange + (*bad ? bad : "an empty value"));
  }
  CHECK(error_of([] { parse_int64("0", "steps", 1, INT64_MAX); }) == kStepsRange + "0");
  CHECK(error_of([] { parse_int64("11", "batch", 1, 10); }) ==
        "batch must be an integer in [1, 10], got 11");
  CHECK(error_of([] { parse_uint64("-1", "seed"); }) == kSeedRange + "-1");
  CHECK(error_of([] { parse_uint64("18446744073709551616", "seed"); }) ==
        kSeedRange + "18446744073709551616");
  CHECK(error_of([] { parse_uint64("1e300", "seed"); }) == kSeedRange + "1e300");
  // Long text is cut in the message.
  CHECK_THAT(error_of([] { parse_int64(std::string(100, '9'), "n"); }),
             Catch::EndsWith(std::string(64, '9') + "..."));
}

TEST_CASE("json_int64 reads integer literals only, range-checked before conversion", "[io][integer]") {
  auto steps = [](const std::string& text) {
    return error_of([&] { json_int64(parse_json(text), "steps", 1, INT64_MAX); });
  };
  CHECK(json_int64(parse_json("25000"), "steps", 1, INT64_MAX) == 25000);
  CHECK(json_int64(parse_json("-9223372036854775808"), "x") == INT64_MIN);
  CHECK(json_int64(Json(int64_t{5}), "x", 0, 10) == 5);
  // Found by fuzzing: 1e300 reached static_cast<int64_t>, which is undefined behaviour.
  CHECK(steps("1e300") == kStepsRange + "1e300");
  CHECK(steps("1E3") == kStepsRange + "1E3");       // no exponents, even when exact
  CHECK(steps("2.0") == kStepsRange + "2.0");       // no fractions, even when whole
  CHECK(steps("2.5") == kStepsRange + "2.5");
  CHECK(steps("0") == kStepsRange + "0");
  CHECK(steps("-3") == kStepsRange + "-3");
  CHECK(steps("9223372036854775808") == kStepsRange + "9223372036854775808");
  CHECK(steps("\"100\"") == kStepsRange + "the string \"100\"");
  CHECK(steps("null") == kStepsRange + "null");
  CHECK(steps("[1]") == kStepsRange + "[1]");
  // Values built in code: NaN and infinities cannot come from parse_json but can from a caller.
  CHECK(error_of([] { json_int64(Json(std::nan("")), "steps", 1, INT64_MAX); }) == kStepsRange + "NaN");
  CHECK(error_of([] { json_int64(Json(-HUGE_VAL), "x", 0, 1); }) ==
        "x must be an integer in [0, 1], got -Infinity");
  CHECK(error_of([] { json_int64(Json(3.0), "x", 0, 9); }) ==
        "x must be an integer in [0, 9], got 3");
}

TEST_CASE("json_uint64 reads the whole uint64 range exactly", "[io][integer]") {
  CHECK(json_uint64(parse_json("18446744073709551615"), "seed") == UINT64_MAX);
  CHECK(json_uint64(parse_json("9223372036854775808"), "seed") == (uint64_t{1} << 63));
  CHECK(json_uint64(parse_json("12345678901234567891"), "seed") == 12345678901234567891u);  // not a double
  CHECK(json_uint64(parse_json("0"), "seed") == 0);
  // Built in code and written out, a large uint64 keeps every digit.
  const Json big(uint64_t{18446744073709551557u});
  CHECK(to_json(big) == "18446744073709551557");
  CHECK(json_uint64(big, "seed") == 18446744073709551557u);
  CHECK(json_uint64(parse_json(to_json(big)), "seed") == 18446744073709551557u);
  // Found by fuzzing: "seed": 1e300 and NaN reached a cast to an integer.
  CHECK(error_of([] { json_uint64(parse_json("1e300"), "seed"); }) == kSeedRange + "1e300");
  CHECK(error_of([] { json_uint64(Json(std::nan("")), "seed"); }) == kSeedRange + "NaN");
  CHECK(error_of([] { json_uint64(parse_json("-1"), "seed"); }) == kSeedRange + "-1");
  CHECK(error_of([] { json_uint64(parse_json("18446744073709551616"), "seed"); }) ==
        kSeedRange + "18446744073709551616");
  CHECK(error_of([] { json_uint64(parse_json("1.5"), "seed"); }) == kSeedRange + "1.5");
  CHECK(error_of([] { json_uint64(parse_json("7"), "k", 1, 5); }) ==
        "k must be an integer in [1, 5], got 7");
}

TEST_CASE("json numbers keep their literal for messages and exact integers", "[io][integer]") {
  const Json v = parse_json(R"([1e300, 0.10, -0, 123456789012345678901234567890])");
  CHECK(v.as_array()[0].number_text() == "1e300");
  CHECK(v.as_array()[1].number_text() == "0.10");
  CHECK(v.as_array()[2].is_int64());
  CHECK(Json(2.5).number_text().empty());
  // Integers beyond uint64 are written back digit for digit, not rounded through a double.
  CHECK(to_json(v) == "[1e+300,0.1,0,123456789012345678901234567890]");
  CHECK(parse_json(to_json(v)) == v);
}
