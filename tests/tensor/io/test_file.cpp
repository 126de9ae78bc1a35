// read_file's cap, InputFile's bounds checks, and AtomicWriter: a failed or abandoned save
// leaves the previous file intact and no temp file behind; a killed one leaves a temp file that
// remove_stale_temporaries removes, while a live writer's is kept.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/error.h"
#include "tensor/io/file.h"
#include "tensor/io/io_test_util.h"

using namespace nash;
using namespace nash::test::io;
namespace fs = std::filesystem;

TEST_CASE("read_file returns the bytes and enforces its cap", "[io][file]") {
  TempDir dir;
  const std::string p = dir / "a.bin";
  const std::string bytes("ab\0cd\xff", 6);
  put(p, bytes);
  REQUIRE(read_file(p) == bytes);
  REQUIRE(read_file(p, 6) == bytes);
  REQUIRE_THAT(error_of([&] { read_file(p, 5); }),
               Catch::Contains(p) && Catch::Contains("6 bytes, more than the limit of 5"));
  REQUIRE_THAT(error_of([&] { read_file(dir / "missing"); }),
               Catch::Contains(dir / "missing") && Catch::Contains("cannot open"));
  REQUIRE_THAT(error_of([&] { read_file(dir.path); }), Catch::Contains("not a regular file"));
  REQUIRE(file_exists(p));
  REQUIRE_FALSE(file_exists(dir / "missing"));
  REQUIRE_FALSE(file_exists(dir.path));
}

TEST_CASE("InputFile reads exactly and reports truncation with offsets", "[io][file]") {
  TempDir dir;
  const std::string p = dir / "b.bin";
  put(p, "0123456789");
  InputFile in(p);
  REQUIRE(in.size() == 10);
  char buf[8];
  in.read_exact(buf, 4, "head");
  REQUIRE(std::string(buf, 4) == "0123");
  REQUIRE(in.tell() == 4);
  REQUIRE(in.remaining() == 6);
  REQUIRE_THAT(error_of([&] { in.read_exact(buf, 7, "the body"); }),
               Catch::Contains("truncated while reading the body: needed 7 bytes at offset 4, the file has 10"));
  in.seek(8);
  in.read_exact(buf, 2, "tail");
  REQUIRE(std::string(buf, 2) == "89");
  REQUIRE_THAT(error_of([&] { in.seek(11); }), Catch::Contains("past the end"));
}

TEST_CASE("write_file_atomic replaces the file and keeps its mode", "[io][file]") {
  TempDir dir;
  const std::string p = dir / "c.txt";
  write_file_atomic(p, "first");
  REQUIRE(read_file(p) == "first");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0644);
  REQUIRE(::chmod(p.c_str(), 0600) == 0);
  write_file_atomic(p, std::string("second\0x", 8));
  REQUIRE(read_file(p) == std::string("second\0x", 8));
  REQUIRE(::stat(p.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0600);
  REQUIRE(dir.count() == 1);  // no temp files left
}

TEST_CASE("an abandoned save leaves the previous file and no temp file", "[io][file]") {
  TempDir dir;
  const std::string p = dir / "model.bin";
  write_file_atomic(p, "previous contents");
  try {
    AtomicWriter out(p);
    out.write("partial new con");
    // The temp file sits next to the target while the save is in progress.
    REQUIRE(out.temp_path().rfind(p + ".tmp-" + std::to_string(::getpid()) + "-", 0) == 0);
    REQUIRE(fs::exists(out.temp_path()));
    REQUIRE(dir.count() == 2);
    throw std::runtime_error("interrupted");  // e.g. a tensor failed to serialize
  } catch (const std::runtime_error&) {
  }
  REQUIRE(read_file(p) == "previous contents");
  REQUIRE(dir.count() == 1);
}

TEST_CASE("a save into a missing directory fails naming the path", "[io][file]") {
  TempDir dir;
  const std::string p = dir / "no/such/dir/x.bin";
  REQUIRE_THAT(error_of([&] { write_file_atomic(p, "x"); }),
               Catch::Contains(p) && Catch::Contains("cannot create temporary file"));
  REQUIRE_THAT(error_of([&] { AtomicWriter w(dir.path + "/"); }), Catch::Contains("invalid file path"));
  // A failing rename (the target is a non-empty directory) removes the temp and reports it.
  fs::create_directories(dir / "taken/inner");
  REQUIRE_THAT(error_of([&] { write_file_atomic(dir / "taken", "x"); }),
               Catch::Contains("saving failed at rename") && Catch::Contains("unchanged"));
  REQUIRE(dir.count() == 1);
  REQUIRE(fs::is_directory(dir / "taken/inner"));
}

namespace {
// Starts a child process that opens an AtomicWriter on `path`, writes, reports its temp file's
// name through a pipe, and then either is killed at once (kill_now) or waits to be killed.
struct Writer {
  pid_t pid = -1;
  std::string temp;
};
Writer start_writer(const std::string& path, bool kill_now) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Writer w;
  w.pid = ::fork();
  REQUIRE(w.pid >= 0);
  if (w.pid == 0) {
    ::close(fds[0]);
    try {
      AtomicWriter out(path);
      out.write("half a checkpoint");
      const std::string& t = out.temp_path();
      if (::write(fds[1], t.data(), t.size()) != static_cast<ssize_t>(t.size())) ::_exit(2);
      ::close(fds[1]);
      if (kill_now) ::raise(SIGKILL);  // as `kill -9` mid-save: no destructor runs
      for (;;) ::pause();
    } catch (...) {
      ::_exit(3);  // never return into the test runner from the child
    }
  }
  ::close(fds[1]);
  char buf[4096];
  ssize_t n = 0, got;
  while ((got = ::read(fds[0], buf + n, sizeof buf - n)) > 0) n += got;
  ::close(fds[0]);
  w.temp.assign(buf, static_cast<size_t>(n));
  return w;
}
void reap_killed(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}
std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
void set_mtime(const std::string& path, time_t seconds_from_now) {
  struct timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec += seconds_from_now;
  times[1] = times[0];
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}
}  // namespace

TEST_CASE("remove_stale_temporaries removes what killed writers left, and only that", "[io][file]") {
  TempDir dir;
  write_file_atomic(dir / "checkpoint.safetensors", "the last good checkpoint");
  // A writer killed with SIGKILL mid-save leaves its temp file next to the target.
  Writer killed = start_writer(dir / "checkpoint.safetensors", /*kill_now=*/true);
  reap_killed(killed.pid);
  REQUIRE(fs::exists(killed.temp));
  // A writer of another process that is still saving, and one of this process.
  Writer live = start_writer(dir / "loss.svg", /*kill_now=*/false);
  AtomicWriter mine(dir / "samples.png");
  mine.write("x");
  // Older writers named temp files without a pid: removed when older than this process.
  put(dir / "old.json.tmp-AbC123", "stale");
  set_mtime(dir / "old.json.tmp-AbC123", -3600);
  put(dir / "new.json.tmp-XyZ789", "maybe a live older writer");
  set_mtime(dir / "new.json.tmp-XyZ789", 3600);
  // A dead pid's file that some process still holds locked (a writer on another machine).
  const std::string locked = dir / ("remote.bin.tmp-" + std::to_string(killed.pid) + "-q1w2e3");
  put(locked, "in progress elsewhere");
  int lock_fd = ::open(locked.c_str(), O_RDONLY);
  REQUIRE(lock_fd >= 0);
  REQUIRE(::flock(lock_fd, LOCK_EX) == 0);
  // Names outside the pattern, and a directory that matches it, are never touched.
  put(dir / "notes.tmp-draft", "mine");
  put(dir / ".tmp-123-abcdef", "no target name");
  put(dir / "x.tmp-12-abcdefg", "seven characters");
  fs::create_directory(dir / ("d.tmp-" + std::to_string(killed.pid) + "-abcdef"));

  CHECK(remove_stale_temporaries(dir.path) == sorted({killed.temp, dir / "old.json.tmp-AbC123"}));
  CHECK(read_file(dir / "checkpoint.safetensors") == "the last good checkpoint");
  CHECK(fs::exists(live.temp));
  CHECK(fs::exists(mine.temp_path()));
  CHECK(fs::exists(dir / "new.json.tmp-XyZ789"));
  CHECK(fs::exists(locked));
  CHECK(dir.count() == 9);
  mine.commit();
  CHECK(read_file(dir / "samples.png") == "x");

  // Once the other writer is killed and the lock released, their files are stale too.
  REQUIRE(::kill(live.pid, SIGKILL) == 0);
  reap_killed(live.pid);
  ::close(lock_fd);
  CHECK(remove_stale_temporaries(dir.path) == sorted({live.temp, locked}));
  CHECK(remove_stale_temporaries(dir.path).empty());
  CHECK(dir.count() == 7);
}

TEST_CASE("remove_stale_temporaries names a directory it cannot read", "[io][file]") {
  TempDir dir;
  CHECK_THAT(error_of([&] { remove_stale_temporaries(dir / "no_such_run"); }),
             Catch::Contains("remove_stale_temporaries: " + dir / "no_such_run" +
                             ": cannot open directory"));
}
