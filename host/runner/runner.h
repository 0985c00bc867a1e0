// meterbridge-plugin-runner: serves one native (shared-library) plugin over the plugin protocol
// (docs/plugin-protocol.md), so a connector with "isolation": "process" runs the plugin in a
// child process where its crash cannot reach the host. The runner loads the library with the
// loader's own rules (trusted folder and file, private copy, the sha256 the host pins), and
// bridges the ABI's host services back over the channel: HTTP batches, the clock and the write
// journal become host/* requests, the plugin's log lines host/log notifications.
//
//   RunnerOptions options{.plugin_dir = "/usr/lib/meterbridge/plugins", .plugin_id = "acme"};
//   return run_plugin_runner(options, /*in_fd=*/0, /*out_fd=*/channel_fd);
#ifndef METERBRIDGE_HOST_RUNNER_RUNNER_H_
#define METERBRIDGE_HOST_RUNNER_RUNNER_H_

#include <filesystem>
#include <string>

namespace mb {

struct RunnerOptions {
  std::filesystem::path plugin_dir;
  std::string plugin_id;
  std::string sha256;  // when set, the library must have this digest (the host's pin)
};

// Serves the protocol on in_fd/out_fd until shutdown or end of input. Returns the process's
// exit status: 0 after a shutdown or end of input, 2 when the channel broke.
int run_plugin_runner(const RunnerOptions& options, int in_fd, int out_fd);

}  // namespace mb

#endif  // METERBRIDGE_HOST_RUNNER_RUNNER_H_
