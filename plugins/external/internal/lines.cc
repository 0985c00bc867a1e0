#include "plugins/external/internal/lines.h"

#include <boost/json.hpp>

#include "plugins/external/internal/client.h"

namespace meterbridge::external {
namespace {

namespace json = boost::json;

std::string string_field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object no_quantity(const Line& line, const char* reason, std::string message) {
  return json::object{{"key", line.key},
                      {"quantity", nullptr},
                      {"reason", reason},
                      {"message", std::move(message)}};
}

std::string accepted_metrics(const ServiceInfo& service) {
  std::string text;
  for (const auto& m : service.metrics) text += (text.empty() ? "" : " or ") + m;
  return text.empty() ? "nothing" : text;
}

}  // namespace

std::vector<Line> parse_lines(const json::object& input,
                              std::vector<std::pair<std::string, std::string>>& problems) {
  const json::value* lines = input.if_contains("lines");
  if (lines == nullptr || !lines->is_array()) {
    throw PluginError(MB_STATUS_CONFIG_INVALID, "the input has no lines array");
  }
  std::vector<Line> out;
  for (const json::value& v : lines->get_array()) {
    if (!v.is_object()) continue;
    const json::object& o = v.get_object();
    Line line{string_field(o, "key"), string_field(o, "account_id"), string_field(o, "service_id"),
              string_field(o, "metric"), std::nullopt};
    if (const json::value* t = o.if_contains("target"); t != nullptr && t->is_int64()) {
      line.target = t->get_int64();
    }
    if (line.customer_id.empty() || line.service_id.empty()) {
      problems.emplace_back(line.key, "the line names no platform customer or service");
    } else if (line.metric != "users" && line.metric != "devices") {
      problems.emplace_back(
          line.key, "the line's metric must be users or devices, not '" + line.metric + "'");
    } else if (o.contains("target") && (!line.target || *line.target < 0)) {
      problems.emplace_back(line.key, "the target must be a non-negative integer");
    } else {
      out.push_back(std::move(line));
    }
  }
  return out;
}

json::object read_result(const Line& line, const std::map<std::string, CustomerCounts>& linked,
                         const std::map<std::string, ServiceInfo>& services) {
  auto service = services.find(line.service_id);
  if (service == services.end()) {
    return no_quantity(line, "not_found",
                       "the platform accepts no service '" + line.service_id +
                           "'; map the vendor service to one it lists (services list --refresh)");
  }
  if (!service->second.accepts(line.metric)) {
    return no_quantity(line, "not_found",
                       "the platform counts service '" + line.service_id + "' in " +
                           accepted_metrics(service->second) + ", not " + line.metric +
                           "; map the service with that metric");
  }
  auto customer = linked.find(line.customer_id);
  if (customer == linked.end()) {
    return no_quantity(line, "platform_not_mapped",
                       "customer " + line.customer_id +
                           " is not linked on the platform; link the workspace to it "
                           "(meterbridge link)");
  }
  json::object out{
      {"key", line.key},
      {"quantity", nullptr},
      {"reason", nullptr},
      {"line_ref", json::object{{"vendor_customer_id", customer->second.vendor_customer_id}}}};
  for (const CountInfo& count : customer->second.counts) {
    if (count.service_id == line.service_id && count.metric == line.metric) {
      out["quantity"] = count.quantity;
      break;
    }
  }
  return out;
}

json::object apply_result(const Line& line, const ItemResult& result) {
  json::object out{{"key", line.key}};
  if (result.status == "applied" || result.status == "unchanged") {
    out["outcome"] = result.status == "applied" ? "updated" : "unchanged";
    out["quantity"] =
        result.quantity ? json::value(*result.quantity) : json::value(line.target.value_or(0));
    out["error_class"] = nullptr;
    return out;
  }
  const std::string message = "the platform rejected the count" +
                              (result.reason.empty() ? "" : " (" + result.reason + ")") +
                              (result.message.empty() ? "" : ": " + result.message);
  if (result.reason == "customer_not_linked" || result.reason == "unknown_customer") {
    out["outcome"] = "platform_not_mapped";
    out["quantity"] = nullptr;
    out["error_class"] = nullptr;
    out["message"] = message;
    return out;
  }
  mb_status cls = MB_STATUS_FATAL;
  if (result.reason == "unknown_service" || result.reason == "unsupported_metric" ||
      result.reason == "invalid_quantity" || result.reason == "invalid_item") {
    cls = MB_STATUS_CONFIG_INVALID;
  } else if (result.reason == "duplicate_item") {
    cls = MB_STATUS_CONFLICT;
  }
  return failed_result(line.key, cls, message);
}

json::object failed_result(const std::string& key, mb_status error_class,
                           const std::string& message) {
  return json::object{{"key", key},
                      {"outcome", "failed"},
                      {"quantity", nullptr},
                      {"error_class", error_class_name(error_class)},
                      {"message", message}};
}

std::vector<std::pair<size_t, size_t>> split(size_t count, size_t size) {
  std::vector<std::pair<size_t, size_t>> parts;
  if (size == 0) size = 1;
  for (size_t begin = 0; begin < count; begin += size) {
    parts.emplace_back(begin, std::min(count, begin + size));
  }
  return parts;
}

}  // namespace meterbridge::external
