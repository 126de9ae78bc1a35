// read_file's cap, InputFile's bounds checks, and AtomicWriter: a failed or abandoned save
// leaves the previous file intact and no temp file behind.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>

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
    REQUIRE(out.temp_path().rfind(p + ".tmp-", 0) == 0);
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
