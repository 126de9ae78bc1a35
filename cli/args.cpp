// Flag parsing for the nash program (see args.h).
#include "cli/args.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "tensor/text.h"

namespace nash::cli {

namespace {
std::string dashed(const std::string& name) { return "--" + name; }

// Names compare with '_' and '-' alike and without case: --batch_size, --Batch-Size.
std::string folded(const std::string& name) {
  std::string s = name;
  for (char& c : s) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const Flag* find_flag(const std::vector<Flag>& flags, const std::string& name) {
  const std::string want = folded(name);
  for (const Flag& f : flags) {
    if (folded(f.name) == want) return &f;
    for (const auto& a : f.aliases)
      if (folded(a) == want) return &f;
  }
  return nullptr;
}

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates,
                         const std::string& prefix) {
  const std::string w = folded(word);
  std::string best;
  size_t best_distance = std::max<size_t>(2, w.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(w, folded(c));
    if (d < best_distance) best_distance = d, best = c;
  }
  return best.empty() ? "" : " (did you mean " + prefix + best + "?)";
}

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
    if (!flag) {
      // Compare against each flag's own names; show the canonical name with its aliases.
      std::string hint;
      size_t best = SIZE_MAX;
      for (const Flag& f : flags) {
        std::vector<std::string> own{f.name};
        own.insert(own.end(), f.aliases.begin(), f.aliases.end());
        for (const auto& n : own) {
          const size_t d = edit_distance(folded(name), folded(n));
          if (d < best && d <= std::max<size_t>(2, name.size() / 3)) {
            best = d;
            hint = " (did you mean --" + f.name;
            for (const auto& a : f.aliases) hint += " / --" + a;
            hint += "?)";
          }
        }
      }
      throw UsageError("unknown flag '--" + name + "'" + hint);
    }
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
