// Running the nash program as a real process in a fresh directory, for the CLI tests.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#ifndef NASH_CLI_PATH
#error "tests/CMakeLists.txt must define NASH_CLI_PATH (the nash executable)"
#endif


namespace nash_cli_test {

namespace fs = std::filesystem;

// A fresh directory per test, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "nash_cli_XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Starts `nash args...` with stdout/stderr going to files in `dir`; returns the child's pid.
inline pid_t spawn(const std::vector<std::string>& args, const TempDir& dir, const std::string& tag) {
  const std::string out = dir / (tag + ".out"), err = dir / (tag + ".err");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    if (::chdir(dir.path.c_str()) != 0) ::_exit(126);
    std::vector<char*> argv;
    std::string exe = NASH_CLI_PATH;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

struct Result {
  int code = -1;  // exit code, or 128 + signal
  std::string out, err;
};

inline Result wait_for(pid_t pid, const TempDir& dir, const std::string& tag) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir / (tag + ".out"));
  r.err = slurp(dir / (tag + ".err"));
  return r;
}

// Runs nash in `dir` (relative paths in args are relative to it) and waits for it.
inline Result nash_run(const std::vector<std::string>& args, const TempDir& dir, const std::string& tag = "run") {
  return wait_for(spawn(args, dir, tag), dir, tag);
}

// An error is one line on stderr.
inline void require_one_line_error(const Result& r, int code, const std::string& fragment) {
  INFO("stderr: " << r.err);
  CHECK(r.code == code);
  CHECK(lines_of(r.err).size() == 1);
  CHECK(r.err.find(fragment) != std::string::npos);
}

// PNG signature and IHDR: returns {width, height}.
inline std::pair<uint32_t, uint32_t> png_size(const std::string& path) {
  std::string b = slurp(path);
  REQUIRE(b.size() > 33);
  REQUIRE(b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  REQUIRE(b.compare(12, 4, "IHDR") == 0);
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
           (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
  };
  return {be32(16), be32(20)};
}

}  // namespace nash_cli_test
