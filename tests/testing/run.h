// Runs a command line (through /bin/sh) and captures its exit code, stdout and stderr.
#ifndef METERBRIDGE_TESTS_TESTING_RUN_H_
#define METERBRIDGE_TESTS_TESTING_RUN_H_

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/testing/temp_dir.h"

namespace mb::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline RunResult run(const std::string& command, const std::string& stdin_text = "") {
  TempDir io;
  auto in = io.write("stdin", stdin_text);
  std::string full = command + " < '" + in.string() + "' > '" + (io / "stdout").string() + "' 2> '" +
                     (io / "stderr").string() + "'";
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(io / "stdout");
  r.err = read_file(io / "stderr");
  return r;
}

inline std::string meterbridge_binary() { return (build_dir() / "bin" / "meterbridge").string(); }

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_RUN_H_
