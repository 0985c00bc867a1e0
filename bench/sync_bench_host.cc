#include "bench/sync_bench_host.h"

#include <stdlib.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>

#include "bench/resources.h"
#include "host/app/app.h"
#include "host/config/config.h"
#include "host/plugin/plugin.h"
#include "host/store/store.h"
#include "host/sync/planner.h"
#include "host/sync/sync_engine.h"
#include "meterbridge/plugin.hpp"

namespace mb::bench {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kServices = 10;
using Seconds = std::chrono::duration<double>;

// ---- a deterministic MSP of any size ----------------------------------------------------------

std::string numbered(const char* format, size_t n) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), format, n);
  return buf;
}

std::string workspace_id(size_t w) { return numbered("ws-%07zu", w); }
std::string account_id(size_t w) { return numbered("acct-%07zu", w); }
std::string service_id(size_t s) { return numbered("svc-%02zu", s); }
std::string psa_service_id(size_t s) { return numbered("psa-%02zu", s); }
ServiceMetric metric_of(size_t s) {
  return s % 2 == 0 ? ServiceMetric::kDevices : ServiceMetric::kUsers;
}

uint64_t fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (std::string_view part : {a, std::string_view("\x1f", 1), b})
    for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// What the (fake) platform holds for a line.
int64_t platform_quantity(std::string_view account, std::string_view psa_service) {
  return static_cast<int64_t>(fnv1a(account, psa_service) % 250);
}

// Whether the vendor's usage differs from the platform for this line: `change_percent` of them.
bool usage_differs(std::string_view account, std::string_view psa_service, double change_percent) {
  return static_cast<double>((fnv1a(account, psa_service) >> 20) % 10000) < change_percent * 100.0;
}

struct Msp {
  std::vector<Workspace> workspaces;
  std::vector<VendorService> services;
  std::vector<AccountMapping> account_mappings;
  std::vector<ServiceMapping> service_mappings;
  std::vector<PsaAccount> accounts;
  UsageSnapshot snapshot;
  size_t changed = 0;
};

Msp make_msp(size_t lines, double change_percent) {
  Msp m;
  size_t count = std::max<size_t>(1, lines / kServices);
  for (size_t s = 1; s <= kServices; ++s) {
    m.services.push_back(VendorService{service_id(s), numbered("Module %02zu", s)});
    m.service_mappings.push_back(ServiceMapping{service_id(s), psa_service_id(s), metric_of(s)});
  }
  m.workspaces.reserve(count);
  m.accounts.reserve(count);
  m.account_mappings.reserve(count);
  m.snapshot.counts.reserve(count * kServices);
  m.snapshot.as_of = "2026-01-01T00:00:00Z";
  for (size_t w = 1; w <= count; ++w) {
    std::string name = numbered("Customer %07zu", w);
    m.workspaces.push_back(Workspace{workspace_id(w), name, false, ""});
    PsaAccount a;
    a.id = account_id(w);
    a.name = name;
    m.accounts.push_back(a);
    AccountMapping am;
    am.workspace_id = workspace_id(w);
    am.account_id = account_id(w);
    am.source = MappingSource::kAuto;
    am.account_name = name;
    m.account_mappings.push_back(am);
    for (size_t s = 1; s <= kServices; ++s) {
      int64_t value = platform_quantity(a.id, psa_service_id(s));
      if (usage_differs(a.id, psa_service_id(s), change_percent)) {
        ++value;
        ++m.changed;
      }
      m.snapshot.counts.push_back(UsageCount{workspace_id(w), service_id(s), value, value});
    }
  }
  return m;
}

// ---- a fake plugin, negotiated in process -------------------------------------------------------

constexpr const char* kFakeManifest =
    R"json({"id":"bench-fake","name":"benchmark fake platform","version":"1.0.0",
  "abi":"1.0","library":"(in process)","capabilities":[],"config_schema":{"type":"object"}})json";

json::array lines_of(std::string_view input) {
  json::value doc = json::parse(input);
  return doc.as_object().at("lines").as_array();
}

// Answers from memory what a platform would: the current quantity of every line, and "updated"
// for every write. No I/O, so what the benchmark measures is the host.
class FakeSession : public meterbridge::Session {
 public:
  std::string authenticate(meterbridge::Call&, std::string_view) override {
    return R"({"status":"ok"})";
  }
  // The benchmark fills the account cache itself; a listing would mean the engine found it stale.
  std::string list_accounts(meterbridge::Call&, std::string_view) override {
    throw meterbridge::PluginError(MB_STATUS_UNSUPPORTED,
                                   "the benchmark's fake platform lists nothing");
  }
  std::string list_services(meterbridge::Call&, std::string_view) override {
    throw meterbridge::PluginError(MB_STATUS_UNSUPPORTED,
                                   "the benchmark's fake platform lists nothing");
  }
  std::string read_quantities(meterbridge::Call&, std::string_view input) override {
    json::array out;
    for (const auto& line : lines_of(input)) {
      const json::object& o = line.as_object();
      out.push_back(json::object{{"key", o.at("key")},
                                 {"quantity", platform_quantity(o.at("account_id").as_string(),
                                                                o.at("service_id").as_string())}});
    }
    return json::serialize(json::object{{"lines", std::move(out)}});
  }
  std::string apply_quantities(meterbridge::Call&, std::string_view input) override {
    json::array out;
    for (const auto& line : lines_of(input)) {
      const json::object& o = line.as_object();
      out.push_back(
          json::object{{"key", o.at("key")}, {"outcome", "updated"}, {"quantity", o.at("target")}});
    }
    return json::serialize(json::object{{"lines", std::move(out)}});
  }
};

class FakePlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kFakeManifest; }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view) override {
    return std::make_unique<FakeSession>();
  }
};

std::shared_ptr<LoadedPlugin> load_fake_plugin() {
  mb_host_offer offer{};
  offer.size = sizeof(offer);
  offer.abi_major = MB_ABI_VERSION_MAJOR;
  offer.abi_minor_max = MB_ABI_VERSION_MINOR;
  offer.services = host_services();
  offer.host_version = meterbridge::to_mb_str("meterbridge-bench-sync");
  const mb_plugin_table* table = nullptr;
  if (meterbridge::internal::negotiate<FakePlugin>(&offer, &table) != MB_STATUS_OK ||
      table == nullptr)
    throw std::runtime_error("the fake plugin refused to negotiate");
  auto manifest = parse_manifest(kFakeManifest, "fake plugin");
  if (!manifest) throw std::runtime_error(manifest.status().to_string());
  manifest->abi = AbiVersion{MB_ABI_VERSION_MAJOR, MB_ABI_VERSION_MINOR};
  return std::make_shared<LoadedPlugin>(*manifest, table, nullptr);
}

void check(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.to_string());
}

}  // namespace

json::object run_host_planner(size_t lines, double change_percent) {
  Msp msp = make_msp(lines, change_percent);
  PlanInput in;
  in.workspaces = std::move(msp.workspaces);
  in.snapshot = std::move(msp.snapshot);
  in.account_mappings = std::move(msp.account_mappings);
  in.service_mappings = std::move(msp.service_mappings);
  in.psa_accounts = std::move(msp.accounts);
  const int64_t rss_input = current_rss_bytes();

  auto t0 = std::chrono::steady_clock::now();
  std::vector<SyncLine> planned = plan_lines(in);
  auto t1 = std::chrono::steady_clock::now();
  const int64_t rss_planned = current_rss_bytes();

  // What read_current would collect from the platform: one current value per line.
  std::map<std::string, CurrentValue> current;
  for (const auto& line : planned) {
    CurrentValue cv;
    cv.quantity = platform_quantity(line.account_id, line.psa_service_id);
    current.emplace(line.key, std::move(cv));
  }
  auto t2 = std::chrono::steady_clock::now();
  const int64_t rss_current = current_rss_bytes();
  apply_diff(planned, current, Policies{}, false);
  auto t3 = std::chrono::steady_clock::now();

  size_t changed = 0;
  for (const auto& line : planned) changed += line.action == LineAction::kUpdate ? 1 : 0;
  if (changed != msp.changed)
    throw std::runtime_error("the diff found " + std::to_string(changed) +
                             " changed lines, expected " + std::to_string(msp.changed));
  double plan_s = Seconds(t1 - t0).count(), diff_s = Seconds(t3 - t2).count();
  return {{"lines", planned.size()},
          {"changed", changed},
          {"plan_s", plan_s},
          {"current_map_s", Seconds(t2 - t1).count()},
          {"diff_s", diff_s},
          {"lines_per_s", static_cast<double>(planned.size()) / (plan_s + diff_s)},
          {"input_rss_mb", megabytes(rss_input)},
          {"planned_rss_mb", megabytes(rss_planned)},
          {"current_rss_mb", megabytes(rss_current)},
          {"peak_rss_mb", megabytes(peak_rss_bytes())}};
}

json::object run_host_engine(size_t lines, double change_percent) {
  // The key file is never written (no credentials are stored) but the store wants a place for it.
  std::string dir_template = (fs::temp_directory_path() / "mb-bench-engine-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary folder");
  const fs::path dir(dir_template);
  struct RemoveDir {
    fs::path path;
    ~RemoveDir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } remove_dir{dir};

  auto opened = open_sqlite_store({.path = ":memory:", .key_file = dir / "secret.key"});
  if (!opened) throw std::runtime_error(opened.status().to_string());
  Store& store = **opened;
  ConnectorConfig connector;
  connector.id = "bench";
  connector.plugin = "bench-fake";
  Config config;
  config.connectors.push_back(connector);
  ConnectorRecord record;
  record.id = connector.id;
  record.plugin_id = connector.plugin;
  check(store.upsert_connector(record), "connector");

  Msp msp = make_msp(lines, change_percent);
  auto imported = store.import_usage(msp.workspaces, msp.services, msp.snapshot);
  if (!imported) throw std::runtime_error(imported.status().to_string());
  check(store.replace_psa_accounts(connector.id, msp.accounts), "accounts");
  check(store.put_account_mappings(connector.id, msp.account_mappings), "account mappings");
  for (const auto& m : msp.service_mappings)
    check(store.put_service_mapping(connector.id, m), "service mapping");
  const size_t expected_changed = msp.changed;
  msp = Msp{};  // the store holds the data now, as it would in production
  const int64_t rss_prepared = current_rss_bytes();

  std::shared_ptr<LoadedPlugin> plugin = load_fake_plugin();
  SessionContext context;
  context.plugin_id = plugin->manifest().id;
  context.connector_id = connector.id;
  auto session = plugin->open(std::move(context), "{}");
  if (!session) throw std::runtime_error(session.status().to_string());

  SyncEngine engine(store, app::sync_settings(config));
  double cpu_before = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto report = engine.sync(connector, **session, {});
  double wall = Seconds(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_before;
  if (!report) throw std::runtime_error(report.status().to_string());
  auto updated = report->counts.count(outcome::kUpdated) ? report->counts.at(outcome::kUpdated) : 0;
  if (static_cast<size_t>(updated) != expected_changed || report->run.state != RunState::kOk)
    throw std::runtime_error("the run ended " + std::string(to_text(report->run.state)) + " with " +
                             std::to_string(updated) + " lines updated, expected " +
                             std::to_string(expected_changed) + ": " + report->run.message);
  double n = static_cast<double>(report->lines.size());
  return {{"lines", report->lines.size()},
          {"changed", updated},
          {"wall_s", wall},
          {"lines_per_s", n / wall},
          {"cpu_s", cpu},
          {"cpu_us_per_line", cpu * 1e6 / n},
          {"prepared_rss_mb", megabytes(rss_prepared)},
          {"peak_rss_mb", megabytes(peak_rss_bytes())}};
}

}  // namespace mb::bench
