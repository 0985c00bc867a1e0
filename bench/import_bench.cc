// `meterbridge usage import` at growing sizes, JSON and CSV, each import a process of its own:
// peak resident memory (the child's ru_maxrss, from wait4) and rows per second, printed side by
// side so that growth with the row count shows. Rows are workspaces × 10 services; the files are
// generated in a temporary folder, removed afterwards. bench/README.md records a run.
//
//   meterbridge-bench-import --meterbridge build-release/bin/meterbridge
//   meterbridge-bench-import --meterbridge ... --rows 100000,1000000,5000000
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr size_t kServices = 10;

// Writes `rows` counts (rows / 10 workspaces × 10 services) in the format `json` or `csv`.
void generate(const fs::path& path, const std::string& format, size_t rows) {
  std::ofstream out(path, std::ios::binary);
  size_t workspaces = std::max<size_t>(rows / kServices, 1);
  char line[256];
  if (format == "csv") {
    out << "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n";
    for (size_t w = 0; w < workspaces; ++w)
      for (size_t s = 0; s < kServices; ++s) {
        int n = std::snprintf(line, sizeof line,
                              "2026-11-21,w%zu,Customer %zu,s%zu,Module %zu,%zu,%zu\n", w, w, s, s,
                              (w + s) % 40, (w * 7 + s) % 90);
        out.write(line, n);
      }
    return;
  }
  out << "{\"as_of\":\"2026-11-21\",\"workspaces\":[";
  for (size_t w = 0; w < workspaces; ++w)
    out << (w == 0 ? "" : ",") << "{\"id\":\"w" << w << "\",\"name\":\"Customer " << w << "\"}";
  out << "],\"services\":[";
  for (size_t s = 0; s < kServices; ++s)
    out << (s == 0 ? "" : ",") << "{\"id\":\"s" << s << "\",\"name\":\"Module " << s << "\"}";
  out << "],\"usage\":[\n";
  for (size_t w = 0; w < workspaces; ++w)
    for (size_t s = 0; s < kServices; ++s) {
      int n = std::snprintf(line, sizeof line,
                            "%s{\"workspace_id\":\"w%zu\",\"service_id\":\"s%zu\",\"users\":%zu,"
                            "\"devices\":%zu}\n",
                            (w == 0 && s == 0) ? "" : ",", w, s, (w + s) % 40, (w * 7 + s) % 90);
      out.write(line, n);
    }
  out << "]}\n";
}

struct Measured {
  double seconds = 0;
  double peak_rss_mb = 0;
};

// Runs argv as a child with stdout and stderr to /dev/null; its wall time and peak RSS.
Measured run_measured(const std::vector<std::string>& argv) {
  std::fflush(stdout);  // else the child would print what is still buffered
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr ||
        std::freopen("/dev/null", "w", stderr) == nullptr)
      _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed");
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(
        argv[0] + " " + argv[3] + " " + argv[4] + " exited with status " +
        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::string meterbridge;
  std::vector<size_t> sizes = {100000, 1000000};
  CLI::App cli{"meterbridge usage import: peak RSS and rows/s by size and format"};
  cli.add_option("--meterbridge", meterbridge, "The meterbridge binary")->required();
  cli.add_option("--rows", sizes, "Row counts to measure (default 100000,1000000)")->delimiter(',');
  CLI11_PARSE(cli, argc, argv);

  char pattern[] = "/tmp/mb-bench-import-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  fs::path dir = pattern;
  int exit_code = 0;
  try {
    std::printf("usage import (each a fresh process and state; rows = workspaces x %zu services)\n",
                kServices);
    std::printf("%-6s %12s %10s %10s %12s %14s\n", "format", "rows", "file MB", "seconds", "rows/s",
                "peak RSS MB");
    for (const std::string format : {"json", "csv"}) {
      for (size_t rows : sizes) {
        fs::path state = dir / ("state-" + format + std::to_string(rows));
        fs::create_directories(dir / "plugins");
        fs::path config = dir / "mb.json";
        std::ofstream(config) << R"({"state": {"path": ")" << (state / "mb.db").string()
                              << R"("}, "plugins": {"dir": ")" << (dir / "plugins").string()
                              << R"("}, "usage": {"max_file_mib": 4096}, "connectors": []})";
        fs::path file = dir / ("usage." + format);
        generate(file, format, rows);
        double file_mb = static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0);
        Measured m = run_measured(
            {meterbridge, "--config", config.string(), "usage", "import", file.string()});
        std::printf("%-6s %12zu %10.1f %10.2f %12.0f %14.0f\n", format.c_str(), rows, file_mb,
                    m.seconds, static_cast<double>(rows) / m.seconds, m.peak_rss_mb);
        std::fflush(stdout);
        fs::remove(file);
        fs::remove_all(state);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-import: %s\n", e.what());
    exit_code = 1;
  }
  fs::remove_all(dir);
  return exit_code;
}
