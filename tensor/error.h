// nash::Error, the one exception type the library throws, and NASH_CHECK, which builds its
// message from any streamable pieces: NASH_CHECK(a == b, "add: cannot broadcast ", sa, " with ", sb).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include <cstdint>

namespace nash {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void stream_piece(std::ostream& os, const std::vector<int64_t>& v) {
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ']';
}
template <class T>
void stream_piece(std::ostream& os, const T& v) { os << v; }

template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (stream_piece(os, args), ...);
  return os.str();
}
}  // namespace detail

template <class... Args>
[[noreturn]] void fail(const Args&... args) { throw Error(detail::concat(args...)); }

}  // namespace nash

#define NASH_CHECK(cond, ...)                              \
  do {                                                     \
    if (!(cond)) ::nash::fail(__VA_ARGS__);                \
  } while (0)
