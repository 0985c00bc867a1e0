#include "sim/testplatform/test_platform.h"

#include <boost/json.hpp>

#include <map>
#include <string>

#include "sim/core/paging.h"

namespace mb::sim::testplatform {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultPageSize = 25;
constexpr int64_t kDefaultGeneratedItems = 100;

struct Item {
  int64_t id = 0;
  std::string name;
  int64_t quantity = 0;
};

json::object item_json(const Item& item) {
  return json::object{{"id", item.id}, {"name", item.name}, {"quantity", item.quantity}};
}

struct Settings {
  std::string token = "test-token";
  int64_t max_page_size = 500;
  int64_t items_concurrency_limit = 0;
  int64_t throttle_status = 429;
};

int64_t required_int_setting(const json::value& value, std::string_view name, int64_t minimum) {
  if (!value.is_int64() || value.get_int64() < minimum) {
    throw HttpError(400, "setting '" + std::string(name) +
                             "' must be an integer >= " + std::to_string(minimum));
  }
  return value.get_int64();
}

class TestPlatform : public Platform {
 public:
  void register_routes(Router& router) override {
    router.add("GET", "/api/items", [this](const Request& r) { return list_items(r); });
    router.add("POST", "/api/items", [this](const Request& r) { return create_item(r); });
    router.add("GET", "/api/items/{id}", [this](const Request& r) { return get_item(r); });
    router.add("PATCH", "/api/items/{id}", [this](const Request& r) { return update_item(r); });
    router.add("DELETE", "/api/items/{id}", [this](const Request& r) { return delete_item(r); });
    router.add("*", "/api/echo", [](const Request& r) { return echo(r); });
  }

  json::value default_seed() const override {
    return json::object{
        {"items", json::array{item_json({1, "Widget", 3}), item_json({2, "Gadget", 0}),
                              item_json({3, "Gizmo & Sons", 12})}}};
  }

  json::value generate_seed(const GenerateSpec& spec) const override {
    spec.require_only({"items", "seed"});
    DeterministicRandom random(spec.seed());
    json::array items;
    const int64_t count = spec.get("items", kDefaultGeneratedItems);
    for (int64_t id = 1; id <= count; ++id) {
      items.push_back(item_json({id, generated_company_name(random, id), random.uniform(0, 250)}));
    }
    return json::object{{"items", std::move(items)}};
  }

  void load_seed(const json::value& seed) override {
    std::map<int64_t, Item> loaded;
    const json::value* items = seed.is_object() ? seed.as_object().if_contains("items") : nullptr;
    if (items == nullptr || !items->is_array()) {
      throw SeedError("test seed must be {\"items\":[{\"id\":1,\"name\":\"..\",\"quantity\":3}]}");
    }
    for (const json::value& value : items->as_array()) {
      const json::object* object = value.if_object();
      const json::value* id = object ? object->if_contains("id") : nullptr;
      const json::value* name = object ? object->if_contains("name") : nullptr;
      const json::value* quantity = object ? object->if_contains("quantity") : nullptr;
      if (!id || !id->is_int64() || id->get_int64() < 1 || !name || !name->is_string() ||
          !quantity || !quantity->is_int64() || quantity->get_int64() < 0) {
        throw SeedError("each item needs id (>= 1), name (string) and quantity (>= 0): " +
                        json::serialize(value));
      }
      Item item{id->get_int64(), std::string(name->get_string()), quantity->get_int64()};
      if (!loaded.emplace(item.id, item).second) {
        throw SeedError("item id " + std::to_string(item.id) + " appears twice");
      }
    }
    items_ = std::move(loaded);
    next_id_ = items_.empty() ? 1 : items_.rbegin()->first + 1;
  }

  json::value state() const override {
    json::array items;
    for (const auto& [id, item] : items_) items.push_back(item_json(item));
    return json::object{{"items", std::move(items)}, {"next_id", next_id_}};
  }

  EndpointClass classify(const Request& request) const override {
    if (request.path == "/api/items" || request.path.starts_with("/api/items/")) {
      return EndpointClass{"items", static_cast<int>(settings_.items_concurrency_limit)};
    }
    if (request.path == "/api/echo") return EndpointClass{"echo", 0};
    return Platform::classify(request);
  }

  Response throttle_response(const Request& /*request*/,
                             const ThrottleContext& context) const override {
    // Like Autotask's thread-threshold error: recognisable by its text whatever the status.
    const std::string message = context.cause == ThrottleCause::kConcurrencyLimit
                                    ? "Concurrency limit of " +
                                          std::to_string(context.max_in_flight) +
                                          " requests exceeded on " + context.endpoint_key
                                    : std::string("Concurrency limit exceeded");
    Response response =
        Response::json(static_cast<int>(settings_.throttle_status),
                       json::object{{"error", "concurrency_limit"}, {"message", message}});
    response.set_header("Retry-After", "1");
    return response;
  }

  Response error_response(int status, std::string_view message) const override {
    return Response::json(status,
                          json::object{{"error", error_code(status)}, {"message", message}});
  }

  json::value settings() const override {
    return json::object{{"token", settings_.token},
                        {"max_page_size", settings_.max_page_size},
                        {"items_concurrency_limit", settings_.items_concurrency_limit},
                        {"throttle_status", settings_.throttle_status}};
  }

  void apply_settings(const json::object& changes) override {
    Settings updated = settings_;
    for (const auto& [key, value] : changes) {
      if (key == "token") {
        if (!value.is_string()) throw HttpError(400, "setting 'token' must be a string");
        updated.token = std::string(value.get_string());
      } else if (key == "max_page_size") {
        updated.max_page_size = required_int_setting(value, key, 1);
      } else if (key == "items_concurrency_limit") {
        updated.items_concurrency_limit = required_int_setting(value, key, 0);
      } else if (key == "throttle_status") {
        updated.throttle_status = required_int_setting(value, key, 200);
        if (updated.throttle_status > 599) throw HttpError(400, "throttle_status must be <= 599");
      } else {
        throw HttpError(400, "unknown setting '" + std::string(key) + "'");
      }
    }
    settings_ = updated;
  }

  void reset_settings() override { settings_ = Settings{}; }

 private:
  static std::string_view error_code(int status) {
    switch (status) {
      case 400:
        return "bad_request";
      case 401:
        return "unauthorized";
      case 404:
        return "not_found";
      case 405:
        return "method_not_allowed";
      case 429:
        return "too_many_requests";
      default:
        return status >= 500 ? "server_error" : "error";
    }
  }

  void require_token(const Request& request) const {
    const auto authorization = request.header("authorization");
    if (!authorization || *authorization != "Bearer " + settings_.token) {
      throw HttpError(401, authorization ? "bearer token is not valid"
                                         : "Authorization: Bearer <token> is required");
    }
  }

  Item& find_item(const Request& request) {
    auto it = items_.find(request.path_param_int("id"));
    if (it == items_.end()) throw HttpError(404, "item " + request.path_param("id") + " not found");
    return it->second;
  }

  Response list_items(const Request& request) const {
    require_token(request);
    const int64_t page = request.query_int("page").value_or(1);
    const int64_t page_size = request.query_int("pageSize").value_or(kDefaultPageSize);
    if (page < 1) throw HttpError(400, "page must be >= 1");
    if (page_size < 1 || page_size > settings_.max_page_size) {
      throw HttpError(400,
                      "pageSize must be between 1 and " + std::to_string(settings_.max_page_size));
    }
    const std::string search = to_lower_ascii(request.query_param("search").value_or(""));
    std::vector<const Item*> matching;
    for (const auto& [id, item] : items_) {
      if (search.empty() || to_lower_ascii(item.name).find(search) != std::string::npos) {
        matching.push_back(&item);
      }
    }
    const PageSlice slice = page_slice(matching.size(), page, page_size);
    json::array items;
    for (size_t i = slice.begin; i < slice.end; ++i) items.push_back(item_json(*matching[i]));
    json::value next = nullptr;
    std::vector<std::pair<std::string, std::string>> links;
    if (slice.has_next) {
      next = url_with_query(request, {{"page", std::to_string(page + 1)}});
      links.emplace_back("next", std::string(next.get_string()));
    }
    if (slice.page_count > 0) {
      links.emplace_back("last",
                         url_with_query(request, {{"page", std::to_string(slice.page_count)}}));
    }
    Response response = Response::json(200, json::object{{"items", std::move(items)},
                                                         {"page", page},
                                                         {"pageSize", page_size},
                                                         {"total", slice.total},
                                                         {"next", next}});
    if (!links.empty()) response.set_header("Link", link_header(links));
    return response;
  }

  Response get_item(const Request& request) {
    require_token(request);
    return Response::json(200, item_json(find_item(request)));
  }

  Response create_item(const Request& request) {
    require_token(request);
    const json::value body = request.json_body();
    const json::object* object = body.if_object();
    const json::value* name = object ? object->if_contains("name") : nullptr;
    const json::value* quantity = object ? object->if_contains("quantity") : nullptr;
    if (!name || !name->is_string() || name->get_string().empty()) {
      throw HttpError(400, "name is required and must be a non-empty string");
    }
    Item item{next_id_, std::string(name->get_string()), 0};
    if (quantity) item.quantity = valid_quantity(*quantity);
    ++next_id_;
    items_[item.id] = item;
    Response response = Response::json(201, item_json(item));
    response.set_header("Location", request.base_url + "/api/items/" + std::to_string(item.id));
    return response;
  }

  Response update_item(const Request& request) {
    require_token(request);
    Item& item = find_item(request);
    const json::value body = request.json_body();
    const json::object* object = body.if_object();
    if (object == nullptr) throw HttpError(400, "body must be a JSON object");
    Item updated = item;
    for (const auto& [key, value] : *object) {
      if (key == "name") {
        if (!value.is_string() || value.get_string().empty()) {
          throw HttpError(400, "name must be a non-empty string");
        }
        updated.name = std::string(value.get_string());
      } else if (key == "quantity") {
        updated.quantity = valid_quantity(value);
      } else if (key != "id") {
        throw HttpError(400, "unknown field '" + std::string(key) + "'");
      }
    }
    item = updated;
    return Response::json(200, item_json(item));
  }

  Response delete_item(const Request& request) {
    require_token(request);
    items_.erase(find_item(request).id);
    return Response::empty(204);
  }

  static int64_t valid_quantity(const json::value& value) {
    if (!value.is_int64() || value.get_int64() < 0) {
      throw HttpError(400, "quantity must be a non-negative integer");
    }
    return value.get_int64();
  }

  static Response echo(const Request& request) {
    json::object query;
    for (const auto& [name, value] : request.query) query[name] = value;
    json::object headers;
    for (const auto& [name, value] : request.headers) headers[name] = value;
    const int status = static_cast<int>(request.query_int("status").value_or(200));
    if (status < 200 || status > 599) throw HttpError(400, "status must be between 200 and 599");
    return Response::json(status, json::object{{"method", request.method},
                                               {"path", request.path},
                                               {"target", request.target},
                                               {"query", std::move(query)},
                                               {"headers", std::move(headers)},
                                               {"body", request.body},
                                               {"connection_id", request.connection_id},
                                               {"request_id", request.request_id}});
  }

  std::map<int64_t, Item> items_;
  int64_t next_id_ = 1;
  Settings settings_;
};

}  // namespace

std::unique_ptr<Platform> make_test_platform() { return std::make_unique<TestPlatform>(); }

}  // namespace mb::sim::testplatform
