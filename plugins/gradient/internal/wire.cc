#include "internal/wire.h"

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

std::optional<json::value> parse(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

// A string member, or an integer member as its decimal text ("" otherwise).
std::string text_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::string first_text(const json::object& o, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    std::string s = text_member(o, k);
    if (!s.empty()) return s;
  }
  return {};
}

// The object itself, or its "data" member when it wraps one.
const json::object* unwrapped(const json::value& v, std::string_view marker) {
  if (!v.is_object()) return nullptr;
  const json::object& o = v.get_object();
  if (o.contains(marker)) return &o;
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
  auto doc = parse(body);
  if (!doc || !doc->is_object()) return std::nullopt;
  const json::object* o = nullptr;
  const json::object& top = doc->get_object();
  if (top.contains("organizationId") || (top.contains("status") && top.at("status").is_string()))
    o = &top;
  else if (const json::value* data = top.if_contains("data"); data != nullptr && data->is_object())
    o = &data->get_object();
  if (o == nullptr) return std::nullopt;
  Integration i;
  i.organization_id = text_member(*o, "organizationId");
  i.name = text_member(*o, "name");
  i.vendor_id = text_member(*o, "vendorId");
  i.vendor_name = text_member(*o, "vendorName");
  i.integration_id = text_member(*o, "integrationId");
  i.status = text_member(*o, "status");
  i.last_synced_at = text_member(*o, "lastSyncedAt");
  if (i.status.empty() && i.organization_id.empty()) return std::nullopt;
  return i;
}

std::optional<std::vector<Account>> parse_accounts(std::string_view body) {
  auto doc = parse(body);
  if (!doc) return std::nullopt;
  const json::array* rows = nullptr;
  if (doc->is_array()) {
    rows = &doc->get_array();
  } else if (doc->is_object()) {
    if (const json::value* data = doc->get_object().if_contains("data");
        data != nullptr && data->is_array())
      rows = &data->get_array();
  }
  if (rows == nullptr) return std::nullopt;
  std::vector<Account> out;
  out.reserve(rows->size());
  for (const json::value& row : *rows) {
    if (!row.is_object()) continue;
    Account a;
    a.id = text_member(row.get_object(), "id");
    if (a.id.empty()) continue;
    a.name = text_member(row.get_object(), "name");
    a.description = text_member(row.get_object(), "description");
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::vector<Sku>> parse_vendor_skus(std::string_view body) {
  auto doc = parse(body);
  if (!doc) return std::nullopt;
  const json::object* vendor = unwrapped(*doc, "skus");
  if (vendor == nullptr) return std::nullopt;
  const json::value* skus = vendor->if_contains("skus");
  if (skus == nullptr || !skus->is_array()) return std::nullopt;
  std::vector<Sku> out;
  for (const json::value& row : skus->get_array()) {
    if (!row.is_object()) continue;
    const json::object& o = row.get_object();
    Sku s;
    s.id = first_text(o, {"id", "_id"});
    if (s.id.empty()) continue;
    s.name = text_member(o, "name");
    s.description = text_member(o, "description");
    s.category = text_member(o, "category");
    s.subcategory = text_member(o, "subcategory");
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::vector<PsaClient>> parse_clients(std::string_view body) {
  auto doc = parse(body);
  if (!doc) return std::nullopt;
  const json::array* rows = nullptr;
  if (doc->is_array()) {
    rows = &doc->get_array();
  } else if (doc->is_object()) {
    const json::object& o = doc->get_object();
    for (std::string_view key : {"clients", "data"}) {
      if (const json::value* v = o.if_contains(key); v != nullptr && v->is_array()) {
        rows = &v->get_array();
        break;
      }
    }
  }
  if (rows == nullptr) return std::nullopt;
  std::vector<PsaClient> out;
  for (const json::value& row : *rows) {
    PsaClient c;
    if (row.is_string()) {
      c.id = c.name = std::string(row.get_string());
    } else if (row.is_object()) {
      c.id = first_text(row.get_object(), {"id", "_id", "clientId"});
      c.name = first_text(row.get_object(), {"name", "companyName", "title"});
      if (c.name.empty()) c.name = c.id;
    }
    if (!c.id.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::string error_text(std::string_view body) {
  constexpr size_t kMax = 300;
  if (body.empty()) return {};
  auto doc = parse(body);
  if (!doc || !doc->is_object()) return clip(std::string(body.substr(0, kMax)), kMax);
  const json::object& o = doc->get_object();
  std::string text;
  if (const json::value* m = o.if_contains("message")) {
    if (m->is_string()) {
      text = std::string(m->get_string());
    } else if (m->is_array()) {
      for (const json::value& part : m->get_array())
        if (part.is_string()) text += (text.empty() ? "" : "; ") + std::string(part.get_string());
    }
  }
  if (text.empty()) text = text_member(o, "error");
  if (text.empty()) text = json::serialize(*doc);
  return clip(std::move(text), kMax);
}

}  // namespace meterbridge::gradient
