#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "internal/conditions.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

// What one list hook reads.
struct Listing {
  const char* path;
  const char* condition;                // every listed row meets it
  std::array<const char*, 2> searched;  // the fields a search looks in
  const char* fields;
  const char* endpoint;
  const char* what;  // for messages
};

constexpr Listing kCompanies{"company/companies",
                             "deletedFlag=false",
                             {"name", "identifier"},
                             "id,identifier,name,status,types",
                             "companies",
                             "list companies"};
constexpr Listing kCatalogItems{"procurement/catalog",
                                "inactiveFlag=false",
                                {"identifier", "description"},
                                "id,identifier,description,productClass,recurringFlag",
                                "catalog",
                                "list catalog items"};

// The page a list cursor names; the first page without one.
int64_t cursor_page(const ListRequest& request) {
  if (!request.cursor) return 1;
  std::optional<int64_t> page = parse_id(*request.cursor);
  if (!page || *page < 1)
    throw PluginError(MB_STATUS_FATAL, "list cursor is not one this plugin returned");
  return *page;
}

// One ConnectWise page (up to 1,000 rows) per call, whatever the host's "limit": fewer, larger
// pages are what ConnectWise's rate limits favour, and the cursor is the next page. ConnectWise
// is sent only a search's plain fragments (contains_text), so the rows are filtered again here.
template <typename ToItem>
ListPage list_page(Call& call, Client& client, const ListRequest& request, const Listing& listing,
                   ToItem to_item) {
  int64_t page = cursor_page(request);
  std::optional<std::string> search =
      request.search && !request.search->empty() ? request.search : std::nullopt;
  client.begin_hook();
  client.ensure_discovered(call);

  Query q(listing.path);
  q.set("conditions",
        all_of({listing.condition,
                search ? contains_text({listing.searched[0], listing.searched[1]}, *search) : ""}));
  q.set("fields", listing.fields);
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client, ListQuery{q, listing.endpoint, listing.what, false}, page);

  ListPage out;
  for (const json::object& row : p.rows) {
    auto holds_search = [&](const char* field) {
      return contains_ignoring_case(text(row.if_contains(field)).value_or(""), *search);
    };
    if (search && std::none_of(listing.searched.begin(), listing.searched.end(), holds_search))
      continue;
    if (std::optional<ListItem> item = to_item(row)) out.items.push_back(std::move(*item));
  }
  if (p.next) out.next_cursor = std::to_string(*p.next);
  return out;
}

}  // namespace

ListPage list_accounts(Call& call, Client& client, const ListRequest& request) {
  return list_page(
      call, client, request, kCompanies, [](const json::object& row) -> std::optional<ListItem> {
        std::optional<CompanyRow> c = company_row(row);
        if (!c) return std::nullopt;
        json::object details{{"identifier", c->identifier},
                             {"status", c->status},
                             {"types", json::array(c->types.begin(), c->types.end())}};
        return ListItem{std::to_string(c->id), c->name, !c->inactive(), json::serialize(details)};
      });
}

ListPage list_services(Call& call, Client& client, const ListRequest& request) {
  return list_page(
      call, client, request, kCatalogItems, [](const json::object& row) -> std::optional<ListItem> {
        std::optional<CatalogRow> c = catalog_row(row);
        if (!c) return std::nullopt;
        json::object details{{"identifier", c->identifier},
                             {"description", c->description},
                             {"productClass", c->product_class}};
        details["recurringFlag"] = c->recurring ? json::value(*c->recurring) : json::value(nullptr);
        return ListItem{std::to_string(c->id),
                        c->description.empty() ? c->identifier : c->description, std::nullopt,
                        json::serialize(details)};
      });
}

}  // namespace meterbridge::connectwise
