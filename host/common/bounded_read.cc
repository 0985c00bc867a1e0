#include "host/common/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <istream>
#include <utility>

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
  int release() { return std::exchange(fd_, -1); }

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

namespace {

// Opens a regular file for reading: never waits on a FIFO, refuses devices and directories, and
// a file already larger than `max_bytes`.
Result<int> open_regular_file(const std::filesystem::path& path, size_t max_bytes) {
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
  return fd.release();
}

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& path, size_t max_bytes) {
  auto reader = BoundedReader::open_file(path, max_bytes);
  if (!reader) return reader.status();
  std::string out;
  // The size can change between fstat and read: read_some fails one byte past the limit.
  for (;;) {
    if (out.size() == out.capacity()) out.reserve(std::min(max_bytes + 1, out.size() * 2 + 4096));
    size_t have = out.size();
    out.resize(out.capacity());
    auto n = (*reader)->read_some(out.data() + have, out.size() - have);
    if (!n) return n.status();
    out.resize(have + *n);
    if (*n == 0) return out;
  }
}

Result<std::unique_ptr<BoundedReader>> BoundedReader::open_file(const std::filesystem::path& path,
                                                                size_t max_bytes) {
  auto fd = open_regular_file(path, max_bytes);
  if (!fd) return fd.status();
  return std::unique_ptr<BoundedReader>(new BoundedReader(*fd, nullptr, max_bytes));
}

std::unique_ptr<BoundedReader> BoundedReader::of_stream(std::istream& in, size_t max_bytes) {
  return std::unique_ptr<BoundedReader>(new BoundedReader(-1, &in, max_bytes));
}

BoundedReader::~BoundedReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> BoundedReader::read_some(char* buffer, size_t size) {
  size_t n = 0;
  if (in_ != nullptr) {
    if (*in_) {
      in_->read(buffer, static_cast<std::streamsize>(size));
      n = static_cast<size_t>(in_->gcount());
    }
    if (in_->bad()) return Status::ConfigInvalid("cannot be read");
  } else {
    ssize_t got;
    do {
      got = ::read(fd_, buffer, size);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
      return Status::ConfigInvalid(std::string("cannot be read: ") + std::strerror(errno));
    n = static_cast<size_t>(got);
  }
  read_ += n;
  if (read_ > max_bytes_) return too_large(max_bytes_);
  return n;
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
