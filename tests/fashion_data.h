// Where the Debian package dataset-fashion-mnist installs Fashion-MNIST, and whether it is there:
// the tests that need the real data set skip (with a warning) when it is not.
#pragma once
#include <filesystem>
#include <string>

namespace nash::test {

inline const std::string kFashionDir = "/usr/share/datasets/fashion-mnist";

// Both splits' image files, raw or gzipped.
inline bool fashion_installed() {
  namespace fs = std::filesystem;
  for (const char* name : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"})
    if (!fs::exists(kFashionDir + "/" + name) && !fs::exists(kFashionDir + "/" + name + ".gz"))
      return false;
  return true;
}

}  // namespace nash::test
