// What the reliability harness knows about each billing platform: how to start its simulator
// with a small generated tenant, the connector that points at it, how workspaces get bound to
// the platform's accounts, and how to read every line's quantity and write counters from the
// simulator's own state (GET /_sim/state) — never through the plugin under test, so a plugin
// that misreads cannot hide its own mistakes.
//
//   for (const auto& platform : all_platform_models()) {
//     json::value state = ...GET /_sim/state...;
//     ObjectStates objects = platform->read_objects(state);
//     objects["cs:55001"].quantity;   // Autotask: the contract service's units today
//   }
#ifndef METERBRIDGE_RELIABILITY_PLATFORM_MODEL_H_
#define METERBRIDGE_RELIABILITY_PLATFORM_MODEL_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mb::reliability {

// How workspaces become bound to the platform's accounts.
enum class Binding {
  kAutoMapByName,  // `map auto`: exact names (Autotask, ConnectWise)
  kLink,           // `link` per workspace (external)
  kProvisioned,    // the sync creates or finds the accounts and maps them by identity (Gradient)
};

// One line the harness checks: the usage pair, where it lands, and the platform object that
// holds its quantity ("cs:55001", "addition:77", "count:cust-00001|sku", ...).
struct TrackedLine {
  std::string workspace_id;
  std::string service_id;
  std::string account_id;
  std::string psa_service_id;
  std::string metric;  // users | devices
  std::string object;
};

// A platform object as the simulator holds it.
struct ObjectState {
  std::optional<int64_t> quantity;  // none: the platform holds no value (never pushed)
  int64_t writes = 0;               // writes the platform applied to it
  int64_t changes = 0;              // of them, those that changed its quantity
};
using ObjectStates = std::map<std::string, ObjectState>;

// A secret the connector config takes from the environment: the config holds
// "${env:<variable>}" for `field`, and the simulator accepts `value`.
struct ConnectorSecret {
  std::string field;
  std::string variable;
  std::string value;
};

// A ticket the platform holds for an alert (docs/alerts.md), as the simulator's state shows it.
struct TicketState {
  std::string id;
  bool closed = false;
};
// Each alert reference ("mb-alert:<id>") with every ticket carrying it: one, or the guarantee
// is broken.
using TicketsByReference = std::map<std::string, std::vector<TicketState>>;

class PlatformModel {
 public:
  virtual ~PlatformModel() = default;

  // Plugin id and simulator platform name.
  virtual std::string id() const = 0;
  // The simulator's --generate spec for a tenant of about `companies` accounts and `services`
  // services, and the settings the harness needs (--settings).
  virtual std::string generate_spec(int companies, int services) const = 0;
  virtual boost::json::object simulator_settings() const { return {}; }
  // The connector's plugin config for a simulator at `base_url`; secrets are references.
  virtual boost::json::object plugin_config(const std::string& base_url) const = 0;
  virtual std::vector<ConnectorSecret> secrets() const = 0;
  // Rewrites a seed document (from --print-seed) and the settings so the simulator accepts
  // `secrets` instead of its built-in credentials: the secret audit runs with canary values.
  virtual void set_credentials(const std::vector<ConnectorSecret>& secrets,
                               boost::json::object& seed, boost::json::object& settings) const = 0;
  // The secrets as the platform's auth headers carry them encoded (e.g. HTTP Basic), which
  // must never show outside those headers either.
  virtual std::vector<std::string> encoded_credentials(
      const std::vector<ConnectorSecret>& /*secrets*/) const {
    return {};
  }
  virtual Binding binding() const { return Binding::kAutoMapByName; }
  // The workspace the harness creates for a platform account: the account's own id, unless the
  // generated tenant already links accounts to other ids (external: c-00001 <- ws-00001).
  virtual std::string workspace_for(const std::string& account_id) const { return account_id; }
  // Whether the lines are learned from a dry run's line references (platforms that can read
  // their quantities); the others derive them from the state.
  virtual bool learns_lines_from_dry_run() const { return true; }
  // The object a dry run's line reference names, or "" when it names none.
  virtual std::string object_from_line_ref(const boost::json::object& /*line_ref*/) const {
    return "";
  }
  // For platforms that do not learn from a dry run: the object that holds `line`, or "" when
  // the platform cannot hold it (not mapped on the platform, inactive, metric not offered).
  virtual std::string object_from_state(const TrackedLine& /*line*/,
                                        const boost::json::value& /*state*/) const {
    return "";
  }
  // The metric a platform service counts, from its name or the state.
  virtual std::string metric_for(const std::string& psa_service_id, const std::string& name,
                                 const boost::json::value& state) const;
  // Every object's quantity and write counters.
  virtual ObjectStates read_objects(const boost::json::value& state) const = 0;
  // Request headers that carry credentials to the platform, lower-case: where the secret audit
  // expects the secrets and does not look.
  virtual std::vector<std::string> credential_headers() const = 0;
  // Method and path prefix of the platform's quantity writes, for faults aimed at writes.
  virtual std::string write_method() const = 0;
  virtual std::string write_path() const = 0;
  // Named fault rules (JSON, docs/simulators.md) with the platform's own throttling answers
  // beyond the generic `throttle` kind; the rules have no probability or count yet.
  virtual std::vector<std::pair<std::string, boost::json::object>> own_throttling() const {
    return {};
  }

  // Alerts to tickets (the alerts trials): platforms whose plugin offers the tickets
  // capability. The others run no alerts trial.
  virtual bool routes_alerts() const { return false; }
  // Adds what tickets need (boards, statuses, priorities) to a seed document the simulator
  // generated, when its generator makes none.
  virtual void add_ticket_setup(boost::json::object& /*seed*/) const {}
  // The connector's alerts policy (connectors[].alerts) for that seed.
  virtual boost::json::object alerts_policy() const { return {}; }
  // Method and path prefix of the platform's ticket creates and of its ticket updates (notes,
  // closes), for faults and delays aimed at them.
  virtual std::pair<std::string, std::string> ticket_create() const { return {}; }
  virtual std::pair<std::string, std::string> ticket_update() const { return {}; }
  // Every ticket of the platform that carries an alert's reference.
  virtual TicketsByReference read_tickets(const boost::json::value& /*state*/) const { return {}; }
};

// Every platform the harness knows, in the order it runs them.
std::vector<std::unique_ptr<PlatformModel>> all_platform_models();

}  // namespace mb::reliability

#endif  // METERBRIDGE_RELIABILITY_PLATFORM_MODEL_H_
