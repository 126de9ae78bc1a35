// Json value access, the strict recursive-descent parser, and the serializer.
#include "tensor/io/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_set>

#include "tensor/error.h"

namespace nash {

// ---- value ---------------------------------------------------------------------------------------

Json::Json(int64_t x)
    : type_(Type::Number), is_int_(true), number_(static_cast<double>(x)), int_(x) {}

Json::Json(uint64_t x) : type_(Type::Number), number_(static_cast<double>(x)) {
  if (x <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    is_int_ = true;
    int_ = static_cast<int64_t>(x);
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

// ---- UTF-8 ---------------------------------------------------------------------------------------
namespace {

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

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

// ---- parser --------------------------------------------------------------------------------------

class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonLimits& limits) : s_(text), limits_(limits) {}

  Json parse_document() {
    NASH_CHECK(s_.size() <= limits_.max_bytes, "json: input is ", s_.size(),
               " bytes, more than the limit of ", limits_.max_bytes);
    skip_ws();
    Json v = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) error("unexpected trailing characters after the value");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail("json: ", what, " at byte ", pos_);
  }
  [[noreturn]] void error_at(const std::string& what, size_t pos) const {
    fail("json: ", what, " at byte ", pos);
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  void expect_literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) error("invalid literal");
    pos_ += word.size();
  }

  Json parse_value(int depth) {
    if (at_end()) error("unexpected end of input, expected a value");
    switch (peek()) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json(parse_string());
      case 't': expect_literal("true"); return Json(true);
      case 'f': expect_literal("false"); return Json(false);
      case 'n': expect_literal("null"); return Json();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number();
        error(std::string("unexpected character '") + printable(peek()) + "'");
    }
  }

  static std::string printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }

  void check_depth(int depth) {
    if (depth > limits_.max_depth)
      error("nesting deeper than the limit of " + std::to_string(limits_.max_depth));
  }

  Json parse_array(int depth) {
    check_depth(depth);
    ++pos_;  // '['
    Json arr = Json::array();
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return arr;
    }
    for (;;) {
      skip_ws();
      arr.array_.push_back(parse_value(depth));
      skip_ws();
      if (at_end()) error("unexpected end of input in an array");
      if (peek() == ',') {
        ++pos_;
        skip_ws();
        if (!at_end() && peek() == ']') error("trailing comma in an array");
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return arr;
      }
      error("expected ',' or ']' in an array");
    }
  }

  Json parse_object(int depth) {
    check_depth(depth);
    ++pos_;  // '{'
    Json obj = Json::object();
    std::unordered_set<std::string> seen;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return obj;
    }
    for (;;) {
      skip_ws();
      if (at_end()) error("unexpected end of input in an object");
      if (peek() != '"') error("expected a string key in an object");
      size_t key_pos = pos_;
      std::string key = parse_string();
      if (!seen.insert(key).second) error_at("duplicate key \"" + key + "\"", key_pos);
      skip_ws();
      if (at_end() || peek() != ':') error("expected ':' after an object key");
      ++pos_;
      skip_ws();
      Json v = parse_value(depth);
      obj.object_.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (at_end()) error("unexpected end of input in an object");
      if (peek() == ',') {
        ++pos_;
        skip_ws();
        if (!at_end() && peek() == '}') error("trailing comma in an object");
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return obj;
      }
      error("expected ',' or '}' in an object");
    }
  }

  uint32_t parse_hex4() {
    if (pos_ + 4 > s_.size()) error("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_ + k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else error_at("invalid hex digit in a \\u escape", pos_ + k);
    }
    pos_ += 4;
    return v;
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) error("unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) error("unescaped control character in a string");
      if (c == '\\') {
        ++pos_;
        if (at_end()) error("unterminated escape in a string");
        char e = peek();
        ++pos_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            size_t esc_pos = pos_ - 2;
            uint32_t cp = parse_hex4();
            if (cp >= 0xDC00 && cp <= 0xDFFF) error_at("unpaired low surrogate escape", esc_pos);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (s_.substr(pos_, 2) != "\\u") error_at("unpaired high surrogate escape", esc_pos);
              pos_ += 2;
              uint32_t lo = parse_hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) error_at("unpaired high surrogate escape", esc_pos);
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            append_utf8(out, cp);
            break;
          }
          default: error_at("invalid escape '\\" + printable(e) + "'", pos_ - 2);
        }
        continue;
      }
      size_t n = utf8_sequence_length(s_, pos_);
      if (n == 0) error("invalid UTF-8 in a string");
      out.append(s_.data() + pos_, n);
      pos_ += n;
    }
  }

  Json parse_number() {
    size_t start = pos_;
    auto digits = [&] {
      size_t d0 = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - d0;
    };
    if (peek() == '-') ++pos_;
    if (at_end() || !(peek() >= '0' && peek() <= '9')) error("expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') error_at("leading zero in a number", start);
    } else {
      digits();
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) error("expected a digit after the decimal point");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      integral = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) error("expected a digit in the exponent");
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integral) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && p == last) return Json(v);
      // Too large for int64: fall through to a (non-integer) double.
    }
    double x = 0.0;
    auto [p, ec] = std::from_chars(first, last, x);
    if (ec == std::errc::result_out_of_range) {
      // Too small rounds to zero, as every JSON reader does; too large is an error.
      if (decimal_magnitude(std::string_view(first, last - first)) > 0)
        error_at("number out of range", start);
      return Json(*first == '-' ? -0.0 : 0.0);
    }
    if (ec != std::errc() || p != last) error_at("invalid number", start);
    return Json(x);
  }

  // For a syntactically valid number d.ddd x 10^e written any way, the position of its first
  // significant digit relative to the decimal point: > 0 means |x| >= 1.
  static int64_t decimal_magnitude(std::string_view num) {
    size_t i = (num[0] == '-') ? 1 : 0;
    int64_t int_digits = 0, frac_zeros = 0;
    bool seen_nonzero = false;
    for (; i < num.size() && num[i] >= '0' && num[i] <= '9'; ++i) {
      if (num[i] != '0') seen_nonzero = true;
      if (seen_nonzero) ++int_digits;
    }
    if (i < num.size() && num[i] == '.') {
      for (++i; i < num.size() && num[i] >= '0' && num[i] <= '9'; ++i) {
        if (num[i] != '0') seen_nonzero = true;
        if (!seen_nonzero) ++frac_zeros;
      }
    }
    int64_t exp = 0;
    if (i < num.size() && (num[i] == 'e' || num[i] == 'E')) {
      ++i;
      bool neg = false;
      if (num[i] == '+' || num[i] == '-') neg = (num[i++] == '-');
      for (; i < num.size(); ++i) exp = std::min<int64_t>(exp * 10 + (num[i] - '0'), 1 << 30);
      if (neg) exp = -exp;
    }
    return int_digits > 0 ? int_digits + exp : exp - frac_zeros;
  }

  std::string_view s_;
  JsonLimits limits_;
  size_t pos_ = 0;
};

Json parse_json(std::string_view text, const JsonLimits& limits) {
  return JsonParser(text, limits).parse_document();
}

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
          size_t n = utf8_sequence_length(s, i);
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
