// One ConnectWise PSA connector: the five session hooks of the meterbridge ABI, turned into
// ConnectWise REST calls (see docs/platforms/connectwise.md for the call-by-call mapping).
//
//   ConnectWiseSession session(parse_config(config_json));
//   std::string verdict = session.authenticate(call, "{}");  // {"status":"ok","message":...}
//
// The session caches the company's codebase (from companyinfo) for its whole life; calls into
// one session are serialized by the host, so it needs no lock.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_

#include <meterbridge/plugin.hpp>

#include <string>
#include <string_view>

#include "plugins/connectwise/internal/client.h"
#include "plugins/connectwise/internal/config.h"

namespace meterbridge::connectwise {

class ConnectWiseSession : public meterbridge::Session {
 public:
  explicit ConnectWiseSession(ConnectorConfig config) : client_(std::move(config)) {}

  std::string authenticate(Call& call, std::string_view input) override;
  std::string list_accounts(Call& call, std::string_view input) override;
  std::string list_services(Call& call, std::string_view input) override;
  std::string read_quantities(Call& call, std::string_view input) override;
  std::string apply_quantities(Call& call, std::string_view input) override;

 private:
  Client client_;
};

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_CONNECTWISE_SESSION_H_
