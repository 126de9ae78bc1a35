// Flag parsing for the nash program (see args.h).
#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace nash::cli {

namespace {
std::string dashed(const std::string& name) { return "--" + name; }

const Flag* find_flag(const std::vector<Flag>& flags, const std::string& name) {
  for (const Flag& f : flags) {
    if (f.name == name) return &f;
    for (const auto& a : f.aliases)
      if (a == name) return &f;
  }
  return nullptr;
}
}  // namespace

Args parse_args(const std::string& command, const std::vector<Flag>& flags, int argc, char** argv,
                int first) {
  Args args;
  args.command = command;
  for (int i = first; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "-h") word = "--help";
    if (word.rfind("--", 0) != 0 || word.size() == 2)
      throw UsageError("unexpected argument '" + word + "' (flags start with --)");
    std::string name = word.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Flag* flag = find_flag(flags, name);
    if (!flag) throw UsageError("unknown flag '--" + name + "'");
    if (args.has(flag->name)) throw UsageError(dashed(flag->name) + " is given twice");
    if (flag->value_name.empty()) {
      if (inline_value) throw UsageError(dashed(flag->name) + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= argc) throw UsageError(dashed(flag->name) + " needs a value (" + flag->value_name + ")");
      value = argv[++i];
    }
    args.values[flag->name] = value;
  }
  return args;
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_string(const std::string& name, const std::string& fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  if (v->empty()) throw UsageError(dashed(name) + " needs a non-empty value");
  return *v;
}

int64_t Args::get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError(dashed(name) + " needs an integer, got '" + *v + "'");
  if (x < min || x > max) {
    std::ostringstream o;
    o << dashed(name) << " must be ";
    if (max == INT64_MAX) o << ">= " << min;
    else o << "in [" << min << ", " << max << "]";
    o << ", got " << x;
    throw UsageError(o.str());
  }
  return x;
}

uint64_t Args::get_uint(const std::string& name, uint64_t fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v->c_str(), &end, 10);
  if (v->empty() || (*v)[0] == '-' || *end != '\0' || errno == ERANGE)
    throw UsageError(dashed(name) + " needs a non-negative integer, got '" + *v + "'");
  return x;
}

double Args::get_double(const std::string& name, double fallback, double min, double max) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
    throw UsageError(dashed(name) + " needs a number, got '" + *v + "'");
  if (x < min || x > max) {
    std::ostringstream o;
    o << dashed(name) << " must be in [" << min << ", " << max << "], got " << *v;
    throw UsageError(o.str());
  }
  return x;
}

std::string usage_text(const std::string& synopsis, const std::string& description,
                       const std::vector<Flag>& flags) {
  std::ostringstream o;
  o << "usage: " << synopsis << "\n\n" << description << "\n\nflags:\n";
  size_t width = 0;
  std::vector<std::string> heads;
  for (const Flag& f : flags) {
    std::string head = "  --" + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    heads.push_back(head);
    width = std::max(width, head.size());
  }
  for (size_t i = 0; i < flags.size(); ++i) {
    o << heads[i] << std::string(width - heads[i].size() + 2, ' ') << flags[i].help;
    if (!flags[i].aliases.empty()) {
      o << " (also";
      for (const auto& a : flags[i].aliases) o << " --" << a;
      o << ")";
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace nash::cli
