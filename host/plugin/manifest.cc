#include "host/plugin/manifest.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>

#include "host/common/json.h"

namespace mb {

bool PluginManifest::has_capability(std::string_view c) const {
  return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end();
}

namespace {

constexpr std::pair<ResendUnchanged, std::string_view> kResendNames[] = {
    {ResendUnchanged::kNever, "never"},
    {ResendUnchanged::kScheduled, "scheduled"},
    {ResendUnchanged::kAlways, "always"}};

}  // namespace

std::string_view resend_unchanged_name(ResendUnchanged policy) {
  for (const auto& [value, name] : kResendNames)
    if (value == policy) return name;
  return "never";
}

bool PluginManifest::resends_unchanged_on(std::string_view trigger) const {
  switch (resend_unchanged) {
    case ResendUnchanged::kAlways:
      return true;
    case ResendUnchanged::kScheduled:
      return trigger == "schedule";
    case ResendUnchanged::kNever:
      return false;
  }
  return false;
}

Result<AbiVersion> parse_abi_version(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return Status::ConfigInvalid("ABI version must be MAJOR.MINOR");
  AbiVersion v;
  auto parse_part = [](std::string_view s, uint16_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  if (!parse_part(text.substr(0, dot), v.major) || !parse_part(text.substr(dot + 1), v.minor))
    return Status::ConfigInvalid("ABI version must be MAJOR.MINOR, got '" + std::string(text) + "'");
  return v;
}

namespace {

// The JSON Pointers of the schema's properties (at any depth) annotated `annotation: true`.
void collect_marked(const boost::json::value& schema, std::string_view annotation,
                    const std::string& prefix, std::vector<std::string>& out) {
  const auto* props = json::get(schema, "properties");
  if (props == nullptr || !props->is_object()) return;
  for (const auto& [key, sub] : props->get_object()) {
    std::string pointer = prefix + "/" + json::pointer_token(key);
    if (json::get_bool(sub, annotation).value_or(false)) out.push_back(pointer);
    collect_marked(sub, annotation, pointer, out);
  }
}

std::vector<std::string> find_marked_fields(const boost::json::value& schema,
                                            std::string_view annotation) {
  std::vector<std::string> out;
  collect_marked(schema, annotation, "", out);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> find_secret_fields(const boost::json::value& schema) {
  return find_marked_fields(schema, "x-secret");
}

std::vector<std::string> find_tenant_fields(const boost::json::value& schema) {
  return find_marked_fields(schema, "x-meterbridge-tenant");
}

Result<PluginManifest> parse_manifest(std::string_view json_text, std::string_view origin) {
  auto fail = [&](const std::string& why) {
    return Status::ConfigInvalid(std::string(origin) + ": " + why);
  };
  auto parsed = json::parse(json_text);
  if (!parsed) return fail(parsed.status().message());
  const boost::json::value& doc = *parsed;
  if (!doc.is_object()) return fail("manifest must be a JSON object");

  PluginManifest m;
  auto required_string = [&](std::string_view key, std::string& out) -> bool {
    auto v = json::get_string(doc, key);
    if (!v || v->empty()) return false;
    out = *v;
    return true;
  };
  if (!required_string("id", m.id)) return fail("/id: required non-empty string");
  for (char c : m.id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return fail("/id: only lower-case letters, digits, '-' and '_' are allowed");
  }
  if (!required_string("version", m.version)) return fail("/version: required non-empty string");
  std::string abi_text;
  if (!required_string("abi", abi_text)) return fail("/abi: required string MAJOR.MINOR");
  auto abi = parse_abi_version(abi_text);
  if (!abi) return fail("/abi: " + abi.status().message());
  m.abi = *abi;
  m.name = json::get_string(doc, "name").value_or(m.id);
  m.library = json::get_string(doc, "library").value_or("");
  if (const auto* runtime = json::get(doc, "runtime")) {
    if (!runtime->is_string() ||
        (runtime->get_string() != "library" && runtime->get_string() != "process"))
      return fail("/runtime: must be \"library\" or \"process\"");
    if (runtime->get_string() == "process") m.runtime = PluginRuntime::kProcess;
  }

  if (const auto* caps = json::get(doc, "capabilities")) {
    if (!caps->is_array()) return fail("/capabilities: must be an array of strings");
    for (const auto& c : caps->get_array()) {
      if (!c.is_string()) return fail("/capabilities: must be an array of strings");
      std::string_view name = c.get_string();
      if (std::find(std::begin(kKnownCapabilities), std::end(kKnownCapabilities), name) ==
          std::end(kKnownCapabilities))
        return fail("/capabilities: unknown capability '" + std::string(name) + "'");
      m.capabilities.emplace_back(name);
    }
    std::sort(m.capabilities.begin(), m.capabilities.end());
  }
  const auto* schema = json::get(doc, "config_schema");
  if (schema == nullptr || !schema->is_object()) return fail("/config_schema: required object");
  m.config_schema = *schema;
  m.secret_fields = find_secret_fields(m.config_schema);
  m.tenant_fields = find_tenant_fields(m.config_schema);
  if (const auto* http = json::get(doc, "http")) {
    if (!http->is_object()) return fail("/http: must be an object");
    m.http = *http;
  }
  if (const auto* resend = json::get(doc, "resend_unchanged")) {
    auto it =
        std::find_if(std::begin(kResendNames), std::end(kResendNames), [&](const auto& entry) {
          return resend->is_string() && resend->get_string() == entry.second;
        });
    if (it == std::end(kResendNames))
      return fail("/resend_unchanged: must be \"never\", \"scheduled\" or \"always\"");
    m.resend_unchanged = it->first;
  }
  return m;
}

std::string manifest_disagreement(const PluginManifest& sidecar, const PluginManifest& described) {
  if (sidecar.id != described.id)
    return "id: manifest says '" + sidecar.id + "', plugin says '" + described.id + "'";
  if (sidecar.version != described.version)
    return "version: manifest says '" + sidecar.version + "', plugin says '" + described.version + "'";
  if (!(sidecar.abi == described.abi))
    return "abi: manifest says " + sidecar.abi.to_string() + ", plugin says " + described.abi.to_string();
  if (sidecar.capabilities != described.capabilities) return "capabilities differ";
  if (sidecar.config_schema != described.config_schema) return "config_schema differs";
  if (sidecar.http != described.http) return "http defaults differ";
  if (sidecar.resend_unchanged != described.resend_unchanged)
    return "resend_unchanged: manifest says '" +
           std::string(resend_unchanged_name(sidecar.resend_unchanged)) + "', plugin says '" +
           std::string(resend_unchanged_name(described.resend_unchanged)) + "'";
  return "";
}

}  // namespace mb
