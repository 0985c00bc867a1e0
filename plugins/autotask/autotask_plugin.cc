// autotask: the meterbridge plugin for Autotask PSA (REST API v1.0).
//
// It lists Companies and Services, finds the Recurring Service contract line billing each
// (company, service) pair, reads its units (ContractServiceUnits) and moves them to the
// target with one signed ContractServiceAdjustment. docs/platforms/autotask.md describes the
// behaviour for operators; internal/ holds the parts, each with its own tests.
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "plugins/autotask/internal/adjustments.h"
#include "plugins/autotask/internal/authenticate.h"
#include "plugins/autotask/internal/client.h"
#include "plugins/autotask/internal/config.h"
#include "plugins/autotask/internal/listings.h"
#include "plugins/autotask/internal/quantities.h"

namespace {

using meterbridge::Call;

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

// One connector. The host serializes calls into a session, so nothing here is locked: the
// zone cache (in the client) and the ledger of adjustments made are the session's own.
class AutotaskSession : public meterbridge::TypedSession {
 public:
  explicit AutotaskSession(meterbridge::autotask::ConnectorConfig config)
      : client_(std::move(config)) {}

  meterbridge::AuthenticateResult authenticate(Call& call,
                                               const meterbridge::AuthenticateRequest&) override {
    return meterbridge::autotask::authenticate(client_, call);
  }
  meterbridge::ListPage list_accounts(Call& call, const meterbridge::ListRequest& in) override {
    return meterbridge::autotask::list_accounts(client_, call, in);
  }
  meterbridge::ListPage list_services(Call& call, const meterbridge::ListRequest& in) override {
    return meterbridge::autotask::list_services(client_, call, in);
  }
  meterbridge::ReadResult read_quantities(Call& call, const meterbridge::ReadRequest& in) override {
    return meterbridge::autotask::read_quantities(client_, call, in);
  }
  meterbridge::ApplyResult apply_quantities(Call& call,
                                            const meterbridge::ApplyRequest& in) override {
    return meterbridge::autotask::apply_quantities(client_, ledger_, call, in);
  }

 private:
  meterbridge::autotask::AutotaskClient client_;
  meterbridge::autotask::AdjustmentLedger ledger_;
};

class AutotaskPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  // Opening makes no call: the host validated the config, and authenticate is the check.
  std::unique_ptr<meterbridge::Session> open(Call&, std::string_view config) override {
    return meterbridge::serve(
        std::make_unique<AutotaskSession>(meterbridge::autotask::parse_connector_config(config)));
  }
};

}  // namespace

MB_PLUGIN(AutotaskPlugin)
