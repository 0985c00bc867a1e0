#include "bench/sim_control.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace mb::bench {
namespace {

constexpr int kTimeoutSeconds = 30;

uint16_t loopback_port(const std::string& base_url) {
  const std::string prefix = "http://127.0.0.1:";
  if (base_url.rfind(prefix, 0) != 0)
    throw std::runtime_error("not a loopback simulator address: " + base_url);
  std::string_view rest(base_url);
  rest.remove_prefix(prefix.size());
  unsigned port = 0;
  auto parsed = std::from_chars(rest.data(), rest.data() + rest.size(), port);
  if (parsed.ec != std::errc() || port == 0 || port > 65535)
    throw std::runtime_error("no port in " + base_url);
  return static_cast<uint16_t>(port);
}

// Owns a socket descriptor.
class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  ~Socket() { close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// The body of a response read to the end of the connection: plain, or chunked.
std::string decode_body(const std::string& head, std::string raw) {
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("transfer-encoding: chunked") == std::string::npos) return raw;
  std::string body;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    body.append(raw, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return body;
}

}  // namespace

SimResponse sim_request(const std::string& base_url, const std::string& method,
                        const std::string& path, const std::string& json_body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  Socket s;
  timeval tv{kTimeoutSeconds, 0};
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(loopback_port(base_url));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("cannot connect to " + base_url + ": " + std::strerror(errno));

  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!json_body.empty() || method == "POST")
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
        "\r\n";
  request += "\r\n" + json_body;
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = send(s.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(method + " " + path + ": send failed: " + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }

  // "Connection: close" makes the end of the stream the end of the response.
  std::string raw;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(s.fd(), buf, sizeof(buf), 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw std::runtime_error(method + " " + path + ": no response: " + std::strerror(errno));
    break;
  }
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || raw.size() < 12)
    throw std::runtime_error(method + " " + path + ": malformed response");
  SimResponse r;
  r.status = std::atoi(raw.c_str() + 9);
  std::string head = raw.substr(0, head_end);
  r.body = decode_body(head, raw.substr(head_end + 4));
  return r;
}

std::string sim_control(const std::string& base_url, const std::string& method,
                        const std::string& path, const std::string& json_body) {
  SimResponse r = sim_request(base_url, method, path, json_body);
  if (r.status < 200 || r.status > 299)
    throw std::runtime_error(method + " " + path + " answered " + std::to_string(r.status) + ": " +
                             r.body);
  return r.body;
}

}  // namespace mb::bench
