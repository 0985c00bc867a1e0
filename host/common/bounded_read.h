// Bounded reads: every file or stream the host reads because a user pointed at it (the config
// file, ${file:...} references, usage files, credentials on standard input) is read through
// these, so a path such as /dev/zero, a FIFO or a 50 GB file costs at most `max_bytes` + 1
// bytes and a clear error — never the process's memory or an endless wait.
//
//   auto text = read_regular_file(path, 64 * 1024);
//   if (!text) return Status::ConfigInvalid(path.string() + ": " + text.status().message());
#ifndef METERBRIDGE_HOST_COMMON_BOUNDED_READ_H_
#define METERBRIDGE_HOST_COMMON_BOUNDED_READ_H_

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include "host/common/status.h"

namespace mb {

// The whole content of a regular file no larger than `max_bytes`. The error message does not
// name the file (the caller knows how to): "is larger than the 64 KiB limit", "is not a regular
// file", "cannot be read: No such file or directory". A missing file is kNotFound, anything
// else kConfigInvalid.
Result<std::string> read_regular_file(const std::filesystem::path& path, size_t max_bytes);

// Everything left in `in`, when no more than `max_bytes`.
Result<std::string> read_stream(std::istream& in, size_t max_bytes);

// A regular file or a stream read piece by piece under the same rules, for documents too large
// to hold whole (usage files): the file is checked as read_regular_file checks it, and a read
// that passes `max_bytes` fails with the same "is larger than" message.
class BoundedReader {
 public:
  static Result<std::unique_ptr<BoundedReader>> open_file(const std::filesystem::path& path,
                                                          size_t max_bytes);
  static std::unique_ptr<BoundedReader> of_stream(std::istream& in, size_t max_bytes);
  ~BoundedReader();
  BoundedReader(const BoundedReader&) = delete;
  BoundedReader& operator=(const BoundedReader&) = delete;

  // Up to `size` bytes into `buffer`; 0 at the end.
  Result<size_t> read_some(char* buffer, size_t size);

 private:
  BoundedReader(int fd, std::istream* in, size_t max_bytes)
      : fd_(fd), in_(in), max_bytes_(max_bytes) {}
  int fd_;            // owned; -1 when reading a stream
  std::istream* in_;  // not owned
  size_t max_bytes_;
  size_t read_ = 0;
};

// "64 KiB", "4 MiB", "1500 bytes": how limits read in messages and docs.
std::string format_byte_size(size_t bytes);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_BOUNDED_READ_H_
