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

}  // namespace

LinkAccountsResult link_accounts(Call& call, const Client& client,
                                 const LinkAccountsRequest& request) {
  const std::vector<std::string>& unlink = request.unlink;
  for (const std::string& workspace : unlink) check_vendor_customer_id(workspace);
  std::vector<std::pair<std::string, std::string>> link;  // workspace, platform customer
  for (const AccountLink& item : request.link) {
    const std::optional<std::string> workspace = given(item.account_id);
    const std::optional<std::string> customer = given(item.platform_account_id);
    if (!workspace || !customer) {
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "each link needs an account_id (workspace) and a platform_account_id");
    }
    check_vendor_customer_id(*workspace);
    link.emplace_back(*workspace, *customer);
  }

  LinkAccountsResult out;
  std::optional<Failure> first_failure;
  auto note_failure = [&](const Failure& f) {
    if (!first_failure) first_failure = f;
  };
  // Unlinks first, so that moving a customer from one workspace to another in one call works.
  std::vector<ApiRequest> deletes;
  deletes.reserve(unlink.size());
  for (const std::string& workspace : unlink) {
    deletes.push_back(
        ApiRequest{"DELETE", "/v1/links/" + percent_encode(workspace), "", "links", ""});
  }
  std::vector<ApiResponse> deleted = client.execute(call, deletes);
  for (size_t i = 0; i < deleted.size(); ++i) {
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = unlink[i];
    if (deleted[i].ok()) {
      item.outcome = LinkOutcome::kUnlinked;
    } else {
      Failure f = failure_for(deleted[i], "unlink workspace " + unlink[i]);
      item.outcome = LinkOutcome::kFailed;
      item.message = f.message;
      note_failure(f);
    }
  }
  std::vector<ApiRequest> puts;
  puts.reserve(link.size());
  for (const auto& [workspace, customer] : link) {
    puts.push_back(ApiRequest{"PUT", "/v1/links/" + percent_encode(workspace),
                              json::serialize(json::object{{"customer_id", customer}}), "links",
                              ""});
  }
  std::vector<ApiResponse> linked = client.execute(call, puts);
  for (size_t i = 0; i < linked.size(); ++i) {
    const auto& [workspace, customer] = link[i];
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = workspace;
    item.platform_account_id = customer;
    if (linked[i].ok()) {
      // 200: it was linked already
      item.outcome = linked[i].status == 201 ? LinkOutcome::kLinked : LinkOutcome::kUpdated;
    } else {
      Failure f =
          failure_for(linked[i], "link workspace " + workspace + " to customer " + customer);
      item.outcome = LinkOutcome::kFailed;
      item.message = f.message;
      note_failure(f);
    }
  }
  // The host keeps a mapping only when the hook succeeds, so any failure fails the call. What
  // did succeed stays done; PUT and DELETE are idempotent, so doing it again is harmless.
  if (first_failure) throw_failure(*first_failure);
  return out;
}

std::string disconnect(Call& call, const Client& client) {
  std::vector<std::string> workspaces;
  for (const json::object& item :
       fetch_all(call, client, "/v1/links?limit=" + std::to_string(kMaxListLimit), "links",
                 "list the links")) {
    workspaces.push_back(parse_link(item).vendor_customer_id);
  }
  std::vector<ApiRequest> deletes;
  deletes.reserve(workspaces.size());
  for (const std::string& workspace : workspaces) {
    deletes.push_back(
        ApiRequest{"DELETE", "/v1/links/" + percent_encode(workspace), "", "links", ""});
  }
  std::vector<ApiResponse> responses = client.execute(call, deletes);
  size_t unlinked = 0;
  std::optional<Failure> first_failure;
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
