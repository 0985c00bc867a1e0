// The links between the vendor's customers and the MSP's: list, read, put and delete one, and
// link many at once (protocol 1.1).
#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "sim/external/internal/api_error.h"
#include "sim/external/internal/count_batch.h"
#include "sim/external/internal/listing.h"
#include "sim/external/internal/routes.h"

namespace mb::sim::external {

namespace json = boost::json;

namespace {

constexpr size_t kMaxVendorCustomerNameLength = 200;

// What a link's body names: the customer and, optionally, the vendor customer's name.
struct LinkTarget {
  std::string customer_id;
  std::optional<std::string> vendor_customer_name;
};

// The body of PUT /v1/links/{id}, or an item of a link batch; throws 400 invalid_request naming
// the field.
LinkTarget link_target(const json::object* o) {
  const json::value* customer = o ? o->if_contains("customer_id") : nullptr;
  if (customer == nullptr || !customer->is_string() || !valid_id(customer->get_string())) {
    throw ApiError(400, "invalid_request",
                   "customer_id must be a string of 1-128 characters without control characters",
                   {{"field", "customer_id"}});
  }
  LinkTarget target{std::string(customer->get_string()), std::nullopt};
  if (const json::value* n = o->if_contains("vendor_customer_name");
      n != nullptr && !n->is_null()) {
    if (!n->is_string() || n->get_string().empty() ||
        n->get_string().size() > kMaxVendorCustomerNameLength) {
      throw ApiError(400, "invalid_request",
                     "vendor_customer_name must be a string of 1-200 characters",
                     {{"field", "vendor_customer_name"}});
    }
    target.vendor_customer_name = std::string(n->get_string());
  }
  return target;
}

// The results of one link batch: each item is linked exactly as its own PUT would be, in
// request order, against the links as the earlier items left them; a refused item changes
// nothing and never stops the others.
class LinkBatchOutcome {
 public:
  LinkBatchOutcome(Ledger& ledger, std::string now) : ledger_(ledger), now_(std::move(now)) {}

  void link(size_t index, const json::value& item) {
    json::object result{{"index", index}};
    const json::object* o = item.if_object();
    const json::value* id = o ? o->if_contains("vendor_customer_id") : nullptr;
    const std::string vendor_id = id && id->is_string() ? std::string(id->get_string()) : "";
    result["vendor_customer_id"] = id && id->is_string() ? json::value(vendor_id) : nullptr;
    const json::value* customer = o ? o->if_contains("customer_id") : nullptr;
    result["customer_id"] = customer && customer->is_string() ? *customer : json::value(nullptr);
    try {
      if (!valid_vendor_customer_id(vendor_id)) {
        throw ApiError(400, "invalid_request",
                       "vendor_customer_id must be 1-128 characters without '/' or control "
                       "characters",
                       {{"field", "vendor_customer_id"}});
      }
      if (!seen_.insert(vendor_id).second) {
        throw ApiError(400, "duplicate_item",
                       "vendor customer " + vendor_id + " appears earlier in this batch",
                       {{"vendor_customer_id", vendor_id}});
      }
      LinkTarget target = link_target(o);
      auto before = ledger_.links.find(vendor_id);
      const bool same =
          before != ledger_.links.end() && before->second.customer_id == target.customer_id;
      const bool created = ledger_.put_link(vendor_id, target.customer_id,
                                            std::move(target.vendor_customer_name), now_);
      const char* status = created ? "created" : same ? "unchanged" : "moved";
      result["status"] = status;
      result["link"] = link_json(ledger_.links.at(vendor_id));
      ++counts_[status];
    } catch (const ApiError& refused) {
      // An ill-formed item is invalid_item; the platform's refusals keep the single call's code.
      result["status"] = "rejected";
      result["reason"] = refused.code() == "invalid_request" ? "invalid_item" : refused.code();
      result["message"] = refused.what();
      result["details"] = refused.details();
      ++counts_["rejected"];
    }
    results_.push_back(std::move(result));
  }

  json::object to_json() const {
    json::object summary;
    for (const char* status : {"created", "moved", "unchanged", "rejected"}) {
      auto it = counts_.find(status);
      summary[status] = it == counts_.end() ? 0 : it->second;
    }
    return json::object{{"results", results_}, {"summary", std::move(summary)}};
  }

 private:
  Ledger& ledger_;
  std::string now_;
  std::set<std::string> seen_;
  std::map<std::string, int64_t> counts_;
  json::array results_;
};

}  // namespace

Response Api::list_links(const Request& request) {
  const PageRequest page = page_request(request, "links");
  return Response::json(200, page_of(
                                 ledger_.links, page, [](const auto&) { return true; },
                                 [](const auto& entry) { return link_json(entry.second); }));
}

Response Api::get_link(const Request& request) {
  const std::string id = vendor_customer_id(request);
  auto it = ledger_.links.find(id);
  if (it == ledger_.links.end()) {
    throw ApiError(404, "link_not_found", "vendor customer " + id + " is not linked",
                   {{"vendor_customer_id", id}});
  }
  return Response::json(200, link_json(it->second));
}

Response Api::put_link(const Request& request) {
  const std::string id = vendor_customer_id(request);
  require_json_body(request);
  const json::value body = parse_body(request);
  LinkTarget target = link_target(body.if_object());
  const bool created =
      ledger_.put_link(id, target.customer_id, std::move(target.vendor_customer_name), now_iso());
  return Response::json(created ? 201 : 200, link_json(ledger_.links.at(id)));
}

Response Api::post_link_batch(const Request& request) {
  // A 1.0 platform has no such path.
  if (!settings_.link_batches) {
    throw ApiError(404, "not_found", "no such path: " + request.path);
  }
  require_json_body(request);
  const json::value body = parse_body(request);
  const json::object* o = body.if_object();
  const json::value* links = o ? o->if_contains("links") : nullptr;
  if (links == nullptr || !links->is_array() || links->get_array().empty()) {
    throw ApiError(400, "invalid_request", "links must be a non-empty array", {{"field", "links"}});
  }
  const json::array& items = links->get_array();
  if (static_cast<int64_t>(items.size()) > settings_.max_link_batch_items) {
    throw ApiError(
        400, "batch_too_large",
        "a link batch holds at most " + std::to_string(settings_.max_link_batch_items) + " items",
        {{"max_items", settings_.max_link_batch_items}});
  }
  LinkBatchOutcome outcome(ledger_, now_iso());
  for (size_t i = 0; i < items.size(); ++i) outcome.link(i, items[i]);
  return Response::json(200, outcome.to_json());
}

Response Api::delete_link(const Request& request) {
  ledger_.delete_link(vendor_customer_id(request));
  return Response::empty(204);
}

}  // namespace mb::sim::external
