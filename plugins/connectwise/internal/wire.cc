#include "internal/wire.h"

#include <meterbridge/documents.hpp>
#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <limits>

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

bool is_codebase_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// A row's own id, when it is a positive whole number.
std::optional<int64_t> row_id(const json::object& o) {
  std::optional<int64_t> id = whole_number(o.if_contains("id"));
  return id && *id > 0 ? id : std::nullopt;
}

// The name of a reference object ({"id":1,"name":"Active"}); "" when there is none.
std::string reference_name(const json::value* ref) {
  return ref != nullptr && ref->is_object()
             ? text(ref->get_object().if_contains("name")).value_or("")
             : "";
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

std::optional<int64_t> reference_id(const json::object& o, std::string_view key) {
  const json::value* ref = o.if_contains(key);
  if (ref == nullptr || !ref->is_object()) return std::nullopt;
  return whole_number(ref->get_object().if_contains("id"));
}

bool is_cancelled(const json::object& addition) {
  const json::value* cancelled = addition.if_contains("cancelledDate");
  return cancelled != nullptr && !cancelled->is_null() &&
         !(cancelled->is_string() && cancelled->get_string().empty());
}

bool CompanyRow::inactive() const { return ascii_lower(status) == "inactive"; }

std::optional<int64_t> parse_id(std::string_view decimal) {
  std::optional<int64_t> id = parse_whole_number(decimal);
  if (!id || *id <= 0 || *id > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return id;
}

CompanyInfoReply parse_company_info(std::string_view body) {
  CompanyInfoReply reply;
  std::optional<json::value> doc = parse_json(body);
  if (!doc) {
    reply.problem = "companyinfo did not answer JSON";
    return reply;
  }
  if (doc->is_null()) {
    reply.kind = CompanyInfoReply::Kind::kUnknownCompany;
    return reply;
  }
  if (!doc->is_object()) {
    reply.problem = "companyinfo answered JSON that is not an object";
    return reply;
  }
  const json::object& o = doc->get_object();
  std::string codebase = text(o.if_contains("Codebase")).value_or("");
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
  reply.info.company_name = text(o.if_contains("CompanyName")).value_or("");
  reply.info.version_code = text(o.if_contains("VersionCode")).value_or("");
  // IsCloud arrives as the string "True"/"False"; accept a JSON boolean too.
  const json::value* cloud = o.if_contains("IsCloud");
  reply.info.is_cloud = boolean(cloud).value_or(ascii_lower(text(cloud).value_or("")) == "true");
  return reply;
}

std::string error_text(std::string_view body) {
  if (body.empty()) return {};
  std::optional<json::object> o = parse_json_object(body);
  if (!o) {
    std::string raw(body.substr(0, 200));
    for (char& c : raw)
      if (static_cast<unsigned char>(c) < ' ') c = ' ';
    return clip(raw, 200);
  }
  std::string message = text(o->if_contains("message")).value_or("");
  std::string code = text(o->if_contains("code")).value_or("");
  if (message.empty()) message = text(o->if_contains("error")).value_or("");
  if (!code.empty()) message = message.empty() ? code : code + ": " + message;
  std::string details;
  if (const json::value* errors = o->if_contains("errors");
      errors != nullptr && errors->is_array()) {
    for (const json::value& e : errors->get_array()) {
      std::string m = e.is_object() ? text(e.get_object().if_contains("message")).value_or("") : "";
      if (m.empty()) continue;
      if (!details.empty()) details += "; ";
      details += m;
    }
  }
  if (!details.empty()) message += " (" + details + ")";
  return clip(message);
}

std::optional<CompanyRow> company_row(const json::object& o) {
  std::optional<int64_t> id = row_id(o);
  if (!id) return std::nullopt;
  CompanyRow row;
  row.id = *id;
  row.identifier = text(o.if_contains("identifier")).value_or("");
  row.name = text(o.if_contains("name")).value_or("");
  row.status = reference_name(o.if_contains("status"));
  if (const json::value* types = o.if_contains("types"); types != nullptr && types->is_array()) {
    for (const json::value& t : types->get_array())
      if (t.is_object()) row.types.push_back(reference_name(&t));
  }
  row.deleted = boolean(o.if_contains("deletedFlag")).value_or(false);
  return row;
}

std::optional<CatalogRow> catalog_row(const json::object& o) {
  std::optional<int64_t> id = row_id(o);
  if (!id) return std::nullopt;
  CatalogRow row;
  row.id = *id;
  row.identifier = text(o.if_contains("identifier")).value_or("");
  row.description = text(o.if_contains("description")).value_or("");
  row.product_class = text(o.if_contains("productClass")).value_or("");
  row.recurring = boolean(o.if_contains("recurringFlag"));
  return row;
}

std::optional<AgreementRow> agreement_row(const json::object& o) {
  std::optional<int64_t> id = row_id(o);
  std::optional<int64_t> company = reference_id(o, "company");
  if (!id || !company) return std::nullopt;
  return AgreementRow{*id, text(o.if_contains("name")).value_or(""), *company};
}

std::optional<AdditionRow> addition_row(const json::object& o, int64_t agreement_id) {
  std::optional<int64_t> id = row_id(o);
  std::optional<int64_t> product = reference_id(o, "product");
  if (!id || !product) return std::nullopt;
  if (auto own = whole_number(o.if_contains("agreementId")); own && *own != agreement_id)
    return std::nullopt;
  return AdditionRow{*id, agreement_id, *product, number(o.if_contains("quantity")),
                     is_cancelled(o)};
}

}  // namespace meterbridge::connectwise
