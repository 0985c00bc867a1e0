// meterbridge-plugin-runner --plugin-dir DIR --plugin ID [--sha256 HEX]
//
// Started by the host for a connector with "isolation": "process" (docs/plugin-protocol.md,
// "Running a native plugin out of process"); not meant to be run by hand.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "host/runner/runner.h"

int main(int argc, char** argv) {
  mb::RunnerOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--plugin-dir") {
      options.plugin_dir = argv[i + 1];
    } else if (flag == "--plugin") {
      options.plugin_id = argv[i + 1];
    } else if (flag == "--sha256") {
      options.sha256 = argv[i + 1];
    } else {
      std::fprintf(stderr, "meterbridge-plugin-runner: unknown option %s\n", argv[i]);
      return 64;
    }
  }
  if (options.plugin_dir.empty() || options.plugin_id.empty()) {
    std::fprintf(stderr,
                 "usage: meterbridge-plugin-runner --plugin-dir DIR --plugin ID [--sha256 HEX]\n");
    return 64;
  }
  // The protocol keeps the real stdout; the plugin's own prints go to stderr (the host's log),
  // so a stray printf in a plugin cannot corrupt the channel.
  int channel_out = ::dup(STDOUT_FILENO);
  if (channel_out < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return 70;
  return mb::run_plugin_runner(options, STDIN_FILENO, channel_out);
}
