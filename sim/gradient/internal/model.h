// The data a Gradient simulator holds: the vendor (one integration, its key, profile and
// services) and the partners connected to it, each with the accounts the vendor created, the
// MSP's PSA clients and the mappings the MSP made in Synthesize — which the vendor cannot see
// through the API, so tests steer them through /_sim/gradient/... and the seed.
//
// Also: the API's JSON shapes (IntegrationData, VendorData, VendorSkuData, account rows) and the
// seed document parser (model_seed.cc). Field names in seeds follow the API's camelCase.
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_MODEL_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_MODEL_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/seed.h"

namespace mb::sim::gradient {

// lastSyncedAt before the first sync, as the real API reports it (reference §1.3).
inline constexpr std::string_view kNeverSynced = "1900-06-18T17:11:28.553Z";

// Integration status values, lower case and case-sensitive: the union of the two documented
// lists (older pages: active, pending, disabled, error; newer page: inactive, active, pending).
inline constexpr std::array<std::string_view, 5> kIntegrationStatuses = {
    "active", "inactive", "pending", "disabled", "error"};
// The newer page's list alone, for clients that must not rely on the older values.
inline constexpr std::array<std::string_view, 3> kNewerIntegrationStatuses = {"inactive", "active",
                                                                              "pending"};

// A vendor service (VendorSkuData). `id` doubles as the legacy `_id`.
struct Service {
  std::string id;
  std::string name;
  std::string description;
  std::string category;
  std::string subcategory;
  std::optional<std::string> logo;
  std::optional<std::string> support_article;
  std::optional<std::string> support_contact;
};

struct Vendor {
  std::string vendor_key;  // the Vendor API Key, first half of every token
  std::string id;
  std::string name;
  std::string description;
  std::string image_uri;
  std::string integration_portal_url;
  std::string vendor_support_page_url;
  std::string organization_id;
  std::string created_at;
  std::string updated_at;
  int64_t version = 0;  // Mongo's __v, bumped when the skus array changes
  std::vector<Service> services;
  // The modules of the vendor's integration (VendorData.modules' "variation"s). Without
  // "alerts", the alerting route refuses the vendor.
  std::vector<std::string> modules = {"alerts", "billing"};

  bool has_module(std::string_view module) const;

  Service* find_service(std::string_view service_id);
};

// A vendor account (one of the vendor's customers) as created through the API.
struct Account {
  // Gradient's own id for the record. It stays when the vendor changes `id`, so the MSP's mapping
  // and the pushed counts follow a renamed account.
  std::string record_id;
  std::string id;  // the vendor's accountId
  std::string name;
  std::string description;
};

// A company in the MSP's PSA, as listed by Get Clients.
struct Client {
  std::string id;  // a GUID (the SDK documents previousId as "guid of client")
  std::string name;
};

// The last absolute count pushed for one (account, service).
struct PushedCount {
  boost::json::value unit_count;  // as received: integer or decimal
  bool no_build = false;          // the last push asked to skip the Billing-view rebuild
  int64_t pushes = 0;             // accepted pushes for the pair
  int64_t changes = 0;            // accepted pushes that changed the value (the first one does)
  std::string last_pushed_at;
};

enum class AlertOutcome { kPending, kSuccess, kFailed };

// One delivery of an alert (POST /alerting): a queued message the debug route reports on.
struct Alert {
  std::string message_id;
  std::string correlation_id;
  std::string alert_id;
  std::string account_id;
  std::string title;
  std::string description;
  int64_t priority = 1;
  int64_t status = 1;
  std::optional<std::string> due_date_time;
  std::optional<std::string> service_id;
  std::string created_at;
  int64_t debug_polls = 0;  // GETs of the debug route so far
  AlertOutcome outcome = AlertOutcome::kPending;
  std::optional<std::string> ticket_id;
  std::vector<std::string> errors;
  bool repeat = false;  // settled onto a ticket an earlier delivery of its alertId made
};

// What Gradient holds for one alertId of an account once a delivery of it reached the PSA: the
// PSA ticket, the summary and description of the first delivery, the priority and status the
// latest one set, and the later deliveries' descriptions as notes (each text once). Gradient
// keys alerts by the vendor's alertId, so a later delivery updates this ticket (the reference
// does not say so; it is the only reading under which the API can update or resolve a ticket).
struct AlertTicket {
  std::string account_id;
  std::string alert_id;
  std::string ticket_id;
  std::string title;
  std::string description;
  std::vector<std::string> notes;
  int64_t priority = 1;
  int64_t status = 1;
  int64_t deliveries = 0;  // deliveries settled onto this ticket, the first included
  std::string created_at;
  std::string updated_at;
};

struct StatusChange {
  std::string from;
  std::string to;
  std::string by;  // "vendor" (PATCH), "gradient" (first usage), "partner" (disconnect)
};

struct Partner {
  std::string organization_id;
  std::string name;
  std::string integration_id;
  std::optional<std::string> partner_key;  // nullopt once disconnected
  std::string status = "inactive";
  std::string last_synced_at = std::string(kNeverSynced);
  std::vector<Account> accounts;                          // creation order
  std::vector<Client> clients;                            // seed order
  std::map<std::string, std::string> account_to_client;   // Account::record_id -> Client::id
  std::map<std::string, std::string> service_to_product;  // Service::id -> PSA product name
  std::map<std::pair<std::string, std::string>, PushedCount> counts;  // (record_id, service id)
  int64_t accepted_count_calls = 0;
  int64_t billing_view_builds = 0;  // accepted pushes without no_build=true
  std::vector<Alert> alerts;        // every delivery, in arrival order
  std::vector<AlertTicket> alert_tickets;  // one per (account, alertId) that reached the PSA
  std::vector<StatusChange> status_history;

  AlertTicket* find_alert_ticket(std::string_view account_id, std::string_view alert_id);

  Account* find_account(std::string_view account_id);
  const Account* find_account(std::string_view account_id) const;
  const Account* find_account_by_record(std::string_view record_id) const;
  const Client* find_client(std::string_view client_id) const;
  // The account mapped to a PSA client, or nullptr.
  const Account* account_mapped_to(std::string_view client_id) const;
  bool is_account_mapped(const Account& account) const;
  bool is_service_mapped(std::string_view service_id) const;
  // Sets the status and, when it changes, records who changed it in status_history.
  void change_status(std::string_view new_status, std::string_view by);
};

struct World {
  Vendor vendor;
  std::vector<Partner> partners;

  Partner* partner_by_key(std::string_view partner_key);
  Partner* partner_by_organization(std::string_view organization_id);
};

// Deterministic ids for records the simulator creates: Mongo-style ObjectIds (24 lower-case
// hex) and RFC 4122 version-4-shaped UUIDs.
class IdSource {
 public:
  explicit IdSource(uint64_t seed) : random_(seed) {}
  std::string object_id();
  std::string uuid();

 private:
  DeterministicRandom random_;
};

bool is_object_id(std::string_view text);
// "2025-06-02T17:00:00.123Z": the current UTC time as the API writes timestamps.
std::string now_iso8601();

// --- The API's JSON shapes -------------------------------------------------------------------

// IntegrationData, the flat object of Get Partner Integration Settings.
boost::json::object integration_json(const Vendor& vendor, const Partner& partner);
// VendorData, with its top-level skus.
boost::json::object vendor_json(const Vendor& vendor);
// VendorSkuData: optional fields are left out when never set, as a document store does.
boost::json::object service_json(const Service& service);
// An account row {id, name, description}; with `mapping_fields`, the isMapped and mappingId a
// third-party CLI reads (reference §4, uncertain).
boost::json::object account_json(const Account& account, const Partner& partner,
                                 bool mapping_fields);
boost::json::object client_json(const Client& client);
// RetrieveAlertResponseDto, the debug route's answer.
boost::json::object alert_debug_json(const Alert& alert);
// A ticket as GET /_sim/state shows it; `closed_status` is the status value that closes it.
boost::json::object alert_ticket_json(const AlertTicket& ticket, int64_t closed_status);

// --- Seeds and state ------------------------------------------------------------------------

// Parses a seed document (format in docs/simulators.md, "The gradient platform"). Throws
// SeedError naming the offending entry. Account record ids come from `ids`.
World parse_world(const boost::json::value& seed, IdSource& ids);
// GET /_sim/state: everything above, with mappings and pushed counts resolved to the vendor's ids.
// `closed_status`: the alert status value that closes a PSA ticket (a setting).
boost::json::value world_state_json(const World& world, int64_t closed_status);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_MODEL_H_
