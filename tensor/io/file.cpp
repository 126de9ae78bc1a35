// Whole-file reads, the bounds-checked InputFile, and AtomicWriter (temp + fsync + rename).
#include "tensor/io/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "tensor/error.h"

namespace nash {
namespace {

std::string errno_str(int err) { return std::strerror(err); }

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// fsync the directory so the rename itself survives a crash; best effort (some filesystems
// refuse to fsync directories, and the data is already safe in the renamed file).
void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// When this process started (near enough: when the library's statics were initialised).
const struct timespec kProcessStart = [] {
  struct timespec t {};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return t;
}();

// What follows ".tmp-" in an AtomicWriter's temp name: "<pid>-XXXXXX" (pid > 0) or, from older
// writers, "XXXXXX" (pid 0). mkstemp's six characters are letters and digits.
bool parse_temp_suffix(std::string_view suffix, long& pid) {
  auto alnum6 = [](std::string_view x) {
    auto alnum = [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    return x.size() == 6 && std::all_of(x.begin(), x.end(), alnum);
  };
  pid = 0;
  if (alnum6(suffix)) return true;
  const size_t dash = suffix.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9 || !alnum6(suffix.substr(dash + 1)))
    return false;
  for (char c : suffix.substr(0, dash)) {
    if (c < '0' || c > '9') return false;
    pid = pid * 10 + (c - '0');
  }
  return pid > 0;
}

bool process_running(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

bool modified_before(const struct stat& st, const struct timespec& t) {
  return st.st_mtim.tv_sec < t.tv_sec ||
         (st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec < t.tv_nsec);
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
  InputFile in(path);
  NASH_CHECK(in.size() <= max_bytes, "read_file: ", path, ": file is ", in.size(),
             " bytes, more than the limit of ", max_bytes);
  std::string bytes(static_cast<size_t>(in.size()), '\0');
  in.read_exact(bytes.data(), bytes.size(), "the file");
  return bytes;
}

// ---- InputFile -----------------------------------------------------------------------------------

InputFile::InputFile(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  NASH_CHECK(file_ != nullptr, path, ": cannot open for reading: ", errno_str(errno));
  struct stat st {};
  if (::fstat(::fileno(file_), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(file_);
    file_ = nullptr;
    fail(path, ": not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (file_) std::fclose(file_);
}

void InputFile::seek(uint64_t pos) {
  NASH_CHECK(pos <= size_, path_, ": seek to offset ", pos, " past the end of the file (",
             size_, " bytes)");
  NASH_CHECK(::fseeko(file_, static_cast<off_t>(pos), SEEK_SET) == 0, path_,
             ": seek failed: ", errno_str(errno));
  pos_ = pos;
}

void InputFile::read_exact(void* dst, uint64_t n, const char* what) {
  NASH_CHECK(n <= remaining(), path_, ": truncated while reading ", what, ": needed ", n,
             " bytes at offset ", pos_, ", the file has ", size_);
  auto* out = static_cast<unsigned char*>(dst);
  uint64_t done = 0;
  while (done < n) {
    size_t got = std::fread(out + done, 1, static_cast<size_t>(n - done), file_);
    if (got == 0) {
      int err = errno;
      NASH_CHECK(!std::ferror(file_), path_, ": read error while reading ", what, ": ",
                 errno_str(err));
      fail(path_, ": truncated while reading ", what, ": needed ", n, " bytes at offset ", pos_,
           ", got ", done, " (the file shrank while being read)");
    }
    done += got;
  }
  pos_ += n;
}

// ---- AtomicWriter --------------------------------------------------------------------------------

AtomicWriter::AtomicWriter(const std::string& path) : path_(path) {
  NASH_CHECK(!path.empty() && path.back() != '/', "save: invalid file path '", path, "'");
  std::string templ = path + ".tmp-" + std::to_string(::getpid()) + "-XXXXXX";
  int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  NASH_CHECK(fd >= 0, path, ": cannot create temporary file ", templ, ": ", errno_str(errno));
  temp_path_ = templ;
  // Held until the file is closed, or by the kernel until this process dies: how
  // remove_stale_temporaries tells a live writer from a dead one. Best effort (some filesystems
  // have no locks; the pid in the name still protects a live writer on this machine).
  (void)::flock(fd, LOCK_EX | LOCK_NB);
  // mkstemp makes 0600 files; keep the replaced file's mode, or use the usual 0644.
  struct stat st {};
  mode_t mode = (::stat(path.c_str(), &st) == 0) ? (st.st_mode & 07777) : 0644;
  (void)::fchmod(fd, mode);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    int err = errno;
    ::close(fd);
    ::unlink(temp_path_.c_str());
    fail(path, ": cannot open temporary file ", temp_path_, ": ", errno_str(err));
  }
}

AtomicWriter::~AtomicWriter() {
  if (!committed_) discard();
}

void AtomicWriter::discard() noexcept {
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void AtomicWriter::write(const void* data, uint64_t n) {
  NASH_CHECK(file_ != nullptr && !committed_, path_, ": write after commit or failure");
  if (n == 0) return;
  if (std::fwrite(data, 1, static_cast<size_t>(n), file_) != n) {
    int err = errno;
    std::string temp = temp_path_;
    discard();
    fail(path_, ": write to ", temp, " failed: ", errno_str(err));
  }
}

void AtomicWriter::commit() {
  NASH_CHECK(file_ != nullptr && !committed_, path_, ": commit after commit or failure");
  int err = 0;
  const char* step = nullptr;
  if (std::fflush(file_) != 0) {
    err = errno, step = "flush";
  } else if (::fsync(::fileno(file_)) != 0) {
    err = errno, step = "fsync";
  }
  int close_rc = std::fclose(file_);
  file_ = nullptr;
  if (!step && close_rc != 0) err = errno, step = "close";
  if (!step && ::rename(temp_path_.c_str(), path_.c_str()) != 0) err = errno, step = "rename";
  if (step) {
    std::string temp = temp_path_;
    discard();
    fail(path_, ": saving failed at ", step, " of ", temp, ": ", errno_str(err),
         " (the previous file, if any, is unchanged)");
  }
  committed_ = true;
  temp_path_.clear();
  sync_dir(dir_of(path_));
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicWriter out(path);
  out.write(bytes);
  out.commit();
}

// ---- stale temporaries -----------------------------------------------------------------------

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  NASH_CHECK(d != nullptr, "remove_stale_temporaries: ", dir, ": cannot open directory: ",
             errno_str(errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    const size_t at = name.rfind(".tmp-");
    long pid = 0;
    if (at != std::string_view::npos && at > 0 && parse_temp_suffix(name.substr(at + 5), pid))
      names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());

  std::vector<std::string> removed;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    long pid = 0;
    parse_temp_suffix(std::string_view(name).substr(name.rfind(".tmp-") + 5), pid);
    if (pid > 0 && process_running(pid)) continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;  // gone already, or a symlink: not a writer's temp file
    struct stat st {};
    bool stale = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 ::flock(fd, LOCK_SH | LOCK_NB) == 0 &&  // no live writer holds it
                 (pid > 0 || modified_before(st, kProcessStart));
    if (stale && ::unlink(path.c_str()) == 0) removed.push_back(path);
    ::close(fd);
  }
  return removed;
}

}  // namespace nash
