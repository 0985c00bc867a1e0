#include "internal/operations.h"

#include <boost/json.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "internal/contracts.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {

namespace json = boost::json;

ReadResult read_quantities(Call& call, Client& client, const ReadRequest& request) {
  client.begin_hook();

  struct Line {
    std::optional<int64_t> company, product;
  };
  std::vector<Line> parsed;
  std::vector<ContractKey> pairs;
  for (const ReadLine& line : request.lines) {
    Line l{parse_id(line.account_id), parse_id(line.service_id)};
    if (l.company && l.product) pairs.push_back({*l.company, *l.product});
    parsed.push_back(l);
  }
  ContractIndex index = read_contracts(call, client, pairs);

  ReadResult out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Line& l = parsed[i];
    const ReadLine& line = request.lines[i];
    ReadLineResult& r = out.lines.emplace_back();
    r.key = line.key;
    if (!l.company || !l.product) {
      r.reason = Reason::kNotFound;
      r.message = !l.company
                      ? "account_id '" + line.account_id + "' is not a ConnectWise company id"
                      : "service_id '" + line.service_id + "' is not a ConnectWise catalog item id";
      continue;
    }
    Resolution res = index.resolve(*l.company, *l.product);
    r.reason = res.reason;
    r.message = res.message;
    if (res.reason) continue;
    r.line_ref = json::serialize(
        json::object{{"agreement_id", res.agreement_id}, {"addition_id", res.addition_id}});
    r.message = "addition " + std::to_string(res.addition_id) + " on agreement " +
                std::to_string(res.agreement_id);
    if (!res.quantity) {
      r.message += " has no quantity set";
    } else if (*res.quantity != std::floor(*res.quantity) || std::fabs(*res.quantity) > 9.0e15) {
      // Unit counts are whole numbers; an unknown current value makes the sync write the target.
      r.message += " has the fractional quantity " + std::to_string(*res.quantity);
    } else {
      r.quantity = static_cast<int64_t>(*res.quantity);
    }
  }
  return out;
}

}  // namespace meterbridge::connectwise
