// TempDir: a private temporary folder for one test, removed when the test ends.
#ifndef METERBRIDGE_TESTS_TESTING_TEMP_DIR_H_
#define METERBRIDGE_TESTS_TESTING_TEMP_DIR_H_

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mb::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mbtest-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  std::filesystem::path write(const std::string& name, const std::string& content, mode_t mode = 0644) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where the build put things and where the sources are (compiled in by mb_cc_test).
inline std::filesystem::path build_dir() { return MB_TEST_BUILD_DIR; }
inline std::filesystem::path source_dir() { return MB_TEST_SOURCE_DIR; }

// Copies every file of a built plugin's folder (e.g. build_dir() / "test-plugins" / "ledger")
// into `plugins`, a folder the loader trusts: created if need be, it and the files 0755.
inline void install_plugin(const std::filesystem::path& built,
                           const std::filesystem::path& plugins) {
  std::filesystem::create_directories(plugins);
  ::chmod(plugins.c_str(), 0755);
  for (const auto& e : std::filesystem::directory_iterator(built)) {
    std::filesystem::copy_file(e.path(), plugins / e.path().filename());
    ::chmod((plugins / e.path().filename()).c_str(), 0755);
  }
}

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_TEMP_DIR_H_
