// The external plugin's entry point: the manifest, the config, and the session of
// external_session.h. Exported through MB_PLUGIN as libmeterbridge-external.so.
#include <meterbridge/plugin.hpp>

#include <memory>

#include "external_session.h"
#include "internal/config.h"

namespace meterbridge::external {
namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

class ExternalPlugin : public Plugin {
 public:
  std::string describe() override { return kManifest; }

  Capabilities capabilities() const override {
    Capabilities caps;
    caps.link_accounts = true;
    caps.disconnect = true;
    return caps;
  }

  std::unique_ptr<Session> open(Call&, std::string_view config) override {
    return serve(std::make_unique<ExternalSession>(parse_config(config)));
  }
};

}  // namespace
}  // namespace meterbridge::external

MB_PLUGIN(meterbridge::external::ExternalPlugin)
