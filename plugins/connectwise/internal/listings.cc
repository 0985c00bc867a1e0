#include "internal/operations.h"

#include <boost/json.hpp>

#include <optional>
#include <string>

#include "internal/conditions.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

// The page a list cursor names; the first page without one.
int64_t cursor_page(const ListRequest& request) {
  if (!request.cursor) return 1;
  std::optional<int64_t> page = parse_id(*request.cursor);
  if (!page || *page < 1)
    throw PluginError(MB_STATUS_FATAL, "list cursor is not one this plugin returned");
  return *page;
}

std::optional<std::string> next_cursor(const std::optional<int64_t>& next) {
  return next ? std::optional<std::string>(std::to_string(*next)) : std::nullopt;
}

std::optional<std::string> search_of(const ListRequest& request) {
  return request.search && !request.search->empty() ? request.search : std::nullopt;
}

}  // namespace

// One ConnectWise page (up to 1,000 companies) per call, whatever the host's "limit": fewer,
// larger pages are what ConnectWise's rate limits favour, and the cursor is the next page.
ListPage list_accounts(Call& call, Client& client, const ListRequest& request) {
  int64_t page = cursor_page(request);
  std::optional<std::string> search = search_of(request);
  client.begin_hook();
  client.ensure_discovered(call);

  Query q("company/companies");
  q.set("conditions", all_of({"deletedFlag=false",
                              search ? contains_text({"name", "identifier"}, *search) : ""}));
  q.set("fields", "id,identifier,name,status,types");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client, ListQuery{q, "companies", "list companies", false}, page);

  ListPage out;
  for (const json::object& o : p.rows) {
    std::optional<CompanyRow> c = company_row(o);
    if (!c) continue;
    if (search && !contains_case_insensitive(c->name, *search) &&
        !contains_case_insensitive(c->identifier, *search))
      continue;
    json::array types;
    for (const std::string& t : c->types) types.emplace_back(t);
    // "Inactive" is ConnectWise's stock status for companies no longer served.
    bool inactive = equals_case_insensitive(c->status, "Inactive");
    out.items.push_back(ListItem{
        std::to_string(c->id), c->name, !inactive,
        json::serialize(json::object{
            {"identifier", c->identifier}, {"status", c->status}, {"types", std::move(types)}})});
  }
  out.next_cursor = next_cursor(p.next);
  return out;
}

ListPage list_services(Call& call, Client& client, const ListRequest& request) {
  int64_t page = cursor_page(request);
  std::optional<std::string> search = search_of(request);
  client.begin_hook();
  client.ensure_discovered(call);

  Query q("procurement/catalog");
  q.set("conditions",
        all_of({"inactiveFlag=false",
                search ? contains_text({"identifier", "description"}, *search) : ""}));
  q.set("fields", "id,identifier,description,productClass,recurringFlag");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client, ListQuery{q, "catalog", "list catalog items", false}, page);

  ListPage out;
  for (const json::object& o : p.rows) {
    std::optional<CatalogRow> c = catalog_row(o);
    if (!c) continue;
    if (search && !contains_case_insensitive(c->identifier, *search) &&
        !contains_case_insensitive(c->description, *search))
      continue;
    json::object details{{"identifier", c->identifier},
                         {"description", c->description},
                         {"productClass", c->product_class}};
    details["recurringFlag"] = c->recurring ? json::value(*c->recurring) : json::value(nullptr);
    out.items.push_back(ListItem{std::to_string(c->id),
                                 c->description.empty() ? c->identifier : c->description,
                                 std::nullopt, json::serialize(details)});
  }
  out.next_cursor = next_cursor(p.next);
  return out;
}

}  // namespace meterbridge::connectwise
