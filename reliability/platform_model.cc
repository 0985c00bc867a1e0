#include "reliability/platform_model.h"

#include <sodium.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace mb::reliability {
namespace json = boost::json;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const json::array& array_at(const json::value& v, std::string_view key) {
  static const json::array kEmpty;
  const json::object* o = v.if_object();
  const json::value* member = o != nullptr ? o->if_contains(key) : nullptr;
  return member != nullptr && member->is_array() ? member->get_array() : kEmpty;
}

std::optional<int64_t> integer_at(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  const json::value* member = o != nullptr ? o->if_contains(key) : nullptr;
  if (member == nullptr || member->is_null()) return std::nullopt;
  if (member->is_int64()) return member->get_int64();
  if (member->is_uint64()) return static_cast<int64_t>(member->get_uint64());
  if (member->is_double()) return static_cast<int64_t>(std::llround(member->get_double()));
  return std::nullopt;
}

std::string string_at(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  const json::value* member = o != nullptr ? o->if_contains(key) : nullptr;
  return member != nullptr && member->is_string() ? std::string(member->get_string()) : "";
}

std::string id_text(const json::value& v, std::string_view key) {
  if (auto n = integer_at(v, key)) return std::to_string(*n);
  return string_at(v, key);
}

std::string base64(const std::string& text) {
  std::string out(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string secret_value(const std::vector<ConnectorSecret>& secrets, const std::string& field) {
  for (const auto& s : secrets)
    if (s.field == field) return s.value;
  return "";
}

bool flag_at(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  const json::value* member = o != nullptr ? o->if_contains(key) : nullptr;
  return member != nullptr && member->is_bool() && member->get_bool();
}

// The tickets of `tickets` whose `reference_key` holds an alert's reference, by reference.
template <typename Closed>
TicketsByReference tickets_by_reference(const json::array& tickets, std::string_view reference_key,
                                        std::string_view id_key, Closed closed) {
  TicketsByReference out;
  for (const auto& t : tickets) {
    const std::string reference = string_at(t, reference_key);
    if (reference.rfind("mb-alert:", 0) == 0)
      out[reference].push_back({id_text(t, id_key), closed(t)});
  }
  return out;
}

// "<prefix><id>" for a line reference's numeric id member, or "" without one.
std::string object_named(const std::string& prefix, const json::object& ref, std::string_view key) {
  auto id = integer_at(ref, key);
  return id ? prefix + std::to_string(*id) : "";
}

// ---- Autotask ----------------------------------------------------------------------------------

class AutotaskModel : public PlatformModel {
 public:
  std::string id() const override { return "autotask"; }

  std::string generate_spec(int companies, int services) const override {
    // Of every 25 generated clients, an inactive one and a prospect are not listed as accounts.
    return "companies=" + std::to_string(companies * 25 / 23 + 2) +
           ",services=" + std::to_string(services) + ",seed=11";
  }

  // No hourly threshold (hundreds of trials share one simulator), and a second adjustment of a
  // contract service on the same day lands instead of being refused: a write applied twice
  // must show, not be hidden by the platform's duplicate rule.
  json::object simulator_settings() const override {
    return {{"hourly_threshold", 0}, {"reject_duplicate_adjustments", false}};
  }

  json::object plugin_config(const std::string& base_url) const override {
    return {{"username", "meterbridge-api@acme-it.example"},
            {"secret", "${env:MB_REL_AT_SECRET}"},
            {"integration_code", "${env:MB_REL_AT_CODE}"},
            {"discovery_url", base_url + "/atservicesrest/"}};
  }

  std::vector<ConnectorSecret> secrets() const override {
    return {{"secret", "MB_REL_AT_SECRET", "sim-secret"},
            {"integration_code", "MB_REL_AT_CODE", "MBSIMINTEGRATIONCODE"}};
  }

  void set_credentials(const std::vector<ConnectorSecret>& given, json::object& seed,
                       json::object&) const override {
    json::array& users = seed["users"].as_array();
    for (const auto& s : given) {
      if (s.field == "secret") users.at(0).as_object()["secret"] = s.value;
      // Every user of the tenant shares the code in the generated data; the connector's must
      // match its own user's.
      if (s.field == "integration_code") users.at(0).as_object()["integrationCode"] = s.value;
    }
  }

  std::string object_from_line_ref(const json::object& ref) const override {
    return object_named("cs:", ref, "contract_service_id");
  }

  ObjectStates read_objects(const json::value& state) const override {
    ObjectStates out;
    for (const auto& cs : array_at(state, "contractServices"))
      out["cs:" + id_text(cs, "id")].quantity = integer_at(cs, "currentUnits");
    for (const auto& a : array_at(state, "adjustments")) {
      const json::value* seeded = a.as_object().if_contains("fromSeed");
      if (seeded != nullptr && seeded->is_bool() && seeded->get_bool()) continue;
      ObjectState& o = out["cs:" + id_text(a, "contractServiceID")];
      ++o.writes;  // an adjustment is a delta: every one changes the units
      if (integer_at(a, "unitChange").value_or(0) != 0) ++o.changes;
    }
    return out;
  }

  std::vector<std::string> credential_headers() const override {
    return {"secret", "apiintegrationcode"};
  }
  std::string write_method() const override { return "POST"; }
  std::string write_path() const override {
    return "/ATServicesRest/V1.0/ContractServiceAdjustments";
  }

  // Tickets need no seed of their own: the queues, statuses and priorities are the Tickets
  // picklists every simulated tenant has (29683482 "Monitoring Alert", 5 Complete, 4 Critical,
  // 1 High). A ticket carries its alert's reference in externalID; notes go through
  // Tickets/{id}/Notes, so the create's POST prefix also aims faults at them and at the
  // POST Tickets/query the plugin searches with after an unknown outcome.
  bool routes_alerts() const override { return true; }
  json::object alerts_policy() const override {
    return {{"board", "Monitoring Alert"},
            {"status_closed", "Complete"},
            {"min_severity", "low"},
            {"priorities", {{"critical", "Critical"}, {"high", "1"}}}};
  }
  std::pair<std::string, std::string> ticket_create() const override {
    return {"POST", "/ATServicesRest/V1.0/Tickets"};
  }
  std::pair<std::string, std::string> ticket_update() const override {
    return {"PATCH", "/ATServicesRest/V1.0/Tickets"};
  }
  TicketsByReference read_tickets(const json::value& state) const override {
    return tickets_by_reference(array_at(state, "tickets"), "externalID", "id",
                                [](const json::value& t) {
                                  // 5 Complete: the system status a closed ticket has.
                                  return integer_at(t, "status") == std::optional<int64_t>(5);
                                });
  }

  // The thread threshold also arrives as a 500 (the engine recognises it by its text), and the
  // hourly request threshold has its own text.
  std::vector<std::pair<std::string, json::object>> own_throttling() const override {
    return {
        {"thread_threshold_as_500", {{"kind", "throttle"}, {"status", 500}}},
        {"hourly_threshold",
         {{"kind", "status"},
          {"status", 429},
          {"retry_after", nullptr},
          {"body",
           R"({"errors":["Request threshold exceeded: this Autotask database has made more than 10000 API requests in the last 60 minutes. API access is suspended until usage falls below the threshold."]})"}}}};
  }
};

// ---- ConnectWise -------------------------------------------------------------------------------

class ConnectWiseModel : public PlatformModel {
 public:
  std::string id() const override { return "connectwise"; }

  std::string generate_spec(int companies, int services) const override {
    // 2% of generated companies are deleted, hence not listed.
    return "companies=" + std::to_string(companies * 50 / 48 + 2) +
           ",products=" + std::to_string(services) + ",seed=11";
  }

  json::object plugin_config(const std::string& base_url) const override {
    return {{"company_id", "northwind"},
            {"site", "na.myconnectwise.net"},
            {"public_key", "Pk7hQ2"},
            {"private_key", "${env:MB_REL_CW_PRIVATE_KEY}"},
            {"client_id", "${env:MB_REL_CW_CLIENT_ID}"},
            {"base_url", base_url}};
  }

  std::vector<ConnectorSecret> secrets() const override {
    return {{"private_key", "MB_REL_CW_PRIVATE_KEY", "Sx9mR4"},
            {"client_id", "MB_REL_CW_CLIENT_ID", "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"}};
  }

  void set_credentials(const std::vector<ConnectorSecret>& given, json::object& seed,
                       json::object&) const override {
    for (const auto& s : given) {
      if (s.field == "private_key")
        seed["apiMembers"].as_array().at(0).as_object()["privateKey"] = s.value;
      if (s.field == "client_id") seed["clientIds"] = json::array{json::value(s.value)};
    }
  }

  std::string object_from_line_ref(const json::object& ref) const override {
    return object_named("addition:", ref, "addition_id");
  }

  ObjectStates read_objects(const json::value& state) const override {
    ObjectStates out;
    for (const auto& a : array_at(state, "additions"))
      out["addition:" + id_text(a, "id")].quantity = integer_at(a, "quantity");
    for (const auto& w : array_at(state, "additionWrites")) {
      ObjectState& o = out["addition:" + id_text(w, "additionId")];
      o.writes = integer_at(w, "writes").value_or(0);
      o.changes = integer_at(w, "quantityChanges").value_or(0);
    }
    return out;
  }

  std::vector<std::string> credential_headers() const override {
    return {"authorization", "clientid"};
  }
  // HTTP Basic: company+public_key:private_key.
  std::vector<std::string> encoded_credentials(
      const std::vector<ConnectorSecret>& secrets) const override {
    return {base64("northwind+Pk7hQ2:" + secret_value(secrets, "private_key"))};
  }
  std::string write_method() const override { return "PATCH"; }
  std::string write_path() const override { return "/v2025_1/apis/3.0/finance/agreements"; }

  // The generated tenant has no service boards: the trials add the default seed's board 12
  // "Security Alerts" (101 New, 109 >Closed) and its priorities.
  bool routes_alerts() const override { return true; }
  void add_ticket_setup(json::object& seed) const override {
    seed["boards"] = json::parse(R"([{"id": 12, "name": "Security Alerts"}])");
    seed["boardStatuses"] = json::parse(R"([
        {"id": 101, "name": "New", "board": {"id": 12}, "sortOrder": 1, "defaultFlag": true},
        {"id": 109, "name": ">Closed", "board": {"id": 12}, "sortOrder": 9,
         "closedStatus": true}])");
    seed["priorities"] = json::parse(R"([
        {"id": 1, "name": "Priority 1 - Emergency Response", "sortOrder": 1, "level": "Critical"},
        {"id": 2, "name": "Priority 2 - Quick Response", "sortOrder": 2, "level": "High"},
        {"id": 3, "name": "Priority 3 - Normal Response", "sortOrder": 3, "level": "Medium",
         "defaultFlag": true}])");
  }
  json::object alerts_policy() const override {
    return {{"board", "Security Alerts"},
            {"status_closed", ">Closed"},
            {"min_severity", "low"},
            {"priorities", {{"critical", "1"}, {"high", "2"}}}};
  }
  std::pair<std::string, std::string> ticket_create() const override {
    return {"POST", "/v2025_1/apis/3.0/service/tickets"};
  }
  std::pair<std::string, std::string> ticket_update() const override {
    return {"PATCH", "/v2025_1/apis/3.0/service/tickets"};
  }
  TicketsByReference read_tickets(const json::value& state) const override {
    return tickets_by_reference(array_at(state, "tickets"), "externalXRef", "id",
                                [](const json::value& t) { return flag_at(t, "closedFlag"); });
  }
};

// ---- Gradient ----------------------------------------------------------------------------------

constexpr char kGradientPartnerKey[] = "pk_gen_1";

const json::value* gradient_partner(const json::value& state) {
  for (const auto& p : array_at(state, "partners"))
    if (string_at(p, "partnerKey") == kGradientPartnerKey ||
        string_at(p, "name") == "Managed IT Partner 01")
      return &p;
  return nullptr;
}

class GradientModel : public PlatformModel {
 public:
  std::string id() const override { return "gradient"; }

  std::string generate_spec(int companies, int services) const override {
    return "accounts=" + std::to_string(companies) + ",clients=" + std::to_string(companies) +
           ",services=" + std::to_string(services) + ",seed=11";
  }

  // Alerts reach the PSA whether or not the MSP mapped their account in Synthesize (below).
  json::object simulator_settings() const override { return {{"alert_outcome", "success"}}; }

  json::object plugin_config(const std::string& base_url) const override {
    return {{"vendor_api_key", "${env:MB_REL_GR_VENDOR_KEY}"},
            {"partner_api_key", "${env:MB_REL_GR_PARTNER_KEY}"},
            {"base_url", base_url},
            {"service_defaults",
             {{"category", "security"}, {"subcategory", "other"}, {"metric", "users"}}}};
  }

  std::vector<ConnectorSecret> secrets() const override {
    return {{"vendor_api_key", "MB_REL_GR_VENDOR_KEY", "vk_live_123"},
            {"partner_api_key", "MB_REL_GR_PARTNER_KEY", kGradientPartnerKey}};
  }

  void set_credentials(const std::vector<ConnectorSecret>& given, json::object& seed,
                       json::object&) const override {
    for (const auto& s : given) {
      if (s.field == "vendor_api_key") seed["vendor"].as_object()["vendorKey"] = s.value;
      if (s.field == "partner_api_key")
        seed["partners"].as_array().at(0).as_object()["partnerKey"] = s.value;
    }
  }

  Binding binding() const override { return Binding::kProvisioned; }
  bool learns_lines_from_dry_run() const override { return false; }

  std::string metric_for(const std::string&, const std::string&,
                         const json::value&) const override {
    return "users";  // service_defaults above
  }

  // A count lands only where the MSP mapped both the account and the service on Gradient.
  std::string object_from_state(const TrackedLine& line, const json::value& state) const override {
    const json::value* partner = gradient_partner(state);
    if (partner == nullptr) return "";
    bool account = false, service = false;
    for (const auto& m : array_at(*partner, "accountMappings"))
      account = account || string_at(m, "accountId") == line.account_id;
    for (const auto& m : array_at(*partner, "serviceMappings"))
      service = service || string_at(m, "serviceId") == line.psa_service_id;
    return account && service ? "count:" + line.account_id + "|" + line.psa_service_id : "";
  }

  ObjectStates read_objects(const json::value& state) const override {
    ObjectStates out;
    const json::value* partner = gradient_partner(state);
    if (partner == nullptr) return out;
    for (const auto& c : array_at(*partner, "counts")) {
      ObjectState& o = out["count:" + string_at(c, "accountId") + "|" + string_at(c, "serviceId")];
      o.quantity = integer_at(c, "unitCount");
      o.writes = integer_at(c, "pushes").value_or(0);
      o.changes = integer_at(c, "changes").value_or(0);
    }
    return out;
  }

  std::vector<std::string> credential_headers() const override { return {"gradient-token"}; }
  // The GRADIENT-TOKEN header: base64 of vendor_api_key:partner_api_key.
  std::vector<std::string> encoded_credentials(
      const std::vector<ConnectorSecret>& secrets) const override {
    return {base64(secret_value(secrets, "vendor_api_key") + ":" +
                   secret_value(secrets, "partner_api_key"))};
  }
  std::string write_method() const override { return "POST"; }
  std::string write_path() const override { return "/api/vendor-api/service/"; }

  // Alerts go through Gradient's alerting API: one ticket per alertId and account, a later send
  // of the alertId updating it (closed: status 6, the simulator's and the plugin's default).
  // Gradient has no boards, so the policy names none. Every send is the same POST, so creates
  // and updates share a target: a faulted closing run faults the resends that close.
  //
  // Since Gradient keys tickets by alertId, a create applied twice (a late write, a resend
  // after a lost answer) updates the one ticket; the "second ticket" figure cannot move on this
  // platform whatever the plugin does. The faults and kills still matter: the plugin must learn
  // the PSA ticket id by resending after an unknown outcome, and every alert must end with its
  // ticket, closed once resolved. Deliveries succeed whatever Synthesize maps (an unmapped
  // account's failed delivery is the flow test's, gradient_alerts_flow_test).
  bool routes_alerts() const override { return true; }
  json::object alerts_policy() const override {
    return {{"min_severity", "low"}, {"priorities", {{"critical", "very_high"}, {"high", "3"}}}};
  }
  std::pair<std::string, std::string> ticket_create() const override {
    return {"POST", "/api/vendor-api/alerting/"};
  }
  std::pair<std::string, std::string> ticket_update() const override { return ticket_create(); }
  TicketsByReference read_tickets(const json::value& state) const override {
    const json::value* partner = gradient_partner(state);
    if (partner == nullptr) return {};
    return tickets_by_reference(array_at(*partner, "alertTickets"), "alertId", "ticketId",
                                [](const json::value& t) { return flag_at(t, "closed"); });
  }
};

// ---- External push protocol --------------------------------------------------------------------

class ExternalModel : public PlatformModel {
 public:
  std::string id() const override { return "external"; }

  std::string generate_spec(int companies, int) const override {
    // Every customer linked in the seed (ws-00001 -> c-00001, ...), with counts for about half
    // the services: a reset keeps the links the connector's mappings rely on.
    return "customers=" + std::to_string(companies) + ",links=" + std::to_string(companies) +
           ",seed=11";
  }

  std::string workspace_for(const std::string& account_id) const override {
    return account_id.rfind("c-", 0) == 0 ? "ws-" + account_id.substr(2) : account_id;
  }

  json::object plugin_config(const std::string& base_url) const override {
    return {{"base_url", base_url}, {"api_key", "${env:MB_REL_EXT_KEY}"}, {"batch_size", 100}};
  }

  std::vector<ConnectorSecret> secrets() const override {
    return {{"api_key", "MB_REL_EXT_KEY", "ext-sim-key-0001"}};
  }

  void set_credentials(const std::vector<ConnectorSecret>& given, json::object&,
                       json::object& settings) const override {
    for (const auto& s : given)
      if (s.field == "api_key") settings["api_key"] = s.value;
  }

  Binding binding() const override { return Binding::kLink; }
  bool learns_lines_from_dry_run() const override { return false; }

  // The first metric the platform takes for the service.
  std::string metric_for(const std::string& psa_service_id, const std::string&,
                         const json::value& state) const override {
    for (const auto& s : array_at(state, "services"))
      if (string_at(s, "id") == psa_service_id) {
        const json::array& metrics = array_at(s, "metrics");
        if (!metrics.empty() && metrics[0].is_string()) return std::string(metrics[0].get_string());
      }
    return "users";
  }

  std::string object_from_state(const TrackedLine& line, const json::value& state) const override {
    bool linked = false, active = false, offered = false;
    for (const auto& l : array_at(state, "links"))
      linked = linked || (string_at(l, "vendor_customer_id") == line.workspace_id &&
                          string_at(l, "customer_id") == line.account_id);
    for (const auto& c : array_at(state, "customers"))
      if (string_at(c, "id") == line.account_id) {
        const json::value* a = c.as_object().if_contains("active");
        active = a != nullptr && a->is_bool() && a->get_bool();
      }
    for (const auto& s : array_at(state, "services"))
      if (string_at(s, "id") == line.psa_service_id)
        for (const auto& m : array_at(s, "metrics"))
          offered = offered || (m.is_string() && m.get_string() == line.metric);
    return linked && active && offered
               ? "count:" + line.account_id + "|" + line.psa_service_id + "|" + line.metric
               : "";
  }

  ObjectStates read_objects(const json::value& state) const override {
    ObjectStates out;
    for (const auto& c : array_at(state, "counts")) {
      ObjectState& o = out["count:" + string_at(c, "customer_id") + "|" +
                           string_at(c, "service_id") + "|" + string_at(c, "metric")];
      o.quantity = integer_at(c, "quantity");
      // The platform answers a same-value push `unchanged` and applies nothing: every write it
      // applies is a change.
      o.changes = integer_at(c, "changes").value_or(0);
      o.writes = o.changes;
    }
    return out;
  }

  std::vector<std::string> credential_headers() const override { return {"authorization"}; }
  std::string write_method() const override { return "POST"; }
  std::string write_path() const override { return "/v1/count-batches"; }
};

}  // namespace

std::string PlatformModel::metric_for(const std::string&, const std::string& name,
                                      const json::value&) const {
  return lower(name).find("device") != std::string::npos ? "devices" : "users";
}

std::vector<std::unique_ptr<PlatformModel>> all_platform_models() {
  std::vector<std::unique_ptr<PlatformModel>> out;
  out.push_back(std::make_unique<AutotaskModel>());
  out.push_back(std::make_unique<ConnectWiseModel>());
  out.push_back(std::make_unique<GradientModel>());
  out.push_back(std::make_unique<ExternalModel>());
  return out;
}

}  // namespace mb::reliability
