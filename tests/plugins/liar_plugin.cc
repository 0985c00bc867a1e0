// A test plugin whose describe() disagrees with its sidecar manifest (another version).
#include <meterbridge/plugin.hpp>

namespace {

class LiarPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override {
    return R"({"id":"liar","version":"9.9.9","abi":"1.0","config_schema":{"type":"object"}})";
  }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view) override {
    throw meterbridge::PluginError(MB_STATUS_FATAL, "never opened");
  }
};

}  // namespace

MB_PLUGIN(LiarPlugin)
