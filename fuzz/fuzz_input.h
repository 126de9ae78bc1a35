// Shared by the fuzz targets: nash's readers take a path, so each input is written to one file
// per fuzzing process (on tmpfs when /dev/shm exists, so an execution costs no disk I/O).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace nash::fuzz {

inline std::string input_path(const char* name) {
  const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/nash_fuzz_" + name + "_" + std::to_string(::getpid());
}

inline void write_input(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();  // the machine, not the input: stop rather than fuzz nothing
  }
}

// Removes the input file when the fuzzing process ends normally.
struct InputFile {
  std::string path;
  explicit InputFile(const char* name) : path(input_path(name)) {}
  ~InputFile() { ::unlink(path.c_str()); }
};

}  // namespace nash::fuzz
