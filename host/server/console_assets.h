// The web console's files (console/: HTML, JavaScript, CSS), served by the admin listener at
// GET / and GET /console/<file>. An installed binary finds them in
// <prefix>/share/meterbridge/console; a binary in the build tree in <build>/console — the same
// way plugins are found. Only plain file names with a known extension are served, so no request
// can reach outside the folder.
//
//   auto asset = read_console_asset(console_dir(), "app.js");   // NotFound for anything else
#ifndef METERBRIDGE_HOST_SERVER_CONSOLE_ASSETS_H_
#define METERBRIDGE_HOST_SERVER_CONSOLE_ASSETS_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::server {

struct ConsoleAsset {
  std::string content_type;
  std::string body;
};

// Where the console's files are, beside the running binary (see above).
std::filesystem::path console_dir();

// The file `name` of `dir`. NotFound for a name that is not a plain file name with an extension
// the console uses (.html .js .css .svg .png), or a file that is not there.
Result<ConsoleAsset> read_console_asset(const std::filesystem::path& dir, std::string_view name);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_CONSOLE_ASSETS_H_
