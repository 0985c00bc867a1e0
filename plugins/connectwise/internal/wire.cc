#include "internal/wire.h"

#include <meterbridge/documents.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <limits>

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

bool is_codebase_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// Keeps error texts short enough for a log line and a sync report.
std::string clip(std::string s, size_t max = 300) {
  if (s.size() > max) {
    s.resize(max);
    s += "...";
  }
  return s;
}

}  // namespace

std::string string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<int64_t> reference_id(const json::object& o, std::string_view key) {
  const json::value* ref = o.if_contains(key);
  if (ref == nullptr || !ref->is_object()) return std::nullopt;
  return integral_id(ref->get_object().if_contains("id"));
}

bool is_cancelled(const json::object& addition) {
  const json::value* cancelled = addition.if_contains("cancelledDate");
  return cancelled != nullptr && !cancelled->is_null() &&
         !(cancelled->is_string() && cancelled->get_string().empty());
}

bool CompanyRow::inactive() const { return ascii_lower(status) == "inactive"; }

std::optional<double> number(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  return std::nullopt;
}

std::optional<int64_t> integral_id(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= 0 || n > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return n;
}

CompanyInfoReply parse_company_info(std::string_view body) {
  CompanyInfoReply reply;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    reply.problem = "companyinfo did not answer JSON";
    return reply;
  }
  if (doc.is_null()) {
    reply.kind = CompanyInfoReply::Kind::kUnknownCompany;
    return reply;
  }
  if (!doc.is_object()) {
    reply.problem = "companyinfo answered JSON that is not an object";
    return reply;
  }
  const json::object& o = doc.get_object();
  std::string codebase = string_member(o, "Codebase");
  if (codebase.empty()) {
    reply.problem = "companyinfo has no Codebase";
    return reply;
  }
  if (codebase.back() != '/') codebase += '/';
  std::string_view segment(codebase.data(), codebase.size() - 1);
  bool valid = !segment.empty() && segment != "." && segment != "..";
  for (char c : segment) valid = valid && is_codebase_char(c);
  if (!valid) {
    reply.problem = "companyinfo returned an unusable Codebase";
    return reply;
  }
  reply.kind = CompanyInfoReply::Kind::kFound;
  reply.info.codebase = std::move(codebase);
  reply.info.company_name = string_member(o, "CompanyName");
  reply.info.version_code = string_member(o, "VersionCode");
  // IsCloud arrives as the string "True"/"False"; accept a JSON boolean too.
  if (const json::value* cloud = o.if_contains("IsCloud")) {
    if (cloud->is_bool()) {
      reply.info.is_cloud = cloud->get_bool();
    } else if (cloud->is_string()) {
      std::string s(cloud->get_string());
      for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      reply.info.is_cloud = s == "true";
    }
  }
  return reply;
}

std::string error_text(std::string_view body) {
  if (body.empty()) return {};
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) {
    std::string raw(body.substr(0, 200));
    for (char& c : raw)
      if (static_cast<unsigned char>(c) < ' ') c = ' ';
    return clip(raw, 200);
  }
  const json::object& o = doc.get_object();
  std::string text = string_member(o, "message");
  std::string code = string_member(o, "code");
  if (text.empty()) text = string_member(o, "error");
  if (!code.empty()) text = text.empty() ? code : code + ": " + text;
  std::string details;
  if (const json::value* errors = o.if_contains("errors");
      errors != nullptr && errors->is_array()) {
    for (const json::value& e : errors->get_array()) {
      if (!e.is_object()) continue;
      std::string m = string_member(e.get_object(), "message");
      if (m.empty()) continue;
      if (!details.empty()) details += "; ";
      details += m;
    }
  }
  if (!details.empty()) text += " (" + details + ")";
  return clip(text);
}

std::optional<std::vector<json::object>> parse_rows(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_array()) return std::nullopt;
  std::vector<json::object> rows;
  rows.reserve(doc.get_array().size());
  for (json::value& v : doc.get_array()) {
    if (!v.is_object()) return std::nullopt;
    rows.push_back(std::move(v.get_object()));
  }
  return rows;
}

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.get_object());
}

std::optional<CompanyRow> company_row(const json::object& o) {
  auto id = integral_id(o.if_contains("id"));
  if (!id || *id <= 0) return std::nullopt;
  CompanyRow row;
  row.id = *id;
  row.identifier = string_member(o, "identifier");
  row.name = string_member(o, "name");
  if (const json::value* status = o.if_contains("status"); status != nullptr && status->is_object())
    row.status = string_member(status->get_object(), "name");
  if (const json::value* types = o.if_contains("types"); types != nullptr && types->is_array()) {
    for (const json::value& t : types->get_array())
      if (t.is_object()) row.types.push_back(string_member(t.get_object(), "name"));
  }
  if (const json::value* deleted = o.if_contains("deletedFlag");
      deleted != nullptr && deleted->is_bool())
    row.deleted = deleted->get_bool();
  return row;
}

std::optional<CatalogRow> catalog_row(const json::object& o) {
  auto id = integral_id(o.if_contains("id"));
  if (!id || *id <= 0) return std::nullopt;
  CatalogRow row;
  row.id = *id;
  row.identifier = string_member(o, "identifier");
  row.description = string_member(o, "description");
  row.product_class = string_member(o, "productClass");
  if (const json::value* r = o.if_contains("recurringFlag"); r != nullptr && r->is_bool())
    row.recurring = r->get_bool();
  return row;
}

std::optional<AgreementRow> agreement_row(const json::object& o) {
  auto id = integral_id(o.if_contains("id"));
  auto company = reference_id(o, "company");
  if (!id || *id <= 0 || !company) return std::nullopt;
  AgreementRow row;
  row.id = *id;
  row.name = string_member(o, "name");
  row.company_id = *company;
  return row;
}

std::optional<AdditionRow> addition_row(const json::object& o, int64_t agreement_id) {
  auto id = integral_id(o.if_contains("id"));
  auto product = reference_id(o, "product");
  if (!id || *id <= 0 || !product) return std::nullopt;
  if (auto own = integral_id(o.if_contains("agreementId")); own && *own != agreement_id)
    return std::nullopt;
  AdditionRow row;
  row.id = *id;
  row.agreement_id = agreement_id;
  row.product_id = *product;
  row.quantity = number(o.if_contains("quantity"));
  row.cancelled = is_cancelled(o);
  return row;
}

}  // namespace meterbridge::connectwise
