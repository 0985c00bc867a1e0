// The loader's file-system rules (docs/operations.md, "Plugin folder rules"): every plugin file
// is opened through a descriptor whose owner and mode were checked on that same descriptor, so
// nothing can be swapped in between the check and the use, and every library runs from a
// private copy in a per-process runtime folder, so nothing done to the plugin folder afterwards
// can reach code that is already running.
//
//   Result<UniqueFd> folder = open_trusted_folder("/usr/lib/meterbridge/plugins");
//   Result<UniqueFd> library = open_trusted_file(folder->get(), folder_path / "libx.so");
//   Result<PrivateCopy> copy = PrivateCopy::make(library->get(), "x");
//   Result<std::string> digest = sha256_fd(copy->fd());
//
// Only the loader uses these; nothing outside host/plugin/ includes this header.
#ifndef METERBRIDGE_HOST_PLUGIN_INTERNAL_TRUSTED_FILES_H_
#define METERBRIDGE_HOST_PLUGIN_INTERNAL_TRUSTED_FILES_H_

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::plugin_internal {

// An owned file descriptor, closed when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// Why a file or folder with status `st` may not be trusted, naming `path`: owned by someone
// other than root or the effective user, or writable by group or others. A world-writable folder
// with the sticky bit (/tmp) is accepted when `sticky_folder_ok`, since nobody else can rename
// or remove what it holds. Empty when trusted.
std::string untrusted_reason(const std::filesystem::path& path, const struct stat& st,
                             bool sticky_folder_ok);

// Opens the plugin folder. Symbolic links among its ancestors are resolved first (so a path
// through /lib -> /usr/lib works); then the resolved path is walked from "/" one folder at a
// time with O_NOFOLLOW, each folder checked with untrusted_reason on its open descriptor (sticky
// ancestors allowed; the plugin folder itself never). The plugin folder may not be a symbolic
// link. The error names the folder at fault and why.
Result<UniqueFd> open_trusted_folder(const std::filesystem::path& dir);

// Opens the entry `path.filename()` of the trusted folder `folder_fd` read-only, refusing a
// symbolic link (O_NOFOLLOW) and anything but a regular file with a trusted owner and mode.
// NotFound when there is no such entry; other refusals are ConfigInvalid naming `path`.
Result<UniqueFd> open_trusted_file(int folder_fd, const std::filesystem::path& path);

// The whole file behind `fd` when it is at most `max_bytes` long.
Result<std::string> read_file_fd(int fd, size_t max_bytes, const std::filesystem::path& shown_path);

// Lower-case hex sha256 of everything behind `fd` (read with pread: the offset is untouched).
Result<std::string> sha256_fd(int fd);
std::string sha256_hex(std::string_view bytes);

// A byte-for-byte copy of a library in the runtime folder (runtime_folder()), created with
// O_EXCL under a name never used before in this process, mode 0500. The copy is removed when
// this object is destroyed unless keep() was called; kept copies are removed at exit.
class PrivateCopy {
 public:
  // Copies everything behind `source_fd`; `stem` (a plugin id) starts the copy's file name and
  // `suffix` ends it (".so" for a library, a program's own extension, so `ps` shows ".py").
  static Result<PrivateCopy> make(int source_fd, std::string_view stem,
                                  std::string_view suffix = ".so");
  ~PrivateCopy();
  PrivateCopy(PrivateCopy&&) noexcept;
  PrivateCopy& operator=(PrivateCopy&&) = delete;
  PrivateCopy(const PrivateCopy&) = delete;
  PrivateCopy& operator=(const PrivateCopy&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // An O_RDONLY descriptor of the copy, checked to be the very file that was written.
  int fd() const { return fd_.get(); }
  // Hands over the descriptor and keeps the file until exit.
  UniqueFd keep();

 private:
  PrivateCopy(std::filesystem::path path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  std::filesystem::path path_;
  UniqueFd fd_;
  bool kept_ = false;
};

// This process's runtime folder for private copies, "meterbridge-plugins-<pid>-XXXXXX", created
// on first use with mode 0700 in the first of $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=),
// $XDG_RUNTIME_DIR, $TMPDIR, /tmp, /var/tmp that accepts it and is not mounted noexec. Removed
// with its contents at exit.
Result<std::filesystem::path> runtime_folder();

// Removes the runtime folders in `parent` that processes of this user left behind when they
// were killed (their pid no longer exists), as the runtime folder does when it is created.
// Returns how many were removed.
int remove_stale_runtime_folders(const std::filesystem::path& parent);

}  // namespace mb::plugin_internal

#endif  // METERBRIDGE_HOST_PLUGIN_INTERNAL_TRUSTED_FILES_H_
