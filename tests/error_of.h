// The one helper every test file that checks error messages uses.
#pragma once
#include <string>

#include "tensor/error.h"

namespace nash::test {

// The message of the nash::Error that f throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace nash::test
