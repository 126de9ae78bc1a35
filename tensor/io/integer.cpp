// parse_int64 / parse_uint64 and the one message for an integer out of place or out of range.
#include "tensor/io/integer.h"

#include <charconv>

#include "tensor/error.h"

namespace nash {
namespace {

std::string quoted_value(std::string_view got) {
  if (got.empty()) return "an empty value";
  if (got.size() > 64) return std::string(got.substr(0, 64)) + "...";
  return std::string(got);
}

// Decimal digits with an optional leading '-' (signed only): what from_chars reads, exactly.
template <class T>
bool parse_digits(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

namespace detail {
void fail_integer(std::string_view field, int64_t lo, int64_t hi, std::string_view got) {
  fail(field, " must be an integer in [", lo, ", ", hi, "], got ", quoted_value(got));
}
void fail_integer(std::string_view field, uint64_t lo, uint64_t hi, std::string_view got) {
  fail(field, " must be an integer in [", lo, ", ", hi, "], got ", quoted_value(got));
}
}  // namespace detail

int64_t parse_int64(std::string_view text, std::string_view field, int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (!parse_digits(text, v) || v < lo || v > hi) detail::fail_integer(field, lo, hi, text);
  return v;
}

uint64_t parse_uint64(std::string_view text, std::string_view field, uint64_t lo, uint64_t hi) {
  uint64_t v = 0;
  // from_chars for unsigned types already refuses a '-'.
  if (!parse_digits(text, v) || v < lo || v > hi) detail::fail_integer(field, lo, hi, text);
  return v;
}

}  // namespace nash
