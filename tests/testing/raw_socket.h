// RawSocket: a TCP client on 127.0.0.1 that sends exactly the bytes a test gives it — malformed
// requests, half a request, a huge announced body — and reads whatever comes back, every wait
// bounded. ConcurrentRequests: many such clients at once, on non-blocking sockets and one poll
// loop, counting how many got a complete answer.
//
//   RawSocket s(port);
//   s.send("GET / HTTP/1.1\r\n");            // and nothing more
//   std::string reply = s.read_response(std::chrono::seconds(3));
//   EXPECT_EQ(status_of(reply), 408);
#ifndef METERBRIDGE_TESTS_TESTING_RAW_SOCKET_H_
#define METERBRIDGE_TESTS_TESTING_RAW_SOCKET_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mb::testing {

using namespace std::chrono_literals;

inline int connect_loopback(uint16_t port, bool non_blocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    throw std::runtime_error("connect() failed");
  }
  return fd;
}

// The status code of the first response in `text`, or 0 when there is none.
inline int status_of(std::string_view text) {
  if (text.rfind("HTTP/1.", 0) != 0 || text.size() < 12) return 0;
  return std::atoi(std::string(text.substr(9, 3)).c_str());
}

// The length a complete first response in `text` has, or 0 while it is incomplete.
inline size_t complete_response_length(std::string_view text) {
  size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  std::string head(text.substr(0, end));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = head.find("\r\ncontent-length:");
  size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
  size_t total = end + 4 + length;
  return text.size() >= total ? total : 0;
}

// Lets this process hold many sockets (the soft open-file limit is often 1024).
inline void raise_open_file_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(connect_loopback(port, false)) {}
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // False when the peer has closed or reset the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Sends what the peer takes within `timeout` (it may stop reading); returns the bytes sent.
  size_t send_for(std::string_view data, std::chrono::milliseconds timeout) {
    size_t sent = 0;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (sent < data.size() && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    return sent;
  }

  // Reads until one complete response has arrived, the peer closed, or `timeout` passed.
  std::string read_response(std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (complete_response_length(received_) == 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(left)) break;
    }
    size_t length = complete_response_length(received_);
    std::string out = received_.substr(0, length == 0 ? received_.size() : length);
    received_.erase(0, out.size());
    return out;
  }

  // True when something (data, or the peer's close) arrives within `timeout`; reads nothing.
  bool readable(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  // True when the peer closes (end of stream or reset) within `timeout`, discarding any data.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      if (::recv(fd_, chunk, sizeof(chunk), 0) <= 0) return true;
    }
  }

 private:
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    received_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string received_;
};

struct ConcurrentResult {
  size_t sent = 0;
  size_t answered = 0;              // a complete response arrived
  std::map<int, size_t> by_status;  // status -> responses
};

// Opens `clients` connections at once, sends `request` on each and waits (at most `timeout`)
// for every response.
inline ConcurrentResult concurrent_requests(uint16_t port, size_t clients,
                                            const std::string& request,
                                            std::chrono::milliseconds timeout) {
  raise_open_file_limit();
  struct Client {
    int fd = -1;
    size_t written = 0;
    std::string received;
    bool done = false;
  };
  std::vector<Client> all(clients);
  for (auto& c : all) c.fd = connect_loopback(port, true);
  ConcurrentResult result;
  result.sent = clients;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t open = clients;
  std::vector<pollfd> polled;
  std::vector<Client*> owners;
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    polled.clear();
    owners.clear();
    for (auto& c : all) {
      if (c.done) continue;
      polled.push_back(
          {c.fd, static_cast<short>(c.written < request.size() ? POLLOUT : POLLIN), 0});
      owners.push_back(&c);
    }
    if (::poll(polled.data(), polled.size(), 100) <= 0) continue;
    for (size_t i = 0; i < polled.size(); ++i) {
      Client& c = *owners[i];
      if (polled[i].revents == 0) continue;
      if (c.written < request.size()) {
        ssize_t n =
            ::send(c.fd, request.data() + c.written, request.size() - c.written, MSG_NOSIGNAL);
        if (n > 0) c.written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) c.done = true;
      } else {
        char chunk[8192];
        ssize_t n = ::recv(c.fd, chunk, sizeof(chunk), 0);
        if (n > 0) c.received.append(chunk, static_cast<size_t>(n));
        if (n == 0 || (n < 0 && errno != EAGAIN)) c.done = true;
        if (complete_response_length(c.received) > 0) {
          c.done = true;
          ++result.answered;
          ++result.by_status[status_of(c.received)];
        }
      }
      if (c.done) --open;
    }
  }
  for (auto& c : all) ::close(c.fd);
  return result;
}

}  // namespace mb::testing

#endif  // METERBRIDGE_TESTS_TESTING_RAW_SOCKET_H_
