// What this process has used so far: CPU time (user + system, every thread) and resident
// memory. Benchmarks take CPU deltas around the work they measure; the peak (ru_maxrss) covers
// the whole process, so each measured workload runs in a process of its own.
#ifndef METERBRIDGE_BENCH_RESOURCES_H_
#define METERBRIDGE_BENCH_RESOURCES_H_

#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace mb::bench {

inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// High-water mark of the resident set since the process started.
inline int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

// The resident set now (from /proc/self/statm), to tell where a peak came from.
inline int64_t current_rss_bytes() {
  long pages_total = 0, pages_resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  int read = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  return read == 2 ? static_cast<int64_t>(pages_resident) * sysconf(_SC_PAGESIZE) : 0;
}

inline double megabytes(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The CPU model, its logical CPUs and the load average now: figures taken on a busy machine
// say so beside them.
inline std::string machine_summary() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  int cores = 0;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("processor", 0) == 0) ++cores;
    if (model.empty() && line.rfind("model name", 0) == 0) model = line.substr(line.find(':') + 2);
  }
  std::ifstream loadavg("/proc/loadavg");
  double l1 = 0, l5 = 0, l15 = 0;
  loadavg >> l1 >> l5 >> l15;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s, %d logical CPUs, load average %.2f %.2f %.2f",
                model.empty() ? "unknown CPU" : model.c_str(), cores, l1, l5, l15);
  return buf;
}

}  // namespace mb::bench

#endif  // METERBRIDGE_BENCH_RESOURCES_H_
