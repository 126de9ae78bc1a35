// A small JSON value (null/bool/number/string/array/object, objects keep insertion order), a
// strict RFC 8259 parser with depth and size limits whose errors give the byte offset, and a
// serializer with proper string escaping. Used for safetensors headers and run configs.
//
//   Json j = parse_json(R"({"dtype": "F32", "shape": [2, 3]})");
//   int64_t rows = j.at("shape").as_array()[0].as_int64();     // 2
//   Json out = Json::object();
//   out["name"] = "w";  out["shape"] = Json::array({2, 3});
//   std::string s = to_json(out);                               // {"name":"w","shape":[2,3]}
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nash {

class Json {
 public:
  enum class Type : uint8_t { Null, Bool, Number, String, Array, Object };
  using Members = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double x) : type_(Type::Number), number_(x) {}
  Json(int64_t x);
  Json(int x) : Json(static_cast<int64_t>(x)) {}
  Json(uint64_t x);  // exact: is_int64() when it fits, else json_uint64 still reads it back
  Json(const char* s) : type_(Type::String), string_(s) {}
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::String), string_(s) {}
  static Json array(std::vector<Json> items = {});
  static Json array(std::initializer_list<Json> items) { return array(std::vector<Json>(items)); }
  static Json object();

  Type type() const { return type_; }
  const char* type_name() const;  // "null", "bool", "number", "string", "array", "object"
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }
  // True when the number was built from an integer, or parsed from an integer literal (no
  // fraction, no exponent) that int64 holds; "2.0" and "2e0" are numbers but not integers.
  bool is_int64() const { return type_ == Type::Number && is_int_; }

  // Typed access; each throws nash::Error naming the expected and actual type.
  bool as_bool() const;
  double as_number() const;
  int64_t as_int64() const;
  const std::string& as_string() const;
  const std::vector<Json>& as_array() const;
  std::vector<Json>& as_array();
  const Members& items() const;  // object members in insertion order
  Members& items();

  // A number's literal as parsed ("1e300", "18446744073709551615"), or "" for numbers built in
  // code. json_int64 / json_uint64 read integers from it, and errors quote it.
  const std::string& number_text() const;

  size_t size() const;  // array or object element count
  // Objects: find returns nullptr when absent; at throws naming the key; operator[] inserts.
  const Json* find(std::string_view key) const;
  const Json& at(std::string_view key) const;
  Json& operator[](std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  void push_back(Json v);  // arrays

  friend bool operator==(const Json& a, const Json& b);

 private:
  void expect(Type t) const;
  Type type_ = Type::Null;
  bool bool_ = false;
  bool is_int_ = false;
  double number_ = 0.0;
  int64_t int_ = 0;
  std::string string_;  // a string's value, or a number's literal (number_text)
  std::vector<Json> array_;
  Members object_;

  friend class JsonParser;
};

struct JsonLimits {
  size_t max_bytes = size_t{100} << 20;  // input size
  int max_depth = 64;                    // nesting of arrays/objects
};

// Strict: one value, optional whitespace around it, no comments, no trailing commas, no NaN,
// valid UTF-8 and escapes, duplicate object keys rejected. Throws nash::Error
// "json: <what> at byte <offset>".
Json parse_json(std::string_view text, const JsonLimits& limits = {});

// Compact when indent < 0, else pretty-printed with `indent` spaces. Strings are escaped
// (", \, control characters); non-finite numbers throw.
std::string to_json(const Json& value, int indent = -1);

// Integers from outside data (run configurations, presets): the value must be an integer
// literal (no fraction, no exponent; "2.0", "1e3", 1e300 and NaN are refused), read as an integer,
// never through a double, and within [lo, hi]. Otherwise nash::Error
//   "<field> must be an integer in [<lo>, <hi>], got <the value as written>"
// The same rule and message as parse_int64 / parse_uint64 for text (tensor/io/integer.h).
int64_t json_int64(const Json& value, std::string_view field, int64_t lo = INT64_MIN,
                   int64_t hi = INT64_MAX);
uint64_t json_uint64(const Json& value, std::string_view field, uint64_t lo = 0,
                     uint64_t hi = UINT64_MAX);

namespace detail {
// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is malformed.
size_t utf8_sequence_length(std::string_view s, size_t i);
}  // namespace detail

}  // namespace nash
