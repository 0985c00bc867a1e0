// Tenant: one Autotask database as the simulator holds it — API users, companies, the service
// catalog, contracts, contract services with their unit rows, and the adjustments posted. It
// knows Autotask's billing rules (Autotask's REST API documentation):
//
// - A Recurring Service contract has one ContractServiceUnits row per billing period
//   (contractPeriodType: 1 monthly, 2 quarterly, 3 semi-annual, 4 yearly), anchored at the
//   contract's startDate and cut at its endDate.
// - A ContractServiceAdjustment with effectiveDate D and unitChange d splits the row containing D
//   (the old row now ends the day before D, a new row starts on D) and adds d to the units of
//   that new row and of every later row. Rows are never deleted and keep their ids.
// - Adjustments are rejected outside the contract window, when any affected row would become
//   negative, and (switchable) when the contract service already has one on that date. A missing
//   contract service is created by the adjustment.
//
// Errors are thrown as HttpError with Autotask's status and wording; seed problems as SeedError.
// Not thread-safe: the simulator core serialises every call. model.cc holds the shared rules
// and the state, model_seed.cc the seed loading, model_writes.cc the API writes; tables.h the
// tables.
#ifndef METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_H_
#define METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/autotask/internal/dates.h"
#include "sim/autotask/internal/query.h"
#include "sim/autotask/internal/schema.h"
#include "sim/autotask/internal/tables.h"

namespace mb::sim::autotask {

struct ApiUser {
  std::string user_name;         // matched in any case
  std::string secret;            // exact
  std::string integration_code;  // exact: the API tracking identifier the user is tied to
  std::string zone_name = "America East 3";
  int64_t ci = 5;
  // The security level's rights per entity (seed "access"), keyed by the entity's route name
  // in lower case; an entity not named is All.
  std::map<std::string, EntityAccess> access;

  const EntityAccess& access_to(const EntitySchema& schema) const;
};

// How ticket writes treat what the reference leaves uncertain (settings.h).
struct TicketRules {
  bool truncate_long_strings = false;        // else a too-long string is refused
  std::vector<std::string> required_fields;  // required beyond the schema (a category's rules)
};

struct Adjustment {
  int64_t id = 0;
  int64_t contract_id = 0;
  int64_t contract_service_id = 0;
  int64_t service_id = 0;
  Day effective = 0;
  int64_t unit_change = 0;
  std::optional<double> adjusted_unit_price;
  std::optional<double> adjusted_unit_cost;
  bool allow_repeat_service = false;
  std::optional<int64_t> quote_item_id;
  bool from_seed = false;  // unit history in the seed, not posted through the API
};

// A ContractServiceAdjustment body, read and checked for its required fields.
struct AdjustmentRequest {
  std::optional<int64_t> contract_id;
  std::optional<int64_t> contract_service_id;
  std::optional<int64_t> service_id;
  Day effective = 0;
  int64_t unit_change = 0;
  std::optional<double> adjusted_unit_price;
  std::optional<double> adjusted_unit_cost;
  bool allow_repeat_service = false;
  std::optional<int64_t> quote_item_id;
};

// Throws HttpError(500) for a missing effectiveDate or unitChange, or a value of the wrong type.
AdjustmentRequest parse_adjustment(const boost::json::object& body);

struct AdjustmentRules {
  // Reject a second adjustment on the same contract service and effective date with Autotask's
  // "duplicate data into contract_service_period" error (a single-source observation).
  bool reject_same_day_duplicates = true;
};

class Tenant {
 public:
  Tenant();

  // Replaces everything with the seed document's data. Throws SeedError.
  void load(const boost::json::value& seed);
  // Everything, for GET /_sim/state; `today` decides each contract service's currentUnits.
  boost::json::value state(Day today) const;
  // The seed's "settings" object (applied by the platform), or an empty object.
  const boost::json::object& seed_settings() const { return seed_settings_; }

  const ApiUser* find_user(std::string_view user_name) const;
  const std::vector<ApiUser>& users() const { return users_; }

  // The table behind a queryable entity; nullptr for ContractServiceAdjustments.
  const RowSource* source(const EntitySchema& schema) const;

  // POST/PATCH/PUT Companies, Services, Contracts. Return the item id.
  int64_t create(const EntitySchema& schema, const boost::json::object& body);
  int64_t update(const EntitySchema& schema, const boost::json::object& body, bool replace);

  // POST and PATCH Tickets (sparse by id), POST Tickets/{parentId}/Notes; the item id.
  int64_t create_ticket(const boost::json::object& body, const TicketRules& rules);
  int64_t update_ticket(const boost::json::object& body, const TicketRules& rules);
  int64_t create_ticket_note(int64_t ticket_id, const boost::json::object& body,
                             const TicketRules& rules);
  // GET Tickets/{parentId}/Notes; 404 HttpError when the ticket does not exist.
  std::vector<const Row*> notes_of(int64_t ticket_id) const;

  // Contracts/{parentId}/Services.
  std::vector<const Row*> contract_services_of(int64_t contract_id) const;
  int64_t create_contract_service(int64_t contract_id, const boost::json::object& body);
  int64_t update_contract_service(int64_t contract_id, const boost::json::object& body,
                                  bool replace);

  // Contracts/{parentId}/ServiceUnits.
  std::vector<const Row*> unit_rows_of_contract(int64_t contract_id) const;

  // POST ContractServiceAdjustments (parent_contract_id empty) or
  // Contracts/{parentId}/ServiceAdjustments.
  int64_t create_adjustment(std::optional<int64_t> parent_contract_id,
                            const boost::json::object& body, const AdjustmentRules& rules);

 private:
  struct ContractWindow {
    Day start = 0;
    Day end = 0;
    int64_t period_months = 1;
  };

  // A reference field whose value names no row: the field, the entity it refers to (null when
  // unknown) and the value.
  struct BrokenReference {
    const FieldDef* field;
    const EntitySchema* referenced;
    int64_t value;
  };
  // The record's first such field, in schema order.
  std::optional<BrokenReference> first_broken_reference(const EntitySchema& schema,
                                                        const Record& record) const;

  RecordTable& table(const EntitySchema& schema);
  const RecordTable& table(const EntitySchema& schema) const;
  ContractWindow window_of(const Record& contract) const;
  bool is_recurring_service(const Record& contract) const;
  const Record* contract_service_for(int64_t contract_id, int64_t service_id) const;

  void load_users(const boost::json::value* users);
  void load_records(const EntitySchema& schema, const boost::json::value* items);
  void load_contract_services(const boost::json::value* items);
  void check_references(const EntitySchema& schema) const;

  // The contract service an adjustment is for: named by contractServiceID, or found (and if
  // need be created) from contractID + serviceID.
  const Record& adjusted_contract_service(const AdjustmentRequest& request);
  // Adds a contract service and its zero-unit rows, one per billing period.
  Record& add_contract_service(Record record);
  // Validates and applies a unit change; throws HttpError(500) when a rule forbids it.
  void apply_unit_change(const Record& contract_service, Day effective, int64_t unit_change,
                         std::optional<double> adjusted_price, std::optional<double> adjusted_cost,
                         const AdjustmentRules& rules);

  // Parses an API write body onto `record`: unknown members are ignored as ASP.NET does,
  // read-only ones too.
  void apply_body(const EntitySchema& schema, const boost::json::object& body,
                  Record& record) const;
  void check_required(const EntitySchema& schema, const Record& record) const;
  void check_reference_values(const EntitySchema& schema, const Record& record) const;
  // Lengths, active picklist values, required fields, the queue-or-resource rule and the
  // issue type of a sub-issue type: what Autotask checks on a ticket write.
  void check_ticket(Record& ticket, const TicketRules& rules) const;

  std::vector<ApiUser> users_;
  RecordTable companies_;
  RecordTable services_;
  RecordTable contracts_;
  RecordTable contract_services_;
  RecordTable tickets_;
  RecordTable ticket_notes_;
  int64_t tickets_numbered_ = 0;  // the <nnnn> of the next ticketNumber
  // (contractID, serviceID) -> contract service id: a service is on a contract at most once.
  std::map<std::pair<int64_t, int64_t>, int64_t> line_by_contract_and_service_;
  UnitTable units_;
  std::vector<Adjustment> adjustments_;
  std::set<std::pair<int64_t, Day>> adjusted_dates_;  // (contract service id, effective day)
  int64_t next_adjustment_id_ = 1;
  boost::json::object seed_settings_;
};

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_INTERNAL_MODEL_H_
