// The routes every entity has: entityInformation (with fields and user-defined fields), query
// (GET ?search= and POST, paged through nextPageUrl), query/count, and get by id.
#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/autotask/internal/api_error.h"
#include "sim/autotask/internal/routes.h"

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

// The opaque paging token of nextPageUrl/prevPageUrl. Observed tokens hold pageSize,
// previousIds and nextIds; here nextIds[0] is the id the page starts after and previousIds the
// start points of the pages before it, so prevPageUrl can be built too.
struct PagingState {
  int64_t page_size = 500;
  std::vector<int64_t> previous_ids;
  int64_t after_id = -1;
};

json::value paging_token(const PagingState& state) {
  json::array previous;
  for (int64_t id : state.previous_ids) previous.push_back(id);
  return json::object{{"pageSize", state.page_size},
                      {"previousIds", std::move(previous)},
                      {"nextIds", json::array{state.after_id}}};
}

std::optional<PagingState> parse_paging_token(std::string_view text, int64_t max_page_size) {
  boost::system::error_code ec;
  json::value token = json::parse(text, ec);
  const json::object* object = ec ? nullptr : token.if_object();
  if (object == nullptr) return std::nullopt;
  const json::value* page_size = find_member_any_case(*object, "pageSize");
  const json::value* previous = find_member_any_case(*object, "previousIds");
  const json::value* next = find_member_any_case(*object, "nextIds");
  if (!page_size || !page_size->is_int64() || page_size->get_int64() < 1 || !previous ||
      !previous->is_array() || !next || !next->is_array() || next->get_array().size() != 1 ||
      !next->get_array()[0].is_int64()) {
    return std::nullopt;
  }
  PagingState state;
  state.page_size = std::min(page_size->get_int64(), max_page_size);
  for (const json::value& id : previous->get_array()) {
    if (!id.is_int64()) return std::nullopt;
    state.previous_ids.push_back(id.get_int64());
  }
  state.after_id = next->get_array()[0].get_int64();
  return state;
}

json::value search_model(const Request& request) {
  auto search = request.query_param_any_case("search");
  if (!search) return nullptr;
  return parse_body(std::string(*search));
}

// Absolute, on this simulator's origin. A POSTed query pages through .../query/next (POST
// the same body there); a ?search= query through the same GET URL plus &paging=.
std::string page_url(const Request& request, const EntitySchema& schema, const PagingState& state) {
  const std::string token = url_encode_component(json::serialize(paging_token(state)));
  const std::string base = request.base_url + std::string(kVersionPath) + "/" + schema.name;
  if (request.method == "GET") {
    const std::string search(request.query_param_any_case("search").value_or(""));
    return base + "/query?search=" + url_encode_component(search) + "&paging=" + token;
  }
  return base + "/query/next?paging=" + token;
}

}  // namespace

void Api::add_information_routes(Router& router, const std::string& base,
                                 const EntitySchema& schema) {
  const EntitySchema* entity = &schema;
  router.add("GET", base + "/entityInformation", api([entity](const Request&, const ApiUser& user) {
               return wire_json(200, entity_information(*entity, &user.access_to(*entity)));
             }));
  router.add("GET", base + "/entityInformation/fields",
             api([entity](const Request&, const ApiUser&) {
               return wire_json(200, field_information(*entity));
             }));
  router.add("GET", base + "/entityInformation/userDefinedFields",
             api([this, entity](const Request&, const ApiUser&) {
               return user_defined_field_information(*entity);
             }));
}

void Api::add_query_routes(Router& router, const std::string& base, const EntitySchema& schema) {
  const EntitySchema* entity = &schema;
  router.add("POST", base + "/query", api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               return query(r, *entity, parse_body(r.body), std::nullopt);
             }));
  // The URL form: the QueryModel in ?search=, and its next pages as ?search=..&paging=..
  router.add("GET", base + "/query", api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               auto paging = r.query_param_any_case("paging");
               return query(r, *entity, search_model(r),
                            paging ? std::optional<std::string>(*paging) : std::nullopt);
             }));
  // POST only: a GET here is answered 405 (clients that follow nextPageUrl with GET stop at
  // one page, the documented trap).
  router.add("POST", base + "/query/next",
             api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               auto paging = r.query_param_any_case("paging");
               if (!paging) throw HttpError(500, "Value cannot be null.\r\nParameter name: paging");
               return query(r, *entity, parse_body(r.body), std::string(*paging));
             }));
  router.add("POST", base + "/query/count",
             api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               return count(*entity, parse_body(r.body));
             }));
  router.add("GET", base + "/query/count",
             api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               return count(*entity, search_model(r));
             }));
  router.add("GET", base + "/{id}", api([this, entity](const Request& r, const ApiUser& user) {
               require(user, *entity, Verb::kQuery);
               return get_by_id(r, *entity);
             }));
}

CompiledQuery Api::compile(const EntitySchema& schema, const json::value& model) const {
  try {
    return compile_query(model, schema, QueryLimits{settings_.max_or_conditions});
  } catch (const QueryError& error) {
    throw HttpError(500, error.what());
  }
}

Response Api::query(const Request& request, const EntitySchema& schema, const json::value& model,
                    const std::optional<std::string>& paging) const {
  const CompiledQuery compiled = compile(schema, model);
  PagingState state;
  if (paging) {
    auto parsed = parse_paging_token(*paging, settings_.max_page_size);
    if (!parsed) throw HttpError(500, "The paging parameter is not valid.");
    state = std::move(*parsed);
  } else {
    state.page_size = settings_.max_page_size;
    // MaxRecords is the page size: 1-500. Larger values are clamped, not refused.
    if (compiled.max_records && *compiled.max_records > 0) {
      state.page_size = std::min(*compiled.max_records, settings_.max_page_size);
    }
  }
  const RowSource& source = *tenant_.source(schema);
  const QueryPage page =
      read_page(source, compiled, state.after_id, static_cast<size_t>(state.page_size));

  json::array items;
  for (const Row* row : page.rows) {
    items.push_back(row_to_wire(
        schema, *row, compiled.include_fields.empty() ? nullptr : &compiled.include_fields));
  }
  json::value next = nullptr;
  if (page.more) {
    PagingState next_state = state;
    next_state.previous_ids.push_back(state.after_id);
    next_state.after_id = page.rows.back()->id();
    next = page_url(request, schema, next_state);
  }
  json::value previous = nullptr;
  if (!state.previous_ids.empty()) {
    PagingState previous_state = state;
    previous_state.after_id = previous_state.previous_ids.back();
    previous_state.previous_ids.pop_back();
    previous = page_url(request, schema, previous_state);
  }
  return wire_json(200,
                   json::object{{"items", std::move(items)},
                                {"pageDetails", json::object{{"count", page.rows.size()},
                                                             {"requestCount", state.page_size},
                                                             {"prevPageUrl", std::move(previous)},
                                                             {"nextPageUrl", std::move(next)}}}});
}

Response Api::count(const EntitySchema& schema, const json::value& model) const {
  const CompiledQuery compiled = compile(schema, model);
  return wire_json(200,
                   json::object{{"queryCount", count_matches(*tenant_.source(schema), compiled)}});
}

Response Api::get_by_id(const Request& request, const EntitySchema& schema) const {
  auto id = parse_id(request.path_param("id"));
  if (!id) return not_found(request);  // the route's id constraint does not match
  const Row* row = tenant_.source(schema)->find(*id);
  if (row == nullptr) {
    return errors_body(404,
                       "No " + schema.singular + " with id " + std::to_string(*id) + " was found.");
  }
  return wire_json(200, json::object{{"item", row_to_wire(schema, *row)}});
}

Response Api::user_defined_field_information(const EntitySchema& schema) const {
  json::array fields;
  if (const RowSource* source = tenant_.source(schema); source && schema.has_user_defined_fields) {
    std::set<std::string> names;
    source->scan(-1, std::nullopt, [&names](const Row& row) {
      if (const auto* udfs = row.user_defined_fields()) {
        for (const UserDefinedField& udf : *udfs) names.insert(udf.name);
      }
      return true;
    });
    for (const std::string& name : names) {
      fields.push_back(json::object{{"name", name},
                                    {"label", name},
                                    {"type", "string"},
                                    {"udfType", 1},
                                    {"isRequired", false},
                                    {"isActive", true},
                                    {"isProtected", false},
                                    {"isEncrypted", false},
                                    {"isPickList", false}});
    }
  }
  return wire_json(200, json::object{{"fields", std::move(fields)}});
}

}  // namespace mb::sim::autotask
