#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>
#include <utility>
#include <vector>

#include "internal/query.h"

namespace meterbridge::autotask {

namespace {

namespace json = boost::json;

struct ListingInput {
  std::string search;  // empty: no search
  int64_t limit = kMaxPageSize;
  std::string next_page_url;  // from the cursor; empty on the first call
  std::string query_body;     // from the cursor; empty on the first call
};

ListingInput parse_listing_input(const ListRequest& request) {
  ListingInput in;
  in.search = request.search.value_or("");
  if (request.limit && *request.limit > 0) in.limit = *request.limit;
  const std::optional<std::string>& cursor = request.cursor;
  if (!cursor || cursor->empty()) return in;
  auto state = parse_json_object(*cursor);
  auto page = state ? text(field_any_case(*state, "page")) : std::nullopt;
  const json::value* query = state ? state->if_contains("query") : nullptr;
  if (!page || page->empty() || query == nullptr || !query->is_object())
    throw PluginError(MB_STATUS_CONFIG_INVALID, "the cursor was not made by this plugin");
  in.next_page_url = *page;
  in.query_body = json::serialize(*query);
  return in;
}

using ItemOf = std::function<std::optional<ListItem>(const json::object& row)>;

ListPage list_page(AutotaskClient& client, Call& call, std::string_view entity,
                   const ListingInput& in, const json::object& first_query, const ItemOf& item_of) {
  std::string body = in.query_body.empty() ? json::serialize(first_query) : in.query_body;
  QueryPage page = client.query_page(call, entity, body, in.next_page_url);
  ListPage out;
  for (const auto& row : page.items)
    if (auto item = item_of(row)) out.items.push_back(std::move(*item));
  if (!page.next_page_url.empty())
    out.next_cursor =
        json::serialize(json::object{{"page", page.next_page_url}, {"query", json::parse(body)}});
  return out;
}

json::value field_or_null(const json::object& row, std::string_view name) {
  const json::value* v = field_any_case(row, name);
  return v == nullptr ? json::value(nullptr) : *v;
}

}  // namespace

ListPage list_accounts(AutotaskClient& client, Call& call, const ListRequest& request) {
  ListingInput in = parse_listing_input(request);
  std::vector<json::object> filter{equals("isActive", true)};
  if (!client.config().company_types.empty())
    filter.push_back(one_of("companyType", client.config().company_types));
  if (!in.search.empty()) filter.push_back(contains_text("companyName", in.search));
  json::object query = query_model(
      std::move(filter),
      {"id", "companyName", "companyNumber", "companyType", "isActive", "parentCompanyID"},
      in.limit);
  return list_page(
      client, call, "Companies", in, query, [](const json::object& row) -> std::optional<ListItem> {
        auto id = whole_number(field_any_case(row, "id"));
        if (!id) return std::nullopt;
        return ListItem{std::to_string(*id), text(field_any_case(row, "companyName")).value_or(""),
                        boolean(field_any_case(row, "isActive")).value_or(true),
                        json::serialize(json::object{
                            {"company_number", field_or_null(row, "companyNumber")},
                            {"company_type", field_or_null(row, "companyType")},
                            {"parent_company_id", field_or_null(row, "parentCompanyID")}})};
      });
}

ListPage list_services(AutotaskClient& client, Call& call, const ListRequest& request) {
  ListingInput in = parse_listing_input(request);
  std::vector<json::object> filter{equals("isActive", true)};
  if (!in.search.empty()) filter.push_back(contains_text("name", in.search));
  json::object query = query_model(
      std::move(filter), {"id", "name", "description", "unitPrice", "periodType"}, in.limit);
  return list_page(
      client, call, "Services", in, query, [](const json::object& row) -> std::optional<ListItem> {
        auto id = whole_number(field_any_case(row, "id"));
        if (!id) return std::nullopt;
        return ListItem{
            std::to_string(*id), text(field_any_case(row, "name")).value_or(""), true,
            json::serialize(json::object{{"description", field_or_null(row, "description")},
                                         {"unit_price", field_or_null(row, "unitPrice")},
                                         {"period_type", field_or_null(row, "periodType")}})};
      });
}

}  // namespace meterbridge::autotask
