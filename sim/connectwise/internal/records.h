// The simulated site's data and the rules that turn a partial record (from a seed document or a
// POST/PUT body) into the full record the API returns: canonical member names and order,
// server defaults, completed references and computed fields. Null members are left out, as the
// platform leaves them out of its JSON.
//
//   json::object addition = {{"agreementId", 9001}, {"product", {{"id", 55}}},
//                            {"billCustomer", "Billable"}, {"quantity", 4}};
//   complete_addition(addition, data, AdditionDefaults::kForCreate);  // throws RecordError
//   // addition["unitPrice"] is now the catalog price and addition["extPrice"] 4 times it.
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_RECORDS_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_RECORDS_H_

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/schema.h"

namespace mb::sim::connectwise {

using RecordTable = std::map<int64_t, boost::json::object>;

// What GET /login/companyinfo/{companyId} describes, and the login company of the API keys.
struct SiteInfo {
  std::string company_id = "northwind";  // the login company; compared ignoring case
  std::string company_name = "Northwind IT";
  std::string codebase = "v2025_1/";  // always ends with "/"
  std::string version_code = "v2025.1";
  std::string version_number = "v4.6.12345";
  bool is_cloud = true;
  std::string server_time_zone = "Eastern Standard Time";
  std::string cloud_region = "NA";
};

// An API member's key pair. `forbidden` lists what its security role may not do, each entry a
// path prefix under apis/3.0, optionally preceded by a method: "procurement/catalog" (no
// access at all) or "PATCH finance/agreements" (inquire only). Such requests get 403.
struct ApiMember {
  std::string public_key;
  std::string private_key;
  std::vector<std::string> forbidden;
};

struct Dataset {
  SiteInfo site;
  std::vector<ApiMember> api_members;
  std::vector<std::string> client_ids;  // registered clientIds; empty: any non-empty one works
  RecordTable companies;
  RecordTable catalog;
  RecordTable agreements;
  RecordTable additions;  // each carries its "agreementId"
  // Service tickets (docs/simulators.md, "Service tickets").
  RecordTable boards;
  RecordTable board_statuses;  // each carries its "board"
  RecordTable priorities;
  RecordTable tickets;
  RecordTable notes;  // each carries its "ticketId"
};

// A record the platform would refuse; `detail` is the validation error the API reports.
class RecordError : public std::runtime_error {
 public:
  explicit RecordError(ValidationError detail)
      : std::runtime_error(detail.message), detail_(std::move(detail)) {}
  const ValidationError& detail() const { return detail_; }

 private:
  ValidationError detail_;
};

// When a timestamp is needed and the seed gives none.
inline constexpr const char* kSeedTimestamp = "2025-01-01T00:00:00Z";

// Who and when, for "_info" after a change through the API.
struct ChangeStamp {
  std::string when;  // "YYYY-MM-DDTHH:MM:SSZ"
  std::string who;   // the API member's public key
};

void complete_company(boost::json::object& company);
void complete_catalog_item(boost::json::object& item);
void complete_agreement(boost::json::object& agreement, const Dataset& data);

enum class AdditionDefaults {
  kForSeed,    // billCustomer defaults to Billable
  kForCreate,  // POST and PUT: billCustomer is required, as the model declares
};
// The addition's "agreementId" must name an agreement in `data`; its product must be in the
// catalog (by id or identifier).
void complete_addition(boost::json::object& addition, const Dataset& data,
                       AdditionDefaults defaults);
// Recomputes what the platform derives: agreementStatus from the agreement, extPrice, extCost
// and margin from quantity and the unit amounts.
void refresh_computed_addition_fields(boost::json::object& addition, const Dataset& data);
void stamp_change(boost::json::object& record, const ChangeStamp& stamp);

// Service tickets. A board status names its board; a ticket is checked as POST service/tickets
// checks it: summary (at most 100 characters) and an existing, non-deleted company required,
// board, status (of that board; the board's default when left out) and priority resolved by id
// or name, externalXRef at most 100 characters. Completing a ticket also sets closedFlag from
// its status.
void complete_board(boost::json::object& board);
void complete_board_status(boost::json::object& status, const Dataset& data);
void complete_priority(boost::json::object& priority);
void complete_ticket(boost::json::object& ticket, const Dataset& data);
void complete_note(boost::json::object& note);
// The status record a ticket's "status" reference names (it must exist after completion).
const boost::json::object& ticket_status(const boost::json::object& ticket, const Dataset& data);

// Addition members the client may set. The others (id, agreementId, agreementStatus and the
// computed amounts) are the server's.
bool is_writable_addition_field(std::string_view name);

// Checks and canonicalizes one member value against its declared type: decimals become
// doubles, date-times are normalized to "YYYY-MM-DDTHH:MM:SSZ", references gain "_info".
// Returns false for null (the member should be left out). Throws RecordError.
bool normalize_member(Entity entity, const FieldSpec& field, boost::json::value& value);

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_RECORDS_H_
