// hello: an example meterbridge plugin, complete but tiny, laid out as docs/plugin-authoring.md
// teaches: this file is the export (describe from the generated manifest, open parsing the
// config into a session, MB_PLUGIN), hello_session.{h,cc} the typed session with one method per
// hook. Everything a real plugin does is here: a config schema with a secret, authenticate with
// a verdict, paged listings, per-line read/apply outcomes, errors as PluginError.
#include <meterbridge/plugin.hpp>
#include <meterbridge/typed_session.hpp>

#include <boost/json.hpp>

#include <memory>
#include <string>

#include "hello_session.h"

namespace hello {
namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

// The host validated the config against the manifest's schema; it is still read defensively.
HelloConfig parse_config(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    throw meterbridge::PluginError(MB_STATUS_CONFIG_INVALID, "the config is not a JSON object");
  const boost::json::object& o = v.get_object();
  auto text_of = [&](const char* key) {
    const boost::json::value* m = o.if_contains(key);
    return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
  };
  HelloConfig config;
  config.tenant = text_of("tenant");
  config.api_key = text_of("api_key");
  if (const boost::json::value* n = o.if_contains("accounts"); n != nullptr && n->is_int64())
    config.accounts = n->get_int64();
  return config;
}

class HelloPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities caps;
    caps.disconnect = true;
    return caps;
  }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    return meterbridge::serve(std::make_unique<HelloSession>(ledger_, parse_config(config)));
  }

 private:
  Ledger ledger_;
};

}  // namespace
}  // namespace hello

MB_PLUGIN(hello::HelloPlugin)
