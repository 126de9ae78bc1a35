// Json value access, UTF-8 validation and the serializer; the parser is in json_parse.cpp.
#include "tensor/io/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "tensor/error.h"
#include "tensor/io/integer.h"

namespace nash {

// ---- value ---------------------------------------------------------------------------------------

Json::Json(int64_t x)
    : type_(Type::Number), is_int_(true), number_(static_cast<double>(x)), int_(x) {}

Json::Json(uint64_t x) : type_(Type::Number), number_(static_cast<double>(x)) {
  if (x <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    is_int_ = true;
    int_ = static_cast<int64_t>(x);
  } else {
    string_ = std::to_string(x);  // the exact value, for json_uint64 and to_json
  }
}

Json Json::array(std::vector<Json> items) {
  Json j;
  j.type_ = Type::Array;
  j.array_ = std::move(items);
  return j;
}

Json Json::object() {
  Json j;
  j.type_ = Type::Object;
  return j;
}

namespace {
const char* type_str(Json::Type t) {
  switch (t) {
    case Json::Type::Null: return "null";
    case Json::Type::Bool: return "bool";
    case Json::Type::Number: return "number";
    case Json::Type::String: return "string";
    case Json::Type::Array: return "array";
    case Json::Type::Object: return "object";
  }
  return "?";
}
}  // namespace

const char* Json::type_name() const { return type_str(type_); }

void Json::expect(Type t) const {
  NASH_CHECK(type_ == t, "json: expected ", type_str(t), ", got ", type_str(type_));
}

bool Json::as_bool() const { expect(Type::Bool); return bool_; }
double Json::as_number() const { expect(Type::Number); return number_; }
int64_t Json::as_int64() const {
  expect(Type::Number);
  NASH_CHECK(is_int_, "json: expected an integer that fits int64, got ", to_json(*this));
  return int_;
}
const std::string& Json::as_string() const { expect(Type::String); return string_; }
const std::string& Json::number_text() const { expect(Type::Number); return string_; }
const std::vector<Json>& Json::as_array() const { expect(Type::Array); return array_; }
std::vector<Json>& Json::as_array() { expect(Type::Array); return array_; }
const Json::Members& Json::items() const { expect(Type::Object); return object_; }
Json::Members& Json::items() { expect(Type::Object); return object_; }

size_t Json::size() const {
  if (type_ == Type::Array) return array_.size();
  if (type_ == Type::Object) return object_.size();
  fail("json: size() of a ", type_str(type_), " (need an array or object)");
}

const Json* Json::find(std::string_view key) const {
  expect(Type::Object);
  for (const auto& [k, v] : object_)
    if (k == key) return &v;
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  const Json* v = find(key);
  NASH_CHECK(v != nullptr, "json: missing key \"", key, "\"");
  return *v;
}

Json& Json::operator[](std::string_view key) {
  if (type_ == Type::Null) *this = object();
  expect(Type::Object);
  for (auto& [k, v] : object_)
    if (k == key) return v;
  object_.emplace_back(std::string(key), Json());
  return object_.back().second;
}

void Json::push_back(Json v) {
  if (type_ == Type::Null) *this = array();
  expect(Type::Array);
  array_.push_back(std::move(v));
}

bool operator==(const Json& a, const Json& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::Null: return true;
    case Json::Type::Bool: return a.bool_ == b.bool_;
    case Json::Type::Number:
      return (a.is_int_ && b.is_int_) ? a.int_ == b.int_ : a.number_ == b.number_;
    case Json::Type::String: return a.string_ == b.string_;
    case Json::Type::Array: return a.array_ == b.array_;
    case Json::Type::Object: return a.object_ == b.object_;
  }
  return false;
}

// ---- integers from outside ---------------------------------------------------------------------
namespace {

bool is_integer_literal(const std::string& text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  return true;
}

// The value as the user wrote it, for error messages.
std::string as_written(const Json& v) {
  if (!v.is_number()) {
    try {
      std::string s = to_json(v);
      return v.is_string() ? "the string " + s : s;
    } catch (const Error&) {  // an array or object built in code holding a NaN
      return std::string("an ") + v.type_name();
    }
  }
  if (!v.number_text().empty()) return v.number_text();
  if (v.is_int64()) return std::to_string(v.as_int64());
  const double x = v.as_number();
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return to_json(v);
}

template <class T>
T json_integer(const Json& v, std::string_view field, T lo, T hi) {
  T out = 0;
  bool ok = false;
  if (v.is_int64()) {
    const int64_t i = v.as_int64();
    ok = std::is_signed_v<T> || i >= 0;
    out = static_cast<T>(i);  // exact when ok
  } else if (v.is_number() && is_integer_literal(v.number_text())) {
    // Beyond int64 (e.g. a uint64 seed): read the digits themselves, never the double.
    const std::string& t = v.number_text();
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    ok = ec == std::errc() && end == t.data() + t.size();
  }
  if (!ok || out < lo || out > hi) detail::fail_integer(field, lo, hi, as_written(v));
  return out;
}

}  // namespace

int64_t json_int64(const Json& value, std::string_view field, int64_t lo, int64_t hi) {
  return json_integer<int64_t>(value, field, lo, hi);
}

uint64_t json_uint64(const Json& value, std::string_view field, uint64_t lo, uint64_t hi) {
  return json_integer<uint64_t>(value, field, lo, hi);
}

// ---- UTF-8 ---------------------------------------------------------------------------------------
namespace detail {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
// at most U+10FFFF), or 0 when it is malformed.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c == 0xED) n = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c == 0xF4) n = 4, hi = 0x8F;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else return 0;
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}
}  // namespace detail

// ---- serializer ----------------------------------------------------------------------------------
namespace {

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          size_t n = detail::utf8_sequence_length(s, i);
          NASH_CHECK(n != 0, "to_json: string is not valid UTF-8 at byte ", i);
          out.append(s, i, n);
          i += n;
          continue;
        }
    }
    ++i;
  }
  out += '"';
}

void newline(std::string& out, int indent, int level) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent) * level, ' ');
}

void write_value(std::string& out, const Json& v, int indent, int level) {
  switch (v.type()) {
    case Json::Type::Null: out += "null"; return;
    case Json::Type::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Json::Type::Number: {
      char buf[32];
      std::to_chars_result r;
      if (v.is_int64()) {
        r = std::to_chars(buf, buf + sizeof buf, v.as_int64());
      } else if (is_integer_literal(v.number_text())) {
        out += v.number_text();  // an integer beyond int64, exactly as read or built
        return;
      } else {
        double x = v.as_number();
        NASH_CHECK(std::isfinite(x), "to_json: cannot write the non-finite number ", x);
        r = std::to_chars(buf, buf + sizeof buf, x);  // shortest form that round-trips
      }
      out.append(buf, r.ptr);
      return;
    }
    case Json::Type::String: write_string(out, v.as_string()); return;
    case Json::Type::Array: {
      const auto& a = v.as_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(out, indent, level + 1);
        write_value(out, a[i], indent, level + 1);
      }
      if (!a.empty()) newline(out, indent, level);
      out += ']';
      return;
    }
    case Json::Type::Object: {
      const auto& m = v.items();
      out += '{';
      for (size_t i = 0; i < m.size(); ++i) {
        if (i) out += ',';
        newline(out, indent, level + 1);
        write_string(out, m[i].first);
        out += indent < 0 ? ":" : ": ";
        write_value(out, m[i].second, indent, level + 1);
      }
      if (!m.empty()) newline(out, indent, level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string to_json(const Json& value, int indent) {
  std::string out;
  write_value(out, value, indent, 0);
  return out;
}

}  // namespace nash
