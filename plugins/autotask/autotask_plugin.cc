// autotask: the meterbridge plugin for Autotask PSA (REST API v1.0).
//
// It lists Companies and Services, finds the Recurring Service contract line billing each
// (company, service) pair, reads its units (ContractServiceUnits) and moves them to the
// target with one signed ContractServiceAdjustment; it also puts the vendor's alerts in a queue
// as tickets (the "tickets" capability). docs/platforms/autotask.md describes the
// behaviour for operators. This file is the library's face (manifest, session factory, entry
// point); autotask_session.cc holds the hooks and internal/ the operations, each with its tests.
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "autotask_session.h"
#include "internal/config.h"

namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

class AutotaskPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities c;
    c.tickets = true;  // tickets in a queue for the vendor's alerts
    return c;
  }
  // Opening makes no call: the host validated the config, and authenticate is the check.
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    return meterbridge::serve(std::make_unique<meterbridge::autotask::AutotaskSession>(
        meterbridge::autotask::parse_connector_config(config)));
  }
};

}  // namespace

MB_PLUGIN(AutotaskPlugin)
