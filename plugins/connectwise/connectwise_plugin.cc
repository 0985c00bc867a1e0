// The ConnectWise PSA (Manage) plugin: reports unit counts as the quantities of agreement
// additions, and puts the vendor's alerts on a service board as tickets. This file is the library's
// face (manifest, session factory, entry point); the operations live in connectwise_session.cc and
// the units under internal/.
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "connectwise_session.h"
#include "internal/config.h"

namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

class ConnectWisePlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities c;
    c.tickets = true;  // service tickets for the vendor's alerts
    return c;
  }

  // Parses and checks the config; no network call happens before authenticate or a listing.
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    return meterbridge::serve(std::make_unique<meterbridge::connectwise::ConnectWiseSession>(
        meterbridge::connectwise::parse_config(config)));
  }
};

}  // namespace

MB_PLUGIN(ConnectWisePlugin)
