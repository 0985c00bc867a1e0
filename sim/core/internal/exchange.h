// The seam between the transport (http_server.cc, the only Beast translation unit) and the
// simulator core: plain types, so neither side sees the other's internals.
//
// For each request the transport calls ExchangeHandler::begin(), waits Exchange::delay() on a
// timer (never blocking an io thread), calls produce_reply(), delivers the reply as told, and
// reports the outcome with delivered(). Destroying an Exchange without delivered() (server
// stopping mid-delay) is allowed and releases its in-flight accounting.
#ifndef METERBRIDGE_SIM_CORE_INTERNAL_EXCHANGE_H_
#define METERBRIDGE_SIM_CORE_INTERNAL_EXCHANGE_H_

#include <chrono>
#include <cstdint>
#include <memory>

#include "sim/core/http_types.h"

namespace mb::sim::internal {

enum class Delivery {
  kFull,           // the whole response; keep the connection if the request allows it
  kFullThenClose,  // the whole response, then close without "Connection: close"
  kResetMidBody,   // headers and reset_after_body_bytes of the body, then a TCP reset
  kDrop,           // nothing; close the connection
};

struct Reply {
  Response response;
  Delivery delivery = Delivery::kFull;
  size_t reset_after_body_bytes = 0;
};

struct DeliveryReport {
  int status_sent = 0;     // the status line written, 0 when none was
  bool completed = false;  // the reply was delivered as planned
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual std::chrono::milliseconds delay() const = 0;
  // Called once, after delay().
  virtual Reply produce_reply() = 0;
  // Called once, after the reply was written (or writing it failed).
  virtual void delivered(const DeliveryReport& report) = 0;
};

class ExchangeHandler {
 public:
  virtual ~ExchangeHandler() = default;
  virtual void connection_opened(uint64_t connection_id) = 0;
  virtual void connection_closed(uint64_t connection_id) = 0;
  // `request` has method, target, headers, body and connection_id set; the handler fills in
  // the rest.
  virtual std::unique_ptr<Exchange> begin(Request request) = 0;
};

}  // namespace mb::sim::internal

#endif  // METERBRIDGE_SIM_CORE_INTERNAL_EXCHANGE_H_
