// Small text helpers shared by every layer's error messages.
#pragma once
#include <cstddef>
#include <string>

namespace nash {

// Levenshtein distance between a and b: the fewest single-character insertions, deletions and
// substitutions turning one into the other (for "did you mean ...?" hints on misspelt names).
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace nash
