#include "plugins/autotask/internal/listings.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>
#include <utility>
#include <vector>

#include "plugins/autotask/internal/json_fields.h"
#include "plugins/autotask/internal/query.h"

namespace autotask {

namespace {

namespace json = boost::json;
using meterbridge::Call;
using meterbridge::PluginError;

struct ListingInput {
  std::string search;  // empty: no search
  int64_t limit = kMaxPageSize;
  std::string next_page_url;  // from the cursor; empty on the first call
  std::string query_body;     // from the cursor; empty on the first call
};

ListingInput parse_listing_input(std::string_view text) {
  auto doc = parse_object(text);
  if (!doc) throw PluginError(MB_STATUS_CONFIG_INVALID, "input must be a JSON object");
  ListingInput in;
  in.search = string_field(*doc, "search").value_or("");
  if (auto limit = int_field(*doc, "limit"); limit && *limit > 0) in.limit = *limit;
  auto cursor = string_field(*doc, "cursor");
  if (!cursor || cursor->empty()) return in;
  auto state = parse_object(*cursor);
  auto page = state ? string_field(*state, "page") : std::nullopt;
  const json::value* query = state ? state->if_contains("query") : nullptr;
  if (!page || page->empty() || query == nullptr || !query->is_object())
    throw PluginError(MB_STATUS_CONFIG_INVALID, "the cursor was not made by this plugin");
  in.next_page_url = *page;
  in.query_body = json::serialize(*query);
  return in;
}

using ItemOf = std::function<std::optional<json::object>(const json::object& row)>;

std::string list_page(AutotaskClient& client, Call& call, std::string_view entity,
                      const ListingInput& in, const json::object& first_query,
                      const ItemOf& item_of) {
  std::string body = in.query_body.empty() ? json::serialize(first_query) : in.query_body;
  QueryPage page = client.query_page(call, entity, body, in.next_page_url);
  json::array items;
  for (const auto& row : page.items)
    if (auto item = item_of(row)) items.push_back(std::move(*item));
  json::value next = nullptr;
  if (!page.next_page_url.empty())
    next =
        json::serialize(json::object{{"page", page.next_page_url}, {"query", json::parse(body)}});
  return json::serialize(
      json::object{{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

json::value field_or_null(const json::object& row, std::string_view name) {
  const json::value* v = find_field(row, name);
  return v == nullptr ? json::value(nullptr) : *v;
}

}  // namespace

std::string list_accounts(AutotaskClient& client, Call& call, std::string_view input) {
  ListingInput in = parse_listing_input(input);
  std::vector<json::object> filter{equals("isActive", true)};
  if (!client.config().company_types.empty())
    filter.push_back(one_of("companyType", client.config().company_types));
  if (!in.search.empty()) filter.push_back(contains_text("companyName", in.search));
  json::object query = query_model(
      std::move(filter),
      {"id", "companyName", "companyNumber", "companyType", "isActive", "parentCompanyID"},
      in.limit);
  return list_page(
      client, call, "Companies", in, query,
      [](const json::object& row) -> std::optional<json::object> {
        auto id = int_field(row, "id");
        if (!id) return std::nullopt;
        return json::object{
            {"id", std::to_string(*id)},
            {"name", string_field(row, "companyName").value_or("")},
            {"active", bool_field(row, "isActive").value_or(true)},
            {"details",
             json::object{{"company_number", field_or_null(row, "companyNumber")},
                          {"company_type", field_or_null(row, "companyType")},
                          {"parent_company_id", field_or_null(row, "parentCompanyID")}}}};
      });
}

std::string list_services(AutotaskClient& client, Call& call, std::string_view input) {
  ListingInput in = parse_listing_input(input);
  std::vector<json::object> filter{equals("isActive", true)};
  if (!in.search.empty()) filter.push_back(contains_text("name", in.search));
  json::object query = query_model(
      std::move(filter), {"id", "name", "description", "unitPrice", "periodType"}, in.limit);
  return list_page(
      client, call, "Services", in, query,
      [](const json::object& row) -> std::optional<json::object> {
        auto id = int_field(row, "id");
        if (!id) return std::nullopt;
        return json::object{
            {"id", std::to_string(*id)},
            {"name", string_field(row, "name").value_or("")},
            {"active", true},
            {"details", json::object{{"description", field_or_null(row, "description")},
                                     {"unit_price", field_or_null(row, "unitPrice")},
                                     {"period_type", field_or_null(row, "periodType")}}}};
      });
}

}  // namespace autotask
