// Fuzz target: the admin API's request parser and router, as a client meets them: the input is
// sent as raw bytes to a real HttpServer with the AdminApi behind it (over loopback, in this
// process), then the connection is half-closed and the answer read. Every input must get an
// answer or a clean close — never a crash, a hang or a leak. The token is "fuzz-token", which
// the seed corpus uses, so authenticated routes are reached too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "host/app/app.h"
#include "host/server/admin_api.h"
#include "host/server/http_server.h"

namespace {

namespace fs = std::filesystem;
using namespace mb;

struct Server {
  fs::path dir;
  app::GlobalOptions options;
  std::ostringstream out, err;
  std::unique_ptr<app::App> app;
  server::RunGate gate;
  std::unique_ptr<server::AdminApi> api;
  std::unique_ptr<server::HttpServer> http;

  Server() {
    std::string tmpl = (fs::temp_directory_path() / "mb-api-fuzz-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::create_directories(dir / "plugins");
    fs::permissions(dir / "plugins", fs::perms(0755));
    std::ofstream(dir / "mb.json") << R"({"state": {"path": "state.db", "key_file": "secret.key"},
      "plugins": {"dir": "plugins"}, "connectors": []})";
    options.config_path = (dir / "mb.json").string();
    app = std::make_unique<app::App>(options, out, err);
    api = std::make_unique<server::AdminApi>(*app, server::AdminApiOptions{.token = "fuzz-token"},
                                             gate);
    server::HttpServerOptions http_options;
    http_options.limits.header_timeout = std::chrono::milliseconds(300);
    http_options.limits.body_timeout = std::chrono::milliseconds(300);
    auto started = server::HttpServer::start(
        http_options, [this](const server::ApiRequest& head) { return api->admit(head); },
        [this](const server::ApiRequest& request) { return api->handle(request); });
    if (!started) std::abort();
    http = std::move(*started);
  }
};

// Sends the bytes, half-closes, and reads until the server closes (bounded).
void exchange(uint16_t port, const uint8_t* data, size_t size) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    for (size_t sent = 0; sent < size;) {
      ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[16384];
    for (int rounds = 0; rounds < 1000; ++rounds) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      if (::recv(fd, buffer, sizeof(buffer), 0) <= 0) break;
    }
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = new Server();  // lives as long as the process
  exchange(server->http->port(), data, size);
  return 0;
}
