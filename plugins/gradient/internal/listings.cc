#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "internal/accounts.h"
#include "internal/services.h"
#include "internal/wire.h"

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

// list_accounts treats a search starting with this as a search of the MSP's PSA clients.
constexpr std::string_view kClientsSearch = "psa:";
constexpr std::string_view kAccountsCursor = "accounts:";
constexpr std::string_view kClientsCursor = "clients:";
constexpr int64_t kDefaultLimit = 500;
constexpr int64_t kMaxLimit = 5000;

// A count in a cursor this plugin issued.
size_t cursor_number(std::string_view text) {
  std::optional<int64_t> n = parse_whole_number(text);
  if (!n) throw PluginError(MB_STATUS_CONFIG_INVALID, "list_accounts: malformed cursor");
  return static_cast<size_t>(*n);
}

// The MSP's PSA clients, for display only (the vendor never maps to them itself). Gradient pages
// them with a cursor: previousId = the last id received. The page size is undocumented, so the
// listing ends at an empty page or one shorter than the page before.
ListPage list_psa_clients(Call& call, const Client& client, const std::string& search,
                          const std::string& cursor) {
  size_t previous_size = 0;
  std::string previous_id;
  if (!cursor.empty()) {
    size_t sep = cursor.find(':', kClientsCursor.size());
    if (cursor.rfind(kClientsCursor, 0) != 0 || sep == std::string::npos)
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "list_accounts: unknown cursor; start again without one");
    previous_size =
        cursor_number(cursor.substr(kClientsCursor.size(), sep - kClientsCursor.size()));
    previous_id = cursor.substr(sep + 1);
  }
  std::string path = "/organization/clients";
  std::string query;
  if (!search.empty()) query += "search=" + encode_query_value(search);
  if (!previous_id.empty())
    query +=
        (query.empty() ? "" : "&") + std::string("previousId=") + encode_query_value(previous_id);
  if (!query.empty()) path += "?" + query;
  HttpResponse r = client.execute_one(call, client.request("GET", path, "clients"));
  if (!r.ok()) throw_failure(classify(r, "list the MSP's PSA clients"));
  auto clients = parse_clients(r.body);
  if (!clients)
    throw PluginError(MB_STATUS_FATAL, "list the MSP's PSA clients: Gradient answered " +
                                           std::to_string(r.status) + " without a clients list");
  ListPage page;
  for (const PsaClient& c : *clients)
    page.items.push_back(ListItem{c.id, c.name, true, R"({"kind":"psa_client"})"});
  bool last = clients->empty() || (previous_size > 0 && clients->size() < previous_size) ||
              clients->back().id == previous_id;
  if (!last)
    page.next_cursor =
        std::string(kClientsCursor) + std::to_string(clients->size()) + ":" + clients->back().id;
  return page;
}

}  // namespace

ListPage list_accounts(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request) {
  std::string search = request.search.value_or("");
  std::string cursor = request.cursor.value_or("");
  if (search.rfind(kClientsSearch, 0) == 0)
    return list_psa_clients(call, client, trimmed(search.substr(kClientsSearch.size())), cursor);

  int64_t limit = kDefaultLimit;
  if (request.limit) limit = std::clamp<int64_t>(*request.limit, 1, kMaxLimit);
  size_t offset = 0;
  if (!cursor.empty()) {
    if (cursor.rfind(kAccountsCursor, 0) != 0 || state.listing.empty())
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "list_accounts: unknown cursor; start again without one");
    offset = cursor_number(cursor.substr(kAccountsCursor.size()));
  } else {
    // Gradient lists every account in one answer; later pages read this copy, so paging is
    // consistent even if accounts change meanwhile.
    state.listing = fetch_accounts(call, client);
    state.remember_accounts(state.listing);
  }
  std::vector<const Account*> found;
  for (const Account& a : state.listing)
    if (matches_search(request, a.id, a.name)) found.push_back(&a);
  ListPage page;
  size_t end = std::min(found.size(), offset + static_cast<size_t>(limit));
  for (size_t i = offset; i < end; ++i)
    page.items.push_back(
        ListItem{found[i]->id, found[i]->name, true,
                 json::serialize(json::object{{"description", found[i]->description}})});
  if (end < found.size()) page.next_cursor = std::string(kAccountsCursor) + std::to_string(end);
  return page;
}

ListPage list_services(Call& call, const Client& client, SessionState& state,
                       const ListRequest& request) {
  std::vector<Sku> catalog = fetch_catalog(call, client);
  state.catalog_ids.emplace();
  ListPage page;
  for (const Sku& s : catalog) {
    state.catalog_ids->insert(s.id);
    if (!matches_search(request, s.id, s.name)) continue;
    page.items.push_back(ListItem{s.id, s.name, std::nullopt,
                                  json::serialize(json::object{{"category", s.category},
                                                               {"subcategory", s.subcategory},
                                                               {"description", s.description}})});
  }
  return page;
}

}  // namespace meterbridge::gradient
