// Integers from outside data (command-line text, presets, file metadata): parsed as integers
// (optional '-' for signed, then decimal digits; never through a double) and range-checked
// before any conversion, so "1e300", "nan", "2.5", " 7" and out-of-range values all get one
// clear error instead of undefined behaviour:
//
//   int64_t steps = parse_int64(text, "steps", 1, INT64_MAX);
//   // "steps must be an integer in [1, 9223372036854775807], got 1e300"
//
// json_int64 / json_uint64 (tensor/io/json.h) apply the same rule to JSON values.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace nash {

int64_t parse_int64(std::string_view text, std::string_view field, int64_t lo = INT64_MIN,
                    int64_t hi = INT64_MAX);
uint64_t parse_uint64(std::string_view text, std::string_view field, uint64_t lo = 0,
                      uint64_t hi = UINT64_MAX);

namespace detail {
// Throws "<field> must be an integer in [<lo>, <hi>], got <got>" (got cut to 64 characters).
[[noreturn]] void fail_integer(std::string_view field, int64_t lo, int64_t hi,
                               std::string_view got);
[[noreturn]] void fail_integer(std::string_view field, uint64_t lo, uint64_t hi,
                               std::string_view got);
}  // namespace detail

}  // namespace nash
