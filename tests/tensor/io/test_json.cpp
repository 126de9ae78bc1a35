// Strict JSON: values, escapes, limits, error offsets, serializer round trips, and random
// mutations that must only ever throw nash::Error.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>

#include "tensor/error.h"
#include "tensor/io/io_test_util.h"
#include "tensor/io/json.h"

using namespace nash;
using namespace nash::test::io;

namespace {
std::string parse_error(const std::string& text, JsonLimits limits = {}) {
  return error_of([&] { parse_json(text, limits); });
}
}  // namespace

TEST_CASE("json parses every value type and keeps object order", "[io][json]") {
  Json j = parse_json(R"( {"z": null, "a": [true, false, -0.5e1, 12], "m": {"k": "v"}, "e": {}} )");
  REQUIRE(j.is_object());
  REQUIRE(j.size() == 4);
  REQUIRE(j.items()[0].first == "z");
  REQUIRE(j.items()[1].first == "a");
  REQUIRE(j.items()[2].first == "m");
  REQUIRE(j.at("z").is_null());
  const auto& a = j.at("a").as_array();
  REQUIRE(a.size() == 4);
  REQUIRE(a[0].as_bool());
  REQUIRE_FALSE(a[1].as_bool());
  REQUIRE(a[2].as_number() == -5.0);
  REQUIRE_FALSE(a[2].is_int64());
  REQUIRE(a[3].is_int64());
  REQUIRE(a[3].as_int64() == 12);
  REQUIRE(j.at("m").at("k").as_string() == "v");
  REQUIRE(j.at("e").size() == 0);
  REQUIRE(j.find("missing") == nullptr);
  REQUIRE_THAT(error_of([&] { j.at("missing"); }), Catch::Contains("missing key \"missing\""));
  REQUIRE_THAT(error_of([&] { j.at("z").as_string(); }),
               Catch::Contains("expected string, got null"));
}

TEST_CASE("json integers are exact up to int64 and larger ones are plain numbers", "[io][json]") {
  REQUIRE(parse_json("9223372036854775807").as_int64() == INT64_MAX);
  REQUIRE(parse_json("-9223372036854775808").as_int64() == INT64_MIN);
  Json big = parse_json("9223372036854775808");
  REQUIRE_FALSE(big.is_int64());
  REQUIRE(big.as_number() == 9223372036854775808.0);
  REQUIRE_THAT(error_of([&] { big.as_int64(); }), Catch::Contains("fits int64"));
  REQUIRE_FALSE(parse_json("2.0").is_int64());
  REQUIRE(parse_json("-0").as_int64() == 0);
  REQUIRE(parse_json("1e-400").as_number() == 0.0);
  REQUIRE(parse_json("0.5E+2").as_number() == 50.0);
  REQUIRE(parse_json("1.7976931348623157e308").as_number() == 1.7976931348623157e308);
  REQUIRE_THAT(parse_error("1e400"), Catch::Contains("number out of range at byte 0"));
  REQUIRE_THAT(parse_error("[1, -1e999]"), Catch::Contains("number out of range at byte 4"));
}

TEST_CASE("json string escapes and UTF-8", "[io][json]") {
  REQUIRE(parse_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string() == "a\"b\\c/d\b\f\n\r\t");
  REQUIRE(parse_json(R"("\u00e9\u20AC")").as_string() == "\xC3\xA9\xE2\x82\xAC");  // é€
  REQUIRE(parse_json(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");       // U+1F600
  REQUIRE(parse_json("\"\xF0\x9F\x98\x80 ok\"").as_string() == "\xF0\x9F\x98\x80 ok");
  REQUIRE_THAT(parse_error(R"("\ud83d")"), Catch::Contains("unpaired high surrogate escape at byte 1"));
  REQUIRE_THAT(parse_error(R"("\ude00")"), Catch::Contains("unpaired low surrogate escape at byte 1"));
  REQUIRE_THAT(parse_error(R"("\x")"), Catch::Contains("invalid escape '\\x' at byte 1"));
  REQUIRE_THAT(parse_error(R"("\u12G4")"), Catch::Contains("invalid hex digit"));
  REQUIRE_THAT(parse_error("\"a\nb\""), Catch::Contains("unescaped control character in a string at byte 2"));
  REQUIRE_THAT(parse_error("\"\xC0\xAF\""), Catch::Contains("invalid UTF-8 in a string at byte 1"));  // overlong '/'
  REQUIRE_THAT(parse_error("\"\xED\xA0\x80\""), Catch::Contains("invalid UTF-8"));  // encoded surrogate
  REQUIRE_THAT(parse_error("\"\xF4\x90\x80\x80\""), Catch::Contains("invalid UTF-8"));  // > U+10FFFF
  REQUIRE_THAT(parse_error("\"abc"), Catch::Contains("unterminated string at byte 4"));
}

TEST_CASE("json rejects what RFC 8259 rejects, with the byte offset", "[io][json]") {
  REQUIRE_THAT(parse_error(""), Catch::Contains("unexpected end of input, expected a value at byte 0"));
  REQUIRE_THAT(parse_error("   "), Catch::Contains("at byte 3"));
  REQUIRE_THAT(parse_error("[1, 2,]"), Catch::Contains("trailing comma in an array at byte 6"));
  REQUIRE_THAT(parse_error(R"({"a": 1,})"), Catch::Contains("trailing comma in an object at byte 8"));
  REQUIRE_THAT(parse_error("01"), Catch::Contains("leading zero in a number at byte 0"));
  REQUIRE_THAT(parse_error("1."), Catch::Contains("expected a digit after the decimal point at byte 2"));
  REQUIRE_THAT(parse_error("-"), Catch::Contains("expected a digit at byte 1"));
  REQUIRE_THAT(parse_error("+1"), Catch::Contains("unexpected character '+' at byte 0"));
  REQUIRE_THAT(parse_error("NaN"), Catch::Contains("unexpected character 'N' at byte 0"));
  REQUIRE_THAT(parse_error("[1] x"), Catch::Contains("unexpected trailing characters after the value at byte 4"));
  REQUIRE_THAT(parse_error("tru"), Catch::Contains("invalid literal at byte 0"));
  REQUIRE_THAT(parse_error("{'a': 1}"), Catch::Contains("expected a string key in an object at byte 1"));
  REQUIRE_THAT(parse_error(R"({"a" 1})"), Catch::Contains("expected ':' after an object key at byte 5"));
  REQUIRE_THAT(parse_error("[1 2]"), Catch::Contains("expected ',' or ']' in an array at byte 3"));
  REQUIRE_THAT(parse_error("// c\n1"), Catch::Contains("at byte 0"));
  REQUIRE_THAT(parse_error(R"({"a": 1, "b": 2, "a": 3})"), Catch::Contains("duplicate key \"a\" at byte 17"));
  REQUIRE_THAT(parse_error("[\x01]"), Catch::Contains("unexpected character '\\x01' at byte 1"));
}

TEST_CASE("json depth and size limits", "[io][json]") {
  std::string deep(64, '[');
  deep += std::string(64, ']');
  REQUIRE(parse_json(deep).is_array());
  std::string deeper = "[" + deep + "]";
  REQUIRE_THAT(parse_error(deeper), Catch::Contains("nesting deeper than the limit of 64 at byte 64"));
  // Far deeper than the stack could take if the limit were missing.
  REQUIRE_THAT(parse_error(std::string(1'000'000, '[')), Catch::Contains("nesting deeper"));
  REQUIRE_THAT(parse_error(R"("0123456789")", JsonLimits{8, 64}),
               Catch::Contains("input is 12 bytes, more than the limit of 8"));
}

TEST_CASE("json serializer escapes strings and round-trips", "[io][json]") {
  Json j = Json::object();
  j["name"] = "quote\" back\\ nl\n tab\t bell\x07 del\x7f \xC3\xA9";
  // A uint64 past int64 is written digit for digit, not rounded through a double.
  j["ints"] = Json::array({0, -1, Json(INT64_MAX), Json(uint64_t{18446744073709551615ull})});
  j["real"] = 0.1;
  j["flags"] = Json::array({true, false, nullptr});
  j["empty"] = Json::object();
  j["list"] = Json::array();
  const std::string s = to_json(j);
  REQUIRE(s ==
          "{\"name\":\"quote\\\" back\\\\ nl\\n tab\\t bell\\u0007 del\x7f \xC3\xA9\","
          "\"ints\":[0,-1,9223372036854775807,18446744073709551615],\"real\":0.1,"
          "\"flags\":[true,false,null],\"empty\":{},\"list\":[]}");
  REQUIRE(parse_json(s).at("name") == j.at("name"));
  REQUIRE(parse_json(to_json(j, 2)) == parse_json(s));
  REQUIRE(to_json(parse_json(R"({"a":[1,{"b":2}]})"), 2) ==
          "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ]\n}");
  REQUIRE_THAT(error_of([] { to_json(Json(std::nan(""))); }), Catch::Contains("non-finite"));
  REQUIRE_THAT(error_of([] { to_json(Json(std::string("\xFF"))); }), Catch::Contains("not valid UTF-8"));
  // Shortest round-trip form for doubles.
  REQUIRE(to_json(Json(1.0 / 3.0)) == "0.3333333333333333");
  REQUIRE(parse_json(to_json(Json(1.0 / 3.0))).as_number() == 1.0 / 3.0);
}

TEST_CASE("json random mutations only ever throw nash::Error", "[io][json]") {
  const std::string base =
      R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "s": "\u00e9\n", "x": [1.5e3, -0, true, null]})";
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  const char alphabet[] = "{}[]\",:\\u0123456789eE+-. tfnlarsx\x80\xff";
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s = base;
    const int edits = 1 + next() % 4;
    for (int k = 0; k < edits; ++k) {
      const size_t pos = next() % (s.size() + 1);
      switch (next() % 3) {
        case 0: if (pos < s.size()) s[pos] = alphabet[next() % (sizeof alphabet - 1)]; break;
        case 1: s.insert(pos, 1, alphabet[next() % (sizeof alphabet - 1)]); break;
        default: if (pos < s.size()) s.erase(pos, 1); break;
      }
    }
    try {
      Json j = parse_json(s);
      REQUIRE(parse_json(to_json(j)) == j);  // anything accepted re-serializes identically
      ++parsed;
    } catch (const Error&) {
      ++rejected;
    }
  }
  REQUIRE(parsed > 0);
  REQUIRE(rejected > 0);
}
