// Helpers for the file-format tests (tensor/io and nn/data): a fresh temporary directory per
// test, writing raw bytes to a file, and the message of the nash::Error a call must throw.
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "error_of.h"
#include "tensor/error.h"

namespace nash::test::io {

// A new directory under the system temp dir ("<prefix>_XXXXXX"), removed with its contents.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "nash_io") {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;  // never throw from a destructor
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  // How many entries the directory holds (a failed save must leave no temp file behind).
  size_t count() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(path),
                                             std::filesystem::directory_iterator()));
  }
};

// Writes `bytes` as the whole file. Removes it first: ext4 flushes a truncated-and-rewritten
// file on close, which is slow.
inline void put(const std::string& path, const std::string& bytes) {
  std::filesystem::remove(path);
  std::ofstream(path, std::ios::binary) << bytes;
}

// The message of the nash::Error that f throws; fails the test if it throws none.
template <class F>
std::string error_of(F&& f) {
  std::string message = nash::test::error_of(f);
  if (message.empty()) FAIL("expected nash::Error");
  return message;
}

}  // namespace nash::test::io
