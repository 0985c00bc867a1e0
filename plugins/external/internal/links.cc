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

// Marks the item failed with the failure's message; the call's first failure is the one the
// call fails with.
void fail(LinkedAccount& item, const HttpFailure& failure,
          std::optional<HttpFailure>& first_failure) {
  item.outcome = LinkOutcome::kFailed;
  item.message = failure.message;
  if (!first_failure) first_failure = failure;
}

// An item's outcome: `done` when the platform took it, else failed as `fail` says.
void settle(LinkedAccount& item, const HttpResponse& r, LinkOutcome done, const std::string& what,
            std::optional<HttpFailure>& first_failure) {
  item.outcome = done;
  if (r.ok()) return;
  fail(item, failure_for(r, what), first_failure);
}

std::string link_action(const AccountLink& link) {
  return "link workspace " + link.account_id + " to customer " + link.platform_account_id;
}

LinkedAccount& add_item(LinkAccountsResult& out, const AccountLink& link) {
  LinkedAccount& item = out.items.emplace_back();
  item.account_id = link.account_id;
  item.platform_account_id = link.platform_account_id;
  return item;
}

// Protocol 1.0: PUT /v1/links/<workspace> per link, all handed to the host at once.
void link_one_by_one(Call& call, const Client& client, const std::vector<AccountLink>& links,
                     LinkAccountsResult& out, std::optional<HttpFailure>& first_failure) {
  std::vector<std::string> workspaces, bodies;
  for (const AccountLink& link : links) {
    workspaces.push_back(link.account_id);
    bodies.push_back(json::serialize(json::object{{"customer_id", link.platform_account_id}}));
  }
  std::vector<HttpResponse> linked = send_links(call, client, "PUT", workspaces, bodies);
  for (size_t i = 0; i < linked.size(); ++i) {
    // 201: newly linked; 200: it was linked already (moved or not)
    settle(add_item(out, links[i]), linked[i],
           linked[i].status == 201 ? LinkOutcome::kLinked : LinkOutcome::kUpdated,
           link_action(links[i]), first_failure);
  }
}

// The class of a link the platform refused, as the single PUT's answer would have it.
mb_status refusal_class(const std::string& reason) {
  if (reason == "customer_already_linked") return MB_STATUS_CONFLICT;
  if (reason == "unknown_customer") return MB_STATUS_NOT_FOUND;
  return MB_STATUS_CONFIG_INVALID;
}

// The outcome of one link as the batch's result states it.
void settle_result(LinkedAccount& item, const AccountLink& link, const ItemResult& result,
                   std::optional<HttpFailure>& first_failure) {
  if (result.status == "created") {
    item.outcome = LinkOutcome::kLinked;
  } else if (result.status == "moved" || result.status == "unchanged") {
    item.outcome = LinkOutcome::kUpdated;
  } else {
    // "rejected", or a status this plugin does not know: not linked, either way.
    const std::string reason = result.reason.empty() ? result.status : result.reason;
    fail(item,
         HttpFailure{refusal_class(reason),
                     "could not " + link_action(link) + " (" + reason +
                         (result.message.empty() ? "" : ": " + result.message) + ")",
                     0},
         first_failure);
  }
}

// Protocol 1.1: POST /v1/link-batches of at most `batch_limit` links each, all handed to the
// host at once.
void link_in_batches(Call& call, const Client& client, const std::vector<AccountLink>& links,
                     size_t batch_limit, LinkAccountsResult& out,
                     std::optional<HttpFailure>& first_failure) {
  std::vector<HttpRequest> requests;
  std::vector<std::vector<std::string>> workspaces;
  for (size_t first = 0; first < links.size(); first += batch_limit) {
    json::array items;
    std::vector<std::string>& ids = workspaces.emplace_back();
    for (size_t i = first; i < std::min(links.size(), first + batch_limit); ++i) {
      items.push_back(json::object{{"vendor_customer_id", links[i].account_id},
                                   {"customer_id", links[i].platform_account_id}});
      ids.push_back(links[i].account_id);
    }
    requests.push_back(client.request("POST", "/v1/link-batches", "links"));
    set_json_body(requests.back(), json::serialize(json::object{{"links", std::move(items)}}));
  }
  std::vector<HttpResponse> answers = client.execute(call, requests);
  for (size_t b = 0; b < workspaces.size(); ++b) {
    const size_t first = b * batch_limit;
    const HttpResponse* answer = b < answers.size() ? &answers[b] : nullptr;
    std::vector<ItemResult> results;
    if (answer != nullptr && answer->ok())
      results = parse_link_batch_results(answer->body, workspaces[b]);
    for (size_t i = 0; i < workspaces[b].size(); ++i) {
      const AccountLink& link = links[first + i];
      LinkedAccount& item = add_item(out, link);
      if (!results.empty()) {
        settle_result(item, link, results[i], first_failure);
      } else if (answer != nullptr) {
        fail(item, failure_for(*answer, link_action(link)), first_failure);
      } else {
        fail(item, HttpFailure{MB_STATUS_RETRY, "could not " + link_action(link) + ": not sent", 0},
             first_failure);
      }
    }
  }
}

}  // namespace

LinkAccountsResult link_accounts(Call& call, const Client& client, PlatformCache& cache,
                                 const LinkAccountsRequest& request) {
  for (const std::string& workspace : request.unlink) check_vendor_customer_id(workspace);
  for (const AccountLink& item : request.link) {
    if (item.account_id.empty() || item.platform_account_id.empty()) {
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "each link needs an account_id (workspace) and a platform_account_id");
    }
    check_vendor_customer_id(item.account_id);
  }

  LinkAccountsResult out;
  std::optional<HttpFailure> first_failure;
  // Unlinks first, so that moving a customer from one workspace to another in one call works.
  std::vector<HttpResponse> deleted = send_links(call, client, "DELETE", request.unlink);
  for (size_t i = 0; i < deleted.size(); ++i) {
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = request.unlink[i];
    settle(item, deleted[i], LinkOutcome::kUnlinked, "unlink workspace " + request.unlink[i],
           first_failure);
  }
  if (!request.link.empty()) {
    const std::optional<int64_t> batch_limit = cache.integration(call, client).max_link_batch_items;
    if (batch_limit) {
      link_in_batches(call, client, request.link, static_cast<size_t>(*batch_limit), out,
                      first_failure);
    } else {
      link_one_by_one(call, client, request.link, out, first_failure);
    }
  }
  // The host keeps a mapping only when the hook succeeds, so any failure fails the call. What
  // did succeed stays done; linking and unlinking are idempotent, so doing it again is harmless.
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
