#include "internal/lines.h"

#include <boost/json.hpp>

#include <type_traits>

#include "internal/client.h"

namespace meterbridge::external {
namespace {

namespace json = boost::json;

ReadLineResult no_quantity(const Line& line, Reason reason, std::string message) {
  return ReadLineResult{line.key, std::nullopt, reason, "", std::move(message), ""};
}

// Why `line` cannot be read or pushed; empty when it can.
std::string problem_of(const Line& line) {
  if (line.customer_id.empty() || line.service_id.empty())
    return "the line names no platform customer or service";
  if (line.metric != MB_METRIC_USERS && line.metric != MB_METRIC_DEVICES)
    return "the line's metric must be users or devices, not '" + line.metric + "'";
  if (line.target && *line.target < 0) return "the target must be a non-negative integer";
  return "";
}

template <typename HostLine>
std::vector<Line> complete_lines(const std::vector<HostLine>& lines,
                                 std::vector<std::pair<std::string, std::string>>& problems) {
  std::vector<Line> out;
  for (const HostLine& in : lines) {
    Line line{in.key, in.account_id, in.service_id, in.metric, std::nullopt};
    if constexpr (std::is_same_v<HostLine, ApplyLine>) line.target = in.target;
    if (std::string problem = problem_of(line); !problem.empty())
      problems.emplace_back(line.key, std::move(problem));
    else
      out.push_back(std::move(line));
  }
  return out;
}

std::string accepted_metrics(const ServiceInfo& service) {
  std::string text;
  for (const auto& m : service.metrics) text += (text.empty() ? "" : " or ") + m;
  return text.empty() ? "nothing" : text;
}

}  // namespace

std::vector<Line> parse_lines(const std::vector<ReadLine>& lines,
                              std::vector<std::pair<std::string, std::string>>& problems) {
  return complete_lines(lines, problems);
}

std::vector<Line> parse_lines(const std::vector<ApplyLine>& lines,
                              std::vector<std::pair<std::string, std::string>>& problems) {
  return complete_lines(lines, problems);
}

ReadLineResult read_result(const Line& line, const std::map<std::string, CustomerCounts>& linked,
                           const std::map<std::string, ServiceInfo>& services) {
  auto service = services.find(line.service_id);
  if (service == services.end()) {
    return no_quantity(line, Reason::kNotFound,
                       "the platform accepts no service '" + line.service_id +
                           "'; map the vendor service to one it lists (services list --refresh)");
  }
  if (!service->second.accepts(line.metric)) {
    return no_quantity(line, Reason::kNotFound,
                       "the platform counts service '" + line.service_id + "' in " +
                           accepted_metrics(service->second) + ", not " + line.metric +
                           "; map the service with that metric");
  }
  auto customer = linked.find(line.customer_id);
  if (customer == linked.end()) {
    return no_quantity(line, Reason::kPlatformNotMapped,
                       "customer " + line.customer_id +
                           " is not linked on the platform; link the workspace to it "
                           "(meterbridge link)");
  }
  ReadLineResult out{
      line.key,
      std::nullopt,
      std::nullopt,
      "",
      "",
      json::serialize(json::object{{"vendor_customer_id", customer->second.vendor_customer_id}})};
  for (const CountInfo& count : customer->second.counts) {
    if (count.service_id == line.service_id && count.metric == line.metric) {
      out.quantity = count.quantity;
      break;
    }
  }
  return out;
}

ApplyLineResult apply_result(const Line& line, const ItemResult& result) {
  ApplyLineResult out;
  out.key = line.key;
  if (result.status == "applied" || result.status == "unchanged") {
    out.outcome = result.status == "applied" ? Outcome::kUpdated : Outcome::kUnchanged;
    out.quantity = result.quantity ? *result.quantity : line.target.value_or(0);
    return out;
  }
  const std::string message = "the platform rejected the count" +
                              (result.reason.empty() ? "" : " (" + result.reason + ")") +
                              (result.message.empty() ? "" : ": " + result.message);
  if (result.reason == "customer_not_linked" || result.reason == "unknown_customer") {
    out.outcome = Outcome::kPlatformNotMapped;
    out.message = message;
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

ApplyLineResult failed_result(const std::string& key, mb_status error_class,
                              const std::string& message) {
  return ApplyLineResult{key, Outcome::kFailed, std::nullopt, error_class, message, false};
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
