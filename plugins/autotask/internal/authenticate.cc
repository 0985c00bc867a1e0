#include "plugins/autotask/internal/authenticate.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "plugins/autotask/internal/json_fields.h"

namespace autotask {

namespace {

using meterbridge::Call;
using meterbridge::PluginError;

// Past this share of the hourly threshold Autotask slows calls down; say so when connecting.
constexpr int64_t kBusyPercent = 75;

std::string verdict(std::string_view status, const std::string& message) {
  return boost::json::serialize(boost::json::object{{"status", status}, {"message", message}});
}

std::string usage_note(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return "";
  auto limit = int_field(*doc, "externalRequestThreshold");
  auto used = int_field(*doc, "currentTimeframeRequestCount");
  auto minutes = int_field(*doc, "requestThresholdTimeframe");
  if (!limit || !used || *limit <= 0) return "";
  std::string note = "; " + std::to_string(*used) + " of " + std::to_string(*limit) +
                     " requests used in the last " + std::to_string(minutes.value_or(60)) +
                     " minutes";
  if (*used * 100 >= *limit * kBusyPercent)
    note += " (over " + std::to_string(kBusyPercent) +
            "%: Autotask slows requests down and refuses them at the limit)";
  return note;
}

}  // namespace

std::string authenticate(AutotaskClient& client, Call& call) {
  ZoneInformation zone;
  try {
    zone = client.rediscover_zone(call);
  } catch (const PluginError& e) {
    if (e.error_class() == MB_STATUS_CONFIG_INVALID) return verdict("config_invalid", e.what());
    if (e.error_class() == MB_STATUS_RATE_LIMITED) throw;
    return verdict("unreachable", e.what());
  }
  std::string where =
      zone.zone_name.empty() ? zone.rest_root : zone.zone_name + " (" + zone.rest_root + ")";

  ApiRequest check;
  check.method = "GET";
  check.entity = "ThresholdInformation";
  check.path = "ThresholdInformation";
  HttpResponse response = client.send(call, {check}).front();
  if (response.status == 200)
    return verdict("ok", "Autotask accepted " + client.config().username + " in zone " + where +
                             usage_note(response.body));

  Failure failure = classify_failure(response);
  switch (failure.error_class) {
    case MB_STATUS_AUTH_FAILED:
      return verdict("auth_failed", failure.message);
    case MB_STATUS_CONFIG_INVALID:
      return verdict("config_invalid", failure.message);
    case MB_STATUS_RATE_LIMITED:
      throw PluginError(failure.error_class, failure.message, failure.retry_after_ms);
    default:
      break;
  }
  if (response.status == 404)
    return verdict("config_invalid",
                   "no Autotask API at " + zone.rest_root + " (HTTP 404); check base_url");
  return verdict("unreachable", failure.message);
}

}  // namespace autotask
