#include "internal/wire.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

// A string member, or a whole number member as its decimal text ("" otherwise).
std::string member(const json::object& o, std::string_view key) {
  return id_text(o.if_contains(key));
}

std::string first_member(const json::object& o, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys)
    if (std::string s = member(o, k); !s.empty()) return s;
  return {};
}

// The array at the top of `doc`, or under the first of `keys` holding one.
const json::array* rows_in(const json::value& doc, std::initializer_list<std::string_view> keys) {
  if (doc.is_array()) return &doc.get_array();
  if (!doc.is_object()) return nullptr;
  for (std::string_view key : keys)
    if (const json::value* v = doc.get_object().if_contains(key); v != nullptr && v->is_array())
      return &v->get_array();
  return nullptr;
}

// The object itself when it has `marker`, else its "data" member when that is an object.
const json::object* unwrapped(const json::object& o, bool has_marker) {
  if (has_marker) return &o;
  if (const json::value* data = o.if_contains("data"); data != nullptr && data->is_object())
    return &data->get_object();
  return nullptr;
}

std::string clip(std::string s, size_t max) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < ' ') c = ' ';
  if (s.size() > max) {
    s.resize(max);
    s += "...";
  }
  return s;
}

}  // namespace

std::optional<Integration> parse_integration(std::string_view body) {
  auto top = parse_json_object(body);
  if (!top) return std::nullopt;
  const json::object* o = unwrapped(
      *top, top->contains("organizationId") || text(top->if_contains("status")).has_value());
  if (o == nullptr) return std::nullopt;
  Integration i{member(*o, "organizationId"), member(*o, "name"),          member(*o, "vendorId"),
                member(*o, "vendorName"),     member(*o, "integrationId"), member(*o, "status"),
                member(*o, "lastSyncedAt")};
  if (i.status.empty() && i.organization_id.empty()) return std::nullopt;
  return i;
}

std::optional<std::vector<Account>> parse_accounts(std::string_view body) {
  auto doc = parse_json(body);
  const json::array* rows = doc ? rows_in(*doc, {"data"}) : nullptr;
  if (rows == nullptr) return std::nullopt;
  std::vector<Account> out;
  for (const json::value& row : *rows) {
    if (!row.is_object()) continue;
    const json::object& o = row.get_object();
    if (std::string id = member(o, "id"); !id.empty())
      out.push_back({std::move(id), member(o, "name"), member(o, "description")});
  }
  return out;
}

std::optional<std::vector<Sku>> parse_vendor_skus(std::string_view body) {
  auto top = parse_json_object(body);
  const json::object* vendor = top ? unwrapped(*top, top->contains("skus")) : nullptr;
  const json::value* skus = vendor ? vendor->if_contains("skus") : nullptr;
  if (skus == nullptr || !skus->is_array()) return std::nullopt;
  std::vector<Sku> out;
  for (const json::value& row : skus->get_array()) {
    if (!row.is_object()) continue;
    const json::object& o = row.get_object();
    if (std::string id = first_member(o, {"id", "_id"}); !id.empty())
      out.push_back({std::move(id), member(o, "name"), member(o, "description"),
                     member(o, "category"), member(o, "subcategory")});
  }
  return out;
}

std::optional<std::vector<PsaClient>> parse_clients(std::string_view body) {
  auto doc = parse_json(body);
  const json::array* rows = doc ? rows_in(*doc, {"clients", "data"}) : nullptr;
  if (rows == nullptr) return std::nullopt;
  std::vector<PsaClient> out;
  for (const json::value& row : *rows) {
    PsaClient c;
    if (row.is_string()) {
      c.id = c.name = std::string(row.get_string());
    } else if (row.is_object()) {
      c.id = first_member(row.get_object(), {"id", "_id", "clientId"});
      c.name = first_member(row.get_object(), {"name", "companyName", "title"});
      if (c.name.empty()) c.name = c.id;
    }
    if (!c.id.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::string error_text(std::string_view body) {
  constexpr size_t kMax = 300;
  if (body.empty()) return {};
  auto o = parse_json_object(body);
  if (!o) return clip(std::string(body.substr(0, kMax)), kMax);
  std::string message = text(o->if_contains("message")).value_or("");
  if (const json::value* m = o->if_contains("message"); m != nullptr && m->is_array()) {
    for (const json::value& part : m->get_array())
      if (part.is_string())
        message += (message.empty() ? "" : "; ") + std::string(part.get_string());
  }
  if (message.empty()) message = member(*o, "error");
  if (message.empty()) message = json::serialize(*o);
  return clip(std::move(message), kMax);
}

}  // namespace meterbridge::gradient
