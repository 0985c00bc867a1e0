#include "host/server/alerts_api.h"

#include <boost/json.hpp>

#include <charconv>

#include "host/app/alert_operations.h"
#include "host/server/api_body.h"

namespace mb::server::alerts_api {
namespace {

namespace bj = boost::json;

constexpr int64_t kDefaultListLimit = 100;
constexpr int64_t kMaxListLimit = 1000;

}  // namespace

Result<bj::value> push(app::App& app, const ApiRequest& request) {
  std::string type = request.header("content-type");
  if (!type.empty() && type.find("json") == std::string::npos)
    return Status::ConfigInvalid("alerts must be JSON (Content-Type: application/json), not '" +
                                 type + "'");
  if (auto query = read_query(request, {}, {}); !query) return query.status();
  auto pushed = ops::push_alerts(app, request.body, "api");
  if (!pushed) return pushed.status();
  return ops::alerts_pushed_to_json(*pushed);
}

Result<bj::value> list(app::App& app, const ApiRequest& request) {
  if (auto query = read_query(request, {"after", "limit"}, {}); !query) return query.status();
  int64_t limit = kDefaultListLimit;
  if (auto given = request.query.find("limit"); given != request.query.end()) {
    const std::string& text = given->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > kMaxListLimit)
      return Status::ConfigInvalid("limit must be 1.." + std::to_string(kMaxListLimit));
  }
  auto after = request.query.find("after");
  auto store = app.store();
  if (!store) return store.status();
  auto alerts = (*store)->list_alerts(after == request.query.end() ? "" : after->second,
                                      static_cast<size_t>(limit));
  if (!alerts) return alerts.status();
  bj::array listed;
  for (const auto& a : *alerts) listed.push_back(ops::alert_to_json(a));
  bj::object page{{"alerts", std::move(listed)}};
  // A full page may have more after it: the client asks again from the last id.
  if (static_cast<int64_t>(alerts->size()) == limit) page["next_after"] = alerts->back().id;
  return bj::value(std::move(page));
}

Result<bj::value> show(app::App& app, const std::string& alert_id) {
  auto store = app.store();
  if (!store) return store.status();
  auto alert = (*store)->get_alert(alert_id);
  if (!alert) return alert.status();
  if (!*alert) return Status::NotFound("no alert '" + alert_id + "'");
  auto changes = (*store)->list_alert_changes(alert_id);
  if (!changes) return changes.status();
  return bj::value(ops::alert_with_history_to_json(**alert, *changes));
}

}  // namespace mb::server::alerts_api
