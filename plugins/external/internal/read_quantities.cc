#include "internal/operations.h"

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "internal/lines.h"

namespace meterbridge::external {
namespace {

namespace json = boost::json;

// Customers per GET /v1/counts: the protocol guarantees at least 100 filters, and the URL
// stays well under common server limits.
constexpr size_t kCustomersPerRead = 100;
constexpr size_t kMaxReadTargetLength = 6000;
// GET /v1/counts for these customers: the linked ones, by customer id.
std::map<std::string, CustomerCounts> linked_counts(Call& call, const Client& client,
                                                    const std::vector<std::string>& customers) {
  // One request per group of customers, all groups in one host batch (run concurrently).
  std::vector<std::string> targets;
  size_t in_last = 0;  // customers in targets.back()
  for (const std::string& customer : customers) {
    const std::string param = "&customer_id=" + percent_encode(customer);
    if (targets.empty() || in_last == kCustomersPerRead ||
        targets.back().size() + param.size() > kMaxReadTargetLength) {
      targets.push_back("/v1/counts?limit=" + std::to_string(kCustomersPerRead));
      in_last = 0;
    }
    targets.back() += param;
    ++in_last;
  }

  std::map<std::string, CustomerCounts> linked;
  for (const json::object& item :
       fetch_all(call, client, std::move(targets), "counts", "read the platform's counts")) {
    CustomerCounts entry = parse_customer_counts(item);
    linked[entry.customer_id] = std::move(entry);
  }
  return linked;
}

}  // namespace

ReadResult read_quantities(Call& call, const Client& client, PlatformCache& cache,
                           const ReadRequest& request) {
  std::vector<std::pair<std::string, std::string>> problems;
  const std::vector<Line> lines = parse_lines(request.lines, problems);
  ReadResult out;
  std::vector<ReadLineResult>& results = out.lines;
  for (const auto& [key, why] : problems)
    results.push_back(ReadLineResult{key, std::nullopt, Reason::kNotFound, "", why, ""});
  if (!lines.empty()) {
    const std::map<std::string, ServiceInfo>& catalogue = cache.services(call, client);
    std::vector<std::string> customers;
    std::set<std::string> seen;
    for (const Line& line : lines) {
      if (seen.insert(line.customer_id).second) customers.push_back(line.customer_id);
    }
    const std::map<std::string, CustomerCounts> linked = linked_counts(call, client, customers);
    for (const Line& line : lines) results.push_back(read_result(line, linked, catalogue));
    call.debug("read " + std::to_string(lines.size()) + " lines of " +
               std::to_string(customers.size()) + " customers (" + std::to_string(linked.size()) +
               " linked)");
  }
  return out;
}

}  // namespace meterbridge::external
