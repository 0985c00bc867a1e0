// PluginManifest: what a plugin says about itself, read from its sidecar file
// `<id>.plugin.json` before any of its code runs, and compared with what on_describe returns
// after it loads.
//
//   {
//     "id": "examplepsa", "name": "Example PSA", "version": "1.2.0", "abi": "1.0",
//     "library": "libmeterbridge-examplepsa.so",
//     "capabilities": ["provision_accounts"],
//     "config_schema": { JSON Schema; secret fields carry "x-secret": true, the fields naming
//                        the platform tenant "x-meterbridge-tenant": true },
//     "http": { "max_concurrency": 9, "per_endpoint_concurrency": 3, "hourly_budget": 10000 },
//     "resend_unchanged": "scheduled"
//   }
//
// A process plugin (docs/plugin-protocol.md) has "runtime": "process" and a "process" object
// (command, args, call_timeout_ms, limits) in place of "library".
#ifndef METERBRIDGE_HOST_PLUGIN_MANIFEST_H_
#define METERBRIDGE_HOST_PLUGIN_MANIFEST_H_

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace mb {

struct AbiVersion {
  uint16_t major = 0;
  uint16_t minor = 0;
  std::string to_string() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool operator==(const AbiVersion&) const = default;
};

// The capabilities a manifest may name; anything else is refused as a typo.
inline constexpr std::string_view kKnownCapabilities[] = {
    "provision_accounts", "provision_services", "set_status",
    "link_accounts",      "disconnect",         "tickets"};

// When the sync engine writes a line whose platform value already equals its target. Some
// platforms ask to be sent every value on each regular run, so a value they dropped or reset
// on their side comes back without waiting for the vendor's number to change.
enum class ResendUnchanged {
  kNever,      // only changed lines are written (the default)
  kScheduled,  // every line on scheduled runs (trigger "schedule"); changes only otherwise
  kAlways,     // every line on every run
};

// How a plugin's code runs: a shared library in the host, or a child process speaking the
// plugin protocol.
enum class PluginRuntime { kLibrary, kProcess };

// The manifest spelling ("never", "scheduled", "always").
std::string_view resend_unchanged_name(ResendUnchanged policy);

struct PluginManifest {
  std::string id;
  std::string name;
  std::string version;
  AbiVersion abi;
  std::string library;
  PluginRuntime runtime = PluginRuntime::kLibrary;
  std::vector<std::string> capabilities;  // sorted
  boost::json::value config_schema;       // an object
  boost::json::value http;                // object or null: HTTP policy defaults
  ResendUnchanged resend_unchanged = ResendUnchanged::kNever;
  // JSON Pointers (into the connector's plugin config) of the fields the schema marks secret.
  std::vector<std::string> secret_fields;
  // JSON Pointers of the fields that together name the platform tenant a connector works on
  // (schema annotation "x-meterbridge-tenant": true): connectors with the same values share
  // the tenant's request budget (docs/scale-out.md, "Budgets").
  std::vector<std::string> tenant_fields;

  bool has_capability(std::string_view c) const;
  // Whether a run started by `trigger` (manual, schedule, api, ...) writes unchanged lines too.
  bool resends_unchanged_on(std::string_view trigger) const;
};

// Parses "1.0" into an AbiVersion.
Result<AbiVersion> parse_abi_version(std::string_view text);

// Parses and checks a manifest document. `origin` names the file in error messages.
Result<PluginManifest> parse_manifest(std::string_view json_text, std::string_view origin);

// Compares what the sidecar says with what the plugin's on_describe returned. The library
// name is not part of describe(); everything else must agree. Returns a message naming the
// first field that differs, or an empty string.
std::string manifest_disagreement(const PluginManifest& sidecar, const PluginManifest& described);

// Walks a JSON Schema's "properties" (recursively through objects) and returns the JSON
// Pointers of properties marked "x-secret": true.
std::vector<std::string> find_secret_fields(const boost::json::value& schema);
// The same for properties marked "x-meterbridge-tenant": true.
std::vector<std::string> find_tenant_fields(const boost::json::value& schema);

}  // namespace mb

#endif  // METERBRIDGE_HOST_PLUGIN_MANIFEST_H_
