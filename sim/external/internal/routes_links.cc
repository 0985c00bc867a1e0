// The links between the vendor's customers and the MSP's: list, read, put and delete one.
#include <boost/json.hpp>

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
  const json::object* o = body.if_object();
  const json::value* customer = o ? o->if_contains("customer_id") : nullptr;
  if (customer == nullptr || !customer->is_string() || !valid_id(customer->get_string())) {
    throw ApiError(400, "invalid_request",
                   "customer_id must be a string of 1-128 characters without control characters",
                   {{"field", "customer_id"}});
  }
  std::optional<std::string> name;
  if (const json::value* n = o->if_contains("vendor_customer_name");
      n != nullptr && !n->is_null()) {
    if (!n->is_string() || n->get_string().empty() ||
        n->get_string().size() > kMaxVendorCustomerNameLength) {
      throw ApiError(400, "invalid_request",
                     "vendor_customer_name must be a string of 1-200 characters",
                     {{"field", "vendor_customer_name"}});
    }
    name = std::string(n->get_string());
  }
  const bool created =
      ledger_.put_link(id, std::string(customer->get_string()), std::move(name), now_iso());
  return Response::json(created ? 201 : 200, link_json(ledger_.links.at(id)));
}

Response Api::delete_link(const Request& request) {
  ledger_.delete_link(vendor_customer_id(request));
  return Response::empty(204);
}

}  // namespace mb::sim::external
