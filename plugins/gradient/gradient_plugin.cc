// The Gradient MSP (Synthesize vendor API) plugin: reports unit counts per (account, service)
// to Gradient, which reconciles them into the MSP's PSA after the MSP maps them, and sends the
// vendor's alerts, which Gradient turns into PSA tickets. This file is
// the library's face (manifest, session factory, entry point); the hooks live in
// gradient_session.cc and the units under internal/.
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "gradient_session.h"
#include "internal/config.h"

namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

class GradientPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }

  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities caps;
    caps.provision_accounts = true;
    caps.provision_services = true;
    caps.set_status = true;
    caps.disconnect = true;
    caps.tickets = true;  // alerts through Gradient's alerting API
    return caps;
  }

  // Parses and checks the config; no call reaches Gradient before a hook needs one.
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    return meterbridge::serve(std::make_unique<meterbridge::gradient::GradientSession>(
        meterbridge::gradient::parse_config(config)));
  }
};

}  // namespace

MB_PLUGIN(GradientPlugin)
