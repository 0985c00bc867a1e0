#include "host/plugin/internal/trusted_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testing/temp_dir.h"

namespace mb::plugin_internal {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

pid_t a_pid_that_is_gone() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST(TrustedFiles, AStickyWorldWritableFolderIsTrustedOnlyAboveThePluginFolder) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 01777);
  struct stat st {};
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(untrusted_reason(dir.path(), st, /*sticky_folder_ok=*/true), "");
  EXPECT_NE(
      untrusted_reason(dir.path(), st, false).find("is writable by group and others (mode 01777)"),
      std::string::npos);
}

TEST(TrustedFiles, TheRuntimeFolderIsPrivateToThisUserAndNamesThisProcess) {
  auto folder = runtime_folder();
  ASSERT_TRUE(folder) << folder.status().message();
  struct stat st {};
  ASSERT_EQ(::lstat(folder->c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(folder->filename().string().rfind(
                "meterbridge-plugins-" + std::to_string(::getpid()) + "-", 0),
            0u)
      << *folder;
}

TEST(TrustedFiles, APrivateCopyIsReadOnlyAndGoneUnlessKept) {
  TempDir dir;
  auto source_path = dir.write("lib.so", "not really a library", 0644);
  UniqueFd source(::open(source_path.c_str(), O_RDONLY | O_CLOEXEC));
  fs::path copied;
  {
    auto copy = PrivateCopy::make(source.get(), "lib");
    ASSERT_TRUE(copy) << copy.status().message();
    copied = copy->path();
    EXPECT_EQ(copied.parent_path(), runtime_folder().value());
    EXPECT_EQ(sha256_fd(copy->fd()).value(), sha256_hex("not really a library"));
    struct stat st {};
    ASSERT_EQ(::stat(copied.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0500u);
  }
  EXPECT_FALSE(fs::exists(copied));
}

TEST(TrustedFiles, RemovesOnlyTheRuntimeFoldersOfProcessesThatAreGone) {
  TempDir parent;
  std::string gone = "meterbridge-plugins-" + std::to_string(a_pid_that_is_gone()) + "-AbC123";
  std::string alive = "meterbridge-plugins-" + std::to_string(::getppid()) + "-DeF456";
  parent.write(gone + "/good-1.so", "x", 0500);
  parent.write(alive + "/good-1.so", "x", 0500);
  parent.write("meterbridge-plugins-notapid-XyZ789/keep", "x");
  parent.write("unrelated/keep", "x");

  EXPECT_EQ(remove_stale_runtime_folders(parent.path()), 1);
  EXPECT_FALSE(fs::exists(parent / gone));
  EXPECT_TRUE(fs::exists(parent / alive / "good-1.so"));
  EXPECT_TRUE(fs::exists(parent / "meterbridge-plugins-notapid-XyZ789" / "keep"));
  EXPECT_TRUE(fs::exists(parent / "unrelated" / "keep"));
}

}  // namespace
}  // namespace mb::plugin_internal
