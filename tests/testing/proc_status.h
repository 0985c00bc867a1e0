// A field of a process's /proc/PID/status in KiB ("VmRSS": resident now, "VmHWM": the most
// resident it has been), for tests that bound a daemon's memory; 0 when it cannot be read.
#ifndef METERBRIDGE_TESTS_TESTING_PROC_STATUS_H_
#define METERBRIDGE_TESTS_TESTING_PROC_STATUS_H_

#include <sys/types.h>

#include <cstddef>
#include <fstream>
#include <string>

namespace mb::testing {

inline size_t proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const std::string prefix = field + ":";
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(prefix, 0) == 0) return std::stoul(line.substr(prefix.size()));
  return 0;
}

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_PROC_STATUS_H_
