#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace meterbridge::autotask {

namespace {

// Past this share of the hourly threshold Autotask slows calls down; say so when connecting.
constexpr int64_t kBusyPercent = 75;

AuthenticateResult verdict(AuthStatus status, const std::string& message) {
  return AuthenticateResult{status, message, std::nullopt};
}

std::string usage_note(std::string_view body) {
  auto doc = parse_json_object(body);
  if (!doc) return "";
  auto limit = whole_number(field_any_case(*doc, "externalRequestThreshold"));
  auto used = whole_number(field_any_case(*doc, "currentTimeframeRequestCount"));
  auto minutes = whole_number(field_any_case(*doc, "requestThresholdTimeframe"));
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

AuthenticateResult authenticate(AutotaskClient& client, Call& call) {
  ZoneInformation zone;
  try {
    zone = client.rediscover_zone(call);
  } catch (const PluginError& e) {
    if (e.error_class() == MB_STATUS_CONFIG_INVALID)
      return verdict(AuthStatus::kConfigInvalid, e.what());
    if (e.error_class() == MB_STATUS_RATE_LIMITED) throw;
    return verdict(AuthStatus::kUnreachable, e.what());
  }
  std::string where =
      zone.zone_name.empty() ? zone.rest_root : zone.zone_name + " (" + zone.rest_root + ")";

  HttpRequest check;
  check.url = check.endpoint = "ThresholdInformation";
  HttpResponse response = client.send(call, {check}).front();
  if (response.status == 200)
    return verdict(AuthStatus::kOk, "Autotask accepted " + client.config().username + " in zone " +
                                        where + usage_note(response.body));

  HttpFailure failure = classify_failure(response);
  switch (failure.status) {
    case MB_STATUS_AUTH_FAILED:
      return verdict(AuthStatus::kAuthFailed, failure.message);
    case MB_STATUS_CONFIG_INVALID:
      return verdict(AuthStatus::kConfigInvalid, failure.message);
    case MB_STATUS_RATE_LIMITED:
      throw_failure(failure);
    default:
      break;
  }
  if (response.status == 404)
    return verdict(AuthStatus::kConfigInvalid,
                   "no Autotask API at " + zone.rest_root + " (HTTP 404); check base_url");
  return verdict(AuthStatus::kUnreachable, failure.message);
}

}  // namespace meterbridge::autotask
