// The partner's organization: its integration and status, the MSP's PSA clients, and the
// accounts the vendor creates for it.
#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/gradient/internal/api_error.h"
#include "sim/gradient/internal/routes.h"
#include "sim/gradient/internal/service_catalog.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient {

namespace json = boost::json;

// --- Integration --------------------------------------------------------------------------

Response Api::get_integration(const ApiCall& call) {
  return Response::json(200, integration_json(world_.vendor, call.partner));
}

Response Api::update_status(const ApiCall& call) {
  const std::string& status = call.request.path_param("status");
  const std::span<const std::string_view> allowed =
      settings_.status_values == "newer"
          ? std::span<const std::string_view>(kNewerIntegrationStatuses)
          : std::span<const std::string_view>(kIntegrationStatuses);
  // Exact comparison: "Active" is refused where "active" works.
  if (std::find(allowed.begin(), allowed.end(), status) == allowed.end()) {
    throw ValidationError({"status must be one of the following values: " + joined(allowed)});
  }
  call.partner.change_status(status, "vendor");
  return Response::json(200, json::object{{"data", integration_json(world_.vendor, call.partner)},
                                          {"status", 200},
                                          {"message", "Success - Updated Integration Status"}});
}

// The MSP's PSA clients, ordered by id; previousId is a keyset cursor (the page starts after
// it), so an id that is not a client's still pages correctly.
Response Api::list_clients(const ApiCall& call) {
  const std::string search = to_lower_ascii(call.request.query_param("search").value_or(""));
  const std::string previous_id(call.request.query_param("previousId").value_or(""));
  std::vector<const Client*> matching;
  for (const Client& client : call.partner.clients) {
    if (search.empty() || to_lower_ascii(client.name).find(search) != std::string::npos) {
      matching.push_back(&client);
    }
  }
  std::sort(matching.begin(), matching.end(),
            [](const Client* a, const Client* b) { return a->id < b->id; });
  json::array page;
  for (const Client* client : matching) {
    if (static_cast<int64_t>(page.size()) == settings_.clients_page_size) break;
    if (previous_id.empty() || client->id > previous_id) page.push_back(client_json(*client));
  }
  json::value last_id = nullptr;
  if (!page.empty()) last_id = page.back().at("id");
  json::object meta{
      {"total", matching.size()},
      {"pageSize", settings_.clients_page_size},
      {"count", page.size()},
      {"previousId", previous_id.empty() ? json::value(nullptr) : json::value(previous_id)},
      {"lastId", last_id}};
  return Response::json(200, json::object{{"meta", std::move(meta)}, {"clients", std::move(page)}});
}

// --- Accounts -----------------------------------------------------------------------------

Response Api::create_accounts(const ApiCall& call) {
  const json::value body = parsed_body(call.request);
  if (!body.is_array()) throw HttpError(400, std::string(kArrayExpected));
  std::vector<Account> incoming;
  std::vector<std::string> problems;
  const json::array& rows = body.get_array();
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string prefix = "[" + std::to_string(i) + "]";
    FieldChecks checks(rows[i], prefix + ".");
    if (!rows[i].is_object()) checks.fail(prefix + " must be an object");
    const json::string* id = checks.required_string("id");
    const json::string* name = checks.required_string("name");
    const json::string* description = checks.optional_string("description");
    if (checks.ok()) {
      incoming.push_back({"", text(id), text(name), description ? text(description) : ""});
    }
    for (std::string& problem : checks.take_messages()) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) throw ValidationError(std::move(problems));
  return Response::json(201, store_accounts(call.partner, std::move(incoming)));
}

// Applies the duplicate-id policy. "conflict" refuses the whole request, so a 409 never
// leaves half a batch behind.
json::array Api::store_accounts(Partner& partner, std::vector<Account> incoming) {
  std::set<std::string> seen;
  bool duplicate = false;
  for (const Account& account : incoming) {
    if (partner.find_account(account.id) != nullptr || !seen.insert(account.id).second) {
      duplicate = true;
    }
  }
  if (duplicate && settings_.duplicate_accounts == "conflict") {
    throw HttpError(409, std::string(kDuplicateId));
  }
  json::array stored;
  for (Account& account : incoming) {
    if (Account* existing = partner.find_account(account.id)) {
      if (settings_.duplicate_accounts == "skip") continue;
      existing->name = account.name;
      existing->description = account.description;
      stored.push_back(account_json(*existing, partner, false));
      continue;
    }
    account.record_id = ids_.object_id();
    partner.accounts.push_back(std::move(account));
    stored.push_back(account_json(partner.accounts.back(), partner, false));
  }
  return stored;
}

// Everything at once, no paging. accountIds and returnUnmapped are the SDK's optional filters.
Response Api::list_accounts(const ApiCall& call) {
  std::set<std::string, std::less<>> wanted;
  for (const auto& [name, value] : call.request.query) {
    if (name != "accountIds") continue;
    size_t start = 0;
    while (start <= value.size()) {
      const size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) wanted.insert(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  bool only_mapped = false;
  if (const auto return_unmapped = call.request.query_param("returnUnmapped")) {
    if (*return_unmapped != "true" && *return_unmapped != "false") {
      throw ValidationError({"returnUnmapped must be a boolean value"});
    }
    only_mapped = *return_unmapped == "false";
  }
  json::array rows;
  for (const Account& account : call.partner.accounts) {
    if (!wanted.empty() && !wanted.contains(account.id)) continue;
    if (only_mapped && !call.partner.is_account_mapped(account)) continue;
    rows.push_back(account_json(account, call.partner, settings_.account_mapping_fields));
  }
  return Response::json(200, rows);
}

Response Api::update_account(const ApiCall& call) {
  const std::string& account_id = call.request.path_param("accountId");
  Account* account = call.partner.find_account(account_id);
  if (account == nullptr) throw HttpError(404, "No account found with id: " + account_id);
  FieldChecks checks(parsed_body(call.request));
  const json::string* new_id = checks.optional_string("id", true);
  const json::string* name = checks.optional_string("name", true);
  const json::string* description = checks.optional_string("description");
  checks.finish();
  if (new_id != nullptr && *new_id != account->id &&
      call.partner.find_account(text(new_id)) != nullptr) {
    throw HttpError(409, std::string(kDuplicateId));
  }
  // The record keeps its Gradient id, so the MSP's mapping follows an id change.
  if (new_id != nullptr) account->id = text(new_id);
  if (name != nullptr) account->name = text(name);
  if (description != nullptr) account->description = text(description);
  return Response::json(200, account_json(*account, call.partner, false));
}

}  // namespace mb::sim::gradient
