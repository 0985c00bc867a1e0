#include "host/plugin/internal/trusted_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

namespace mb::plugin_internal {
namespace fs = std::filesystem;

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string octal_mode(mode_t mode) {
  std::ostringstream out;
  out << '0' << std::oct << (mode & 07777);
  return out.str();
}

// Why an entry that O_NOFOLLOW refused to open is not what we wanted, from its own lstat.
std::string refused_entry(int folder_fd, const fs::path& path, int open_errno,
                          std::string_view wanted) {
  struct stat st {};
  if (::fstatat(folder_fd, path.filename().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) return path.string() + " is a symbolic link";
    if (open_errno == ENOTDIR || open_errno == ELOOP)
      return path.string() + " is not " + std::string(wanted);
  }
  if (open_errno == ENOENT) return path.string() + " does not exist";
  return path.string() + " cannot be opened: " + errno_text(open_errno);
}

Result<struct stat> stat_fd(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Status::Fatal("cannot stat " + path.string() + ": " + errno_text(errno));
  return st;
}

// Reads up to `size` bytes at `offset`, retrying interrupted reads; -1 on error.
ssize_t pread_some(int fd, char* buffer, size_t size, off_t offset) {
  ssize_t n;
  do n = ::pread(fd, buffer, size, offset);
  while (n < 0 && errno == EINTR);
  return n;
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool same_contents_version(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

constexpr std::string_view kRuntimePrefix = "meterbridge-plugins-";

// Empties the folder behind `dir_fd` (it holds only files: copies are never folders).
void remove_files_in(int dir_fd) {
  DIR* d = ::fdopendir(::dup(dir_fd));
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
      names.emplace_back(e->d_name);
  ::closedir(d);
  for (const auto& name : names) ::unlinkat(dir_fd, name.c_str(), 0);
}

// The pid in a runtime folder's name "meterbridge-plugins-<pid>-XXXXXX", or 0.
pid_t runtime_folder_pid(std::string_view name) {
  if (name.substr(0, kRuntimePrefix.size()) != kRuntimePrefix) return 0;
  name.remove_prefix(kRuntimePrefix.size());
  size_t dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9) return 0;
  pid_t pid = 0;
  for (char c : name.substr(0, dash)) {
    if (c < '0' || c > '9') return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

// The process-wide runtime folder. Destroyed at exit, when it removes itself with the copies in
// it — but only in the process that made it, never in a forked child that calls exit().
class RuntimeFolder {
 public:
  static RuntimeFolder& instance() {
    static RuntimeFolder folder;
    return folder;
  }

  // The folder's path and descriptor, creating it on first use, and again if it was removed
  // meanwhile (a tmp cleaner ages out what a long-running process made at start). A failure is
  // not remembered: a later rescan tries again.
  Result<std::pair<fs::path, int>> get() {
    std::lock_guard lock(mu_);
    struct stat st {};
    if (fd_.valid() && (::fstat(fd_.get(), &st) != 0 || st.st_nlink == 0)) fd_.reset();
    if (!fd_.valid()) {
      Status s = create();
      if (!s.ok()) return s;
    }
    return std::make_pair(path_, fd_.get());
  }

  ~RuntimeFolder() {
    if (!fd_.valid() || ::getpid() != owner_pid_) return;
    remove_files_in(fd_.get());
    ::rmdir(path_.c_str());
  }

 private:
  static std::vector<fs::path> candidate_parents() {
    std::vector<fs::path> out;
    auto from_env = [&](const char* name) {
      const char* value = std::getenv(name);
      if (value == nullptr || *value == '\0') return;
      std::string text(value);
      out.emplace_back(text.substr(0, text.find(':')));  // RUNTIME_DIRECTORY may list several
    };
    from_env("RUNTIME_DIRECTORY");
    from_env("XDG_RUNTIME_DIR");
    from_env("TMPDIR");
    out.emplace_back("/tmp");
    out.emplace_back("/var/tmp");
    return out;
  }

  Status create() {
    std::string tried;
    for (const fs::path& parent : candidate_parents()) {
      std::string why = try_create_in(parent);
      if (why.empty()) {
        remove_stale_runtime_folders(parent);
        return Status::Ok();
      }
      tried += (tried.empty() ? "" : "; ") + why;
    }
    return Status::Fatal("no usable runtime folder for private plugin copies (" + tried + ")");
  }

  // Empty on success; otherwise why `parent` cannot hold the runtime folder.
  std::string try_create_in(const fs::path& parent) {
    std::string pattern =
        (parent / (std::string(kRuntimePrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) return parent.string() + ": " + errno_text(errno);
    UniqueFd fd(::open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    struct statvfs vfs {};
    std::string why;
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || ::fchmod(fd.get(), 0700) != 0)
      why = pattern + ": " + errno_text(errno);
    else if (st.st_uid != ::geteuid())
      why = pattern + " is not owned by this process's user";
    else if (::fstatvfs(fd.get(), &vfs) == 0 && (vfs.f_flag & ST_NOEXEC) != 0)
      why = parent.string() + " is on a file system mounted noexec";
    if (!why.empty()) {
      ::rmdir(pattern.c_str());
      return why;
    }
    path_ = pattern;
    fd_ = std::move(fd);
    owner_pid_ = ::getpid();
    return "";
  }

  std::mutex mu_;
  fs::path path_;
  UniqueFd fd_;
  pid_t owner_pid_ = 0;
};

}  // namespace

int remove_stale_runtime_folders(const fs::path& parent) {
  UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd.valid()) return 0;
  DIR* d = ::fdopendir(::dup(parent_fd.get()));
  if (d == nullptr) return 0;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = runtime_folder_pid(e->d_name);
    // kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: it does).
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
      stale.emplace_back(e->d_name);
  }
  ::closedir(d);
  int removed = 0;
  for (const auto& name : stale) {
    UniqueFd folder(
        ::openat(parent_fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!folder.valid() || ::fstat(folder.get(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    remove_files_in(folder.get());
    if (::unlinkat(parent_fd.get(), name.c_str(), AT_REMOVEDIR) == 0) ++removed;
  }
  return removed;
}

std::string untrusted_reason(const fs::path& path, const struct stat& st, bool sticky_folder_ok) {
  uid_t service_user = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != service_user)
    return path.string() + " is owned by uid " + std::to_string(st.st_uid) +
           ", not root or the service user (uid " + std::to_string(service_user) + ")";
  bool by_group = (st.st_mode & S_IWGRP) != 0;
  bool by_others = (st.st_mode & S_IWOTH) != 0;
  if (!by_group && !by_others) return "";
  if (sticky_folder_ok && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0) return "";
  std::string who = by_group && by_others ? "group and others" : by_group ? "group" : "others";
  return path.string() + " is writable by " + who + " (mode " + octal_mode(st.st_mode) +
         "); only its owner may write it";
}

Result<UniqueFd> open_trusted_folder(const fs::path& dir) {
  std::error_code ec;
  fs::path absolute = fs::absolute(dir, ec).lexically_normal();
  if (ec) return Status::ConfigInvalid("plugin folder " + dir.string() + ": " + ec.message());
  if (!absolute.has_filename() && absolute.has_relative_path())
    absolute = absolute.parent_path();  // "a/b/"
  fs::path resolved = absolute;
  if (absolute.has_relative_path()) {
    char* real_parent = ::realpath(absolute.parent_path().c_str(), nullptr);
    if (real_parent == nullptr)
      return Status::ConfigInvalid(absolute.parent_path().string() + ": " + errno_text(errno));
    resolved = fs::path(real_parent) / absolute.filename();
    std::free(real_parent);
  }

  // Walk down from "/" without following links, checking each folder on its own descriptor.
  fs::path at = "/";
  UniqueFd fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::Fatal("cannot open /: " + errno_text(errno));
  const fs::path below_root = resolved.relative_path();
  for (auto part = below_root.begin();; ++part) {
    auto st = stat_fd(fd.get(), at);
    if (!st) return st.status();
    std::string why = untrusted_reason(at, *st, /*sticky_folder_ok=*/at != resolved);
    if (!why.empty()) return Status::ConfigInvalid(why);
    if (part == below_root.end()) break;
    fs::path next_path = at / *part;
    int next = ::openat(fd.get(), part->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0)
      return Status::ConfigInvalid(refused_entry(fd.get(), next_path, errno, "a folder"));
    fd = UniqueFd(next);
    at = next_path;
  }
  return fd;
}

Result<UniqueFd> open_trusted_file(int folder_fd, const fs::path& path) {
  UniqueFd fd(::openat(folder_fd, path.filename().c_str(),
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path.string() + " does not exist");
    return Status::ConfigInvalid(refused_entry(folder_fd, path, err, "a regular file"));
  }
  auto st = stat_fd(fd.get(), path);
  if (!st) return st.status();
  if (!S_ISREG(st->st_mode)) return Status::ConfigInvalid(path.string() + " is not a regular file");
  std::string why = untrusted_reason(path, *st, false);
  if (!why.empty()) return Status::ConfigInvalid(why);
  return fd;
}

Result<std::string> read_file_fd(int fd, size_t max_bytes, const fs::path& shown_path) {
  std::string out;
  std::array<char, 65536> buffer;
  for (;;) {
    ssize_t n = pread_some(fd, buffer.data(), buffer.size(), static_cast<off_t>(out.size()));
    if (n < 0)
      return Status::Fatal("cannot read " + shown_path.string() + ": " + errno_text(errno));
    if (n == 0) return out;
    out.append(buffer.data(), static_cast<size_t>(n));
    if (out.size() > max_bytes)
      return Status::ConfigInvalid(shown_path.string() + " is larger than " +
                                   std::to_string(max_bytes) + " bytes");
  }
}

Result<std::string> sha256_fd(int fd) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<char, 65536> buffer;
  for (off_t offset = 0;;) {
    ssize_t n = pread_some(fd, buffer.data(), buffer.size(), offset);
    if (n < 0) return Status::Fatal(std::string("cannot read for sha256: ") + errno_text(errno));
    if (n == 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(n));
    offset += n;
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&state, digest.data());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex;
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex;
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

Result<PrivateCopy> PrivateCopy::make(int source_fd, std::string_view stem,
                                      std::string_view suffix) {
  auto folder = RuntimeFolder::instance().get();
  if (!folder) return folder.status();
  const auto& [folder_path, folder_fd] = *folder;
  static std::atomic<uint64_t> sequence{0};
  std::string name = std::string(stem) + "-" + std::to_string(++sequence) + std::string(suffix);
  fs::path path = folder_path / name;

  UniqueFd out(::openat(folder_fd, name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500));
  if (!out.valid())
    return Status::Fatal("cannot create " + path.string() + ": " + errno_text(errno));
  // From here on the object owns the file: any early return removes it.
  PrivateCopy copy(path, UniqueFd());
  auto source_before = stat_fd(source_fd, "the library");
  if (!source_before) return source_before.status();
  std::array<char, 65536> buffer;
  for (off_t offset = 0;;) {
    ssize_t n = pread_some(source_fd, buffer.data(), buffer.size(), offset);
    if (n < 0) return Status::Fatal("cannot read the library: " + errno_text(errno));
    if (n == 0) break;
    if (!write_all(out.get(), buffer.data(), static_cast<size_t>(n)))
      return Status::Fatal("cannot write " + path.string() + ": " + errno_text(errno));
    offset += n;
  }
  auto source_after = stat_fd(source_fd, "the library");
  if (!source_after) return source_after.status();
  if (!same_contents_version(*source_before, *source_after))
    return Status::Retry("the library changed while it was being copied; load it again");
  if (::fchmod(out.get(), 0500) != 0)
    return Status::Fatal("cannot chmod " + path.string() + ": " + errno_text(errno));
  auto written = stat_fd(out.get(), path);
  if (!written) return written.status();
  out.reset();

  // Read back through a fresh read-only descriptor, proven to be the file just written.
  copy.fd_ = UniqueFd(::openat(folder_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!copy.fd_.valid())
    return Status::Fatal("cannot open " + path.string() + ": " + errno_text(errno));
  auto reopened = stat_fd(copy.fd(), path);
  if (!reopened) return reopened.status();
  if (reopened->st_dev != written->st_dev || reopened->st_ino != written->st_ino ||
      reopened->st_nlink != 1 || reopened->st_uid != ::geteuid() || (reopened->st_mode & 0222) != 0)
    return Status::Fatal(path.string() + " changed after it was written");
  return copy;
}

PrivateCopy::PrivateCopy(PrivateCopy&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)), kept_(other.kept_) {
  other.kept_ = true;  // the moved-from object no longer owns the file
}

PrivateCopy::~PrivateCopy() {
  if (!kept_ && !path_.empty()) ::unlink(path_.c_str());
}

UniqueFd PrivateCopy::keep() {
  kept_ = true;
  return std::move(fd_);
}

Result<fs::path> runtime_folder() {
  auto folder = RuntimeFolder::instance().get();
  if (!folder) return folder.status();
  return folder->first;
}

}  // namespace mb::plugin_internal
