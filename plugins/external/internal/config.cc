#include "internal/config.h"

#include <meterbridge/json_fields.hpp>
#include <meterbridge/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

[[noreturn]] void invalid(const std::string& message) {
  throw PluginError(MB_STATUS_CONFIG_INVALID, "external connector config: " + message);
}

// http(s)://authority[/path] with no user info, query or fragment.
std::string normalized_base_url(std::string url) {
  const bool https = url.rfind("https://", 0) == 0;
  if (!https && url.rfind("http://", 0) != 0)
    invalid("base_url must start with https:// or http://");
  const size_t authority_start = https ? 8 : 7;
  const size_t path_start = url.find('/', authority_start);
  const std::string authority = url.substr(authority_start, path_start - authority_start);
  if (authority.empty()) invalid("base_url has no host");
  if (url.find_first_of("?#") != std::string::npos)
    invalid("base_url must not have a query or fragment");
  if (authority.find('@') != std::string::npos) invalid("base_url must not contain user info");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      invalid("base_url must not contain spaces");
  }
  while (url.size() > authority_start + authority.size() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Config parse_config(std::string_view document) {
  const std::optional<json::object> doc = parse_json_object(document);
  if (!doc) invalid("expected a JSON object");
  Config config;
  std::string base_url = text(doc->if_contains("base_url")).value_or("");
  if (base_url.empty()) invalid("base_url is required");
  config.base_url = normalized_base_url(std::move(base_url));
  config.api_key = text(doc->if_contains("api_key")).value_or("");
  if (config.api_key.empty()) invalid("api_key is required");
  if (std::any_of(config.api_key.begin(), config.api_key.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x21 || c == 0x7f; })) {
    invalid("api_key must be printable characters without spaces");
  }
  if (const json::value* size = doc->if_contains("batch_size"); size != nullptr) {
    if (!size->is_int64() || size->get_int64() < 1 || size->get_int64() > kMaxBatchSize) {
      invalid("batch_size must be an integer from 1 to " + std::to_string(kMaxBatchSize));
    }
    config.batch_size = size->get_int64();
  }
  return config;
}

}  // namespace meterbridge::external
