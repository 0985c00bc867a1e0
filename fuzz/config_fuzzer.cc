// Fuzz target: the config loader (strict JSON with comments, the schema, cross-field rules and
// references) and schema validation of a connector's plugin config against each built-in
// plugin's schema. Any input must load or give errors, never crash.
#include <unistd.h>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "host/config/config.h"

namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;
  std::vector<boost::json::value> plugin_schemas;
  boost::json::value config_schema = boost::json::parse(mb::config_schema_text());

  Fixture() {
    std::string tmpl = (fs::temp_directory_path() / "mb-config-fuzz-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    // The built-in plugins' manifests, as the source tree holds them.
    for (const char* plugin : {"autotask", "connectwise", "gradient", "external"}) {
      std::ifstream in(fs::path(MB_FUZZ_SOURCE_DIR) / "plugins" / plugin /
                       (std::string(plugin) + ".plugin.json.in"));
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // The template's version placeholders make it no valid manifest; its schema is JSON.
      boost::system::error_code ec;
      boost::json::value manifest = boost::json::parse(text, ec);
      if (!ec && manifest.is_object() && manifest.as_object().contains("config_schema"))
        plugin_schemas.push_back(manifest.at("config_schema"));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fs::path file = fixture.dir / "mb.json";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  (void)mb::load_config(file, fixture.dir);
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  if (!ec) {
    (void)mb::validate_against_schema(fixture.config_schema, doc, "");
    for (const auto& plugin_schema : fixture.plugin_schemas)
      (void)mb::validate_against_schema(plugin_schema, doc, "/connectors/0/config");
  }
  return 0;
}
