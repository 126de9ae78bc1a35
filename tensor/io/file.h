// Files on disk: whole-file reads with a size cap, a bounds-checked binary reader, and atomic
// writes (write a temp file next to the target, fsync, rename over it) so an interrupted save
// never destroys the previous file. Every error names the path.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace nash {

inline constexpr uint64_t kMaxReadFileBytes = uint64_t{4} << 30;  // 4 GiB default cap

bool file_exists(const std::string& path);  // a regular file (or a symlink to one)

// The whole file; throws if it is missing, not a regular file, or larger than max_bytes.
std::string read_file(const std::string& path, uint64_t max_bytes = kMaxReadFileBytes);

// Sequential binary reads from a regular file whose size is known up front, so callers can
// check a header's claims against the real size before allocating anything.
class InputFile {
 public:
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  uint64_t tell() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }
  void seek(uint64_t pos);
  // Reads exactly n bytes or throws "<path>: truncated while reading <what>: needed n bytes at
  // offset p, the file has m".
  void read_exact(void* dst, uint64_t n, const char* what);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
};

// Writes `<path>.tmp-<pid>-XXXXXX` in the target's directory, holding an flock on it; commit()
// flushes, fsyncs, closes and renames it over `path`. Destroying an uncommitted writer (an
// exception, a failed write) removes the temp file and leaves any previous `path` untouched; a
// writer killed outright leaves it for remove_stale_temporaries. The new file keeps the mode of
// the file it replaces, or gets 0644.
class AtomicWriter {
 public:
  explicit AtomicWriter(const std::string& path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, uint64_t n);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void commit();
  const std::string& temp_path() const { return temp_path_; }

 private:
  void discard() noexcept;
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

void write_file_atomic(const std::string& path, std::string_view bytes);

// Removes the temp files that AtomicWriters killed mid-save (SIGKILL, power loss) left directly
// in `dir`, and returns their paths in name order. Only the writer's names are considered:
// `<name>.tmp-<pid>-XXXXXX` is stale when no process <pid> runs here and no process holds its
// lock (the kernel drops a dead writer's lock); the older `<name>.tmp-XXXXXX`, written without a
// pid or lock, when it was last modified before this process started. Anything else is left
// alone; a file that cannot be removed is skipped. Throws if dir cannot be read.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

}  // namespace nash
