// libFuzzer target: parse_json on arbitrary text, then properties every parsed value must keep:
// to_json (compact and indented) parses back to an equal value, and the integer readers
// (json_int64 / json_uint64, parse_int64 / parse_uint64 on strings) agree with the value or
// throw nash::Error; nothing else may escape.
#include <cstdlib>
#include <string_view>

#include "tensor/error.h"
#include "tensor/io/integer.h"
#include "tensor/io/json.h"

namespace {

template <class F>
bool throws_error(F&& f) {
  try {
    f();
  } catch (const nash::Error&) {
    return true;
  }
  return false;
}

void check_integers(const nash::Json& v) {
  if (v.is_number()) {
    int64_t i = 0;
    if (!throws_error([&] { i = nash::json_int64(v, "value"); })) {
      if (!v.is_int64() || v.as_int64() != i) std::abort();
    } else if (v.is_int64()) {
      std::abort();  // every int64 value is accepted over the full range
    }
    uint64_t u = 0;
    if (!throws_error([&] { u = nash::json_uint64(v, "value", 0, UINT64_MAX); })) {
      if (v.is_int64() ? v.as_int64() < 0 || static_cast<uint64_t>(v.as_int64()) != u
                       : static_cast<double>(u) != v.as_number())
        std::abort();
    }
    (void)throws_error([&] { nash::json_int64(v, "ranged", -1000, 1000); });
  } else if (v.is_string()) {
    (void)throws_error([&] { nash::parse_int64(v.as_string(), "text", -5, 1'000'000); });
    (void)throws_error([&] { nash::parse_uint64(v.as_string(), "text"); });
  } else if (v.is_array()) {
    for (const nash::Json& x : v.as_array()) check_integers(x);
  } else if (v.is_object()) {
    for (const auto& [k, x] : v.items()) check_integers(x);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nash::Json v;
  try {
    v = nash::parse_json(text, nash::JsonLimits{size_t{1} << 20, 64});
  } catch (const nash::Error&) {
    return 0;
  }
  for (int indent : {-1, 2}) {
    const nash::Json back = nash::parse_json(nash::to_json(v, indent));  // must not throw
    if (!(back == v)) std::abort();
  }
  check_integers(v);
  return 0;
}
