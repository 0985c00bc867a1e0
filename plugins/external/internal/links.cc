#include "internal/operations.h"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace meterbridge::external {
namespace {

namespace json = boost::json;

constexpr size_t kMaxVendorCustomerIdLength = 128;

// A workspace id as the protocol allows it in a path: 1-128 characters, no '/', no controls.
void check_vendor_customer_id(const std::string& id) {
  const bool ok = !id.empty() && id.size() <= kMaxVendorCustomerIdLength &&
                  std::none_of(id.begin(), id.end(), [](char c) {
                    const auto b = static_cast<unsigned char>(c);
                    return b < 0x20 || b == 0x7f || c == '/';
                  });
  if (!ok) {
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "workspace id '" + id +
                          "' cannot be linked: the external protocol allows 1-128 characters "
                          "without '/' or control characters");
  }
}

// PUT or DELETE /v1/links/<workspace> for each workspace.
std::vector<HttpResponse> send_links(Call& call, const Client& client, const std::string& method,
                                     const std::vector<std::string>& workspaces,
                                     const std::vector<std::string>& bodies = {}) {
  std::vector<HttpRequest> requests;
  for (size_t i = 0; i < workspaces.size(); ++i) {
    requests.push_back(
        client.request(method, "/v1/links/" + percent_encode(workspaces[i]), "links"));
    if (!bodies.empty()) set_json_body(requests.back(), bodies[i]);
  }
  return client.execute(call, requests);
}

}  // namespace

LinkAccountsResult link_accounts(Call& call, const Client& client,
                                 const LinkAccountsRequest& request) {
  const std::vector<std::string>& unlink = request.unlink;
  for (const std::string& workspace : unlink) check_vendor_customer_id(workspace);
  std::vector<std::string> workspaces, bodies;
  for (const AccountLink& item : request.link) {
    if (item.account_id.empty() || item.platform_account_id.empty()) {
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "each link needs an account_id (workspace) and a platform_account_id");
    }
    check_vendor_customer_id(item.account_id);
    workspaces.push_back(item.account_id);
    bodies.push_back(json::serialize(json::object{{"customer_id", item.platform_account_id}}));
  }

  LinkAccountsResult out;
  std::optional<HttpFailure> first_failure;
  // An item's outcome: `done` when the platform took it, else failed with the failure's message.
  auto settle = [&](LinkedAccount& item, const HttpResponse& r, LinkOutcome done,
                    const std::string& what) {
    item.outcome = done;
    if (r.ok()) return;
    HttpFailure f = failure_for(r, what);
    item.outcome = LinkOutcome::kFailed;
    item.message = f.message;
    if (!first_failure) first_failure = f;
  };
  // Unlinks first, so that moving a customer from one workspace to another in one call works.
  std::vector<HttpResponse> deleted = send_links(call, client, "DELETE", unlink);
  for (size_t i = 0; i < deleted.size(); ++i) {
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = unlink[i];
    settle(item, deleted[i], LinkOutcome::kUnlinked, "unlink workspace " + unlink[i]);
  }
  std::vector<HttpResponse> linked = send_links(call, client, "PUT", workspaces, bodies);
  for (size_t i = 0; i < linked.size(); ++i) {
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = request.link[i].account_id;
    item.platform_account_id = request.link[i].platform_account_id;
    // 200: it was linked already
    settle(item, linked[i], linked[i].status == 201 ? LinkOutcome::kLinked : LinkOutcome::kUpdated,
           "link workspace " + item.account_id + " to customer " + *item.platform_account_id);
  }
  // The host keeps a mapping only when the hook succeeds, so any failure fails the call. What
  // did succeed stays done; PUT and DELETE are idempotent, so doing it again is harmless.
  if (first_failure) throw_failure(*first_failure);
  return out;
}

std::string disconnect(Call& call, const Client& client) {
  std::vector<std::string> workspaces;
  for (const json::object& item :
       fetch_all(call, client, {"/v1/links?limit=" + std::to_string(kMaxListLimit)}, "links",
                 "list the links")) {
    workspaces.push_back(parse_link(item).vendor_customer_id);
  }
  std::vector<HttpResponse> responses = send_links(call, client, "DELETE", workspaces);
  size_t unlinked = 0;
  std::optional<HttpFailure> first_failure;
  for (size_t i = 0; i < responses.size(); ++i) {
    if (responses[i].ok()) {
      ++unlinked;
    } else if (!first_failure) {
      first_failure = failure_for(responses[i], "unlink workspace " + workspaces[i]);
    }
  }
  if (first_failure) {
    first_failure->message = "unlinked " + std::to_string(unlinked) + " of " +
                             std::to_string(workspaces.size()) + " workspaces; " +
                             first_failure->message;
    throw_failure(*first_failure);
  }
  call.info("unlinked every workspace on the platform (" + std::to_string(unlinked) + ")");
  return json::serialize(json::object{{"unlinked", unlinked}});
}

}  // namespace meterbridge::external
