// The strict recursive-descent JSON parser (RFC 8259): byte offsets in every error, depth and
// size limits, UTF-8 and surrogate checks, duplicate keys rejected.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_set>

#include "tensor/error.h"
#include "tensor/io/json.h"

namespace nash {
namespace {

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
      size_t n = detail::utf8_sequence_length(s_, pos_);
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
    Json out = number_value(first, last, integral, start);
    out.string_.assign(first, last);  // the literal, for number_text()
    return out;
  }

  Json number_value(const char* first, const char* last, bool integral, size_t start) {
    if (integral) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && p == last) return Json(v);
      // Too large for int64: a double, with the exact digits kept in number_text().
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

}  // namespace nash
