#include "host/common/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <istream>

namespace mb {
namespace {

Status too_large(size_t max_bytes) {
  return Status::ConfigInvalid("is larger than the " + format_byte_size(max_bytes) + " limit");
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string format_byte_size(size_t bytes) {
  constexpr size_t kKiB = 1024, kMiB = 1024 * 1024;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_regular_file(const std::filesystem::path& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    int err = errno;
    std::string reason = std::string("cannot be read: ") + std::strerror(err);
    return err == ENOENT ? Status::NotFound(reason) : Status::ConfigInvalid(reason);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return Status::ConfigInvalid(std::string("cannot be read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::ConfigInvalid("is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large(max_bytes);
  // The size can change between fstat and read: read at most one byte more than allowed.
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t have = 0;
  for (;;) {
    if (have == out.size()) out.resize(std::min(max_bytes + 1, out.size() * 2 + 4096));
    ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::ConfigInvalid(std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<size_t>(n);
    if (have > max_bytes) return too_large(max_bytes);
  }
  out.resize(have);
  return out;
}

Result<std::string> read_stream(std::istream& in, size_t max_bytes) {
  std::string out;
  char buffer[64 * 1024];
  while (in) {
    in.read(buffer, sizeof buffer);
    out.append(buffer, static_cast<size_t>(in.gcount()));
    if (out.size() > max_bytes) return too_large(max_bytes);
  }
  if (in.bad()) return Status::ConfigInvalid("cannot be read");
  return out;
}

}  // namespace mb
