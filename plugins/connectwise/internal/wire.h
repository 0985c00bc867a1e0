// ConnectWise response bodies: companyinfo, list rows, error texts.
//
// List GETs return a bare JSON array; references are objects ({"id":250,"name":..,"_info":{}});
// errors are {"code","message","errors":[{"message",..}]|null} except the 429 body
// {"error","message"}. companyinfo answers in PascalCase with IsCloud as a string, and with a
// JSON null for an unknown company.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_WIRE_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_WIRE_H_

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::connectwise {

struct CompanyInfo {
  std::string company_name;
  std::string codebase;  // "v2025_1/": always ends with '/'
  std::string version_code;
  bool is_cloud = false;
};

struct CompanyInfoReply {
  enum class Kind { kFound, kUnknownCompany, kMalformed };
  Kind kind = Kind::kMalformed;
  CompanyInfo info;     // kFound
  std::string problem;  // kMalformed: what was wrong
};

// Parses a 2xx companyinfo body. A codebase is accepted only as one path segment of letters,
// digits, '_', '-' and '.', so it can be spliced into URLs.
CompanyInfoReply parse_company_info(std::string_view body);

// "message (errors[0].message; ...)" from a ConnectWise error body, the 429 body's message, or
// the start of a non-JSON body; "" for an empty body.
std::string error_text(std::string_view body);

struct CompanyRow {
  int64_t id = 0;
  std::string identifier;
  std::string name;
  std::string status;  // status/name, "" when absent
  std::vector<std::string> types;
  bool deleted = false;

  // "Inactive" (any case) is ConnectWise's stock status for companies no longer served.
  bool inactive() const;
};

struct CatalogRow {
  int64_t id = 0;
  std::string identifier;
  std::string description;
  std::string product_class;
  std::optional<bool> recurring;
};

struct AgreementRow {
  int64_t id = 0;
  std::string name;
  int64_t company_id = 0;
};

struct AdditionRow {
  int64_t id = 0;
  int64_t agreement_id = 0;
  int64_t product_id = 0;
  std::optional<double> quantity;  // null when unset
  bool cancelled = false;          // cancelledDate set
};

// Each returns nullopt when the row has no usable id (or, for additions, product id).
std::optional<CompanyRow> company_row(const boost::json::object& o);
std::optional<CatalogRow> catalog_row(const boost::json::object& o);
std::optional<AgreementRow> agreement_row(const boost::json::object& o);
// `agreement_id` is the parent the addition was listed under; the row's own agreementId, when
// present, must agree or the row is refused.
std::optional<AdditionRow> addition_row(const boost::json::object& o, int64_t agreement_id);

// A reference object's id: o[key] = {"id":250,...}.
std::optional<int64_t> reference_id(const boost::json::object& o, std::string_view key);

// Whether an addition record has its cancelledDate set.
bool is_cancelled(const boost::json::object& addition);

// Parses "250" (digits only, positive, within int32 as ConnectWise ids are).
std::optional<int64_t> parse_id(std::string_view decimal);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_WIRE_H_
