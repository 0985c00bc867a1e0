// A test plugin that throws from every operation, each in a different way, to prove the C++
// layer contains exceptions and the host keeps running.
#include <meterbridge/plugin.hpp>

#include <stdexcept>

namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

class ThrowingSession : public meterbridge::Session {
 public:
  std::string authenticate(meterbridge::Call&, std::string_view) override { throw std::runtime_error("boom in authenticate"); }
  std::string list_accounts(meterbridge::Call&, std::string_view) override {
    throw meterbridge::PluginError(MB_STATUS_RATE_LIMITED, "slow down", 1500);
  }
  std::string list_services(meterbridge::Call&, std::string_view) override { throw 42; }
  std::string read_quantities(meterbridge::Call&, std::string_view) override { throw std::bad_alloc(); }
  std::string apply_quantities(meterbridge::Call&, std::string_view) override {
    throw std::logic_error("boom in apply");
  }
  std::string disconnect(meterbridge::Call&, std::string_view) override { throw std::runtime_error("boom in disconnect"); }
};

class ThrowingPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities caps;
    caps.disconnect = true;
    return caps;
  }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    if (config.find("refuse") != std::string_view::npos)
      throw meterbridge::PluginError(MB_STATUS_CONFIG_INVALID, "open refused on purpose");
    return std::make_unique<ThrowingSession>();
  }
};

}  // namespace

MB_PLUGIN(ThrowingPlugin)
