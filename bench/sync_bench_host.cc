#include "bench/sync_bench_host.h"

#include <stdlib.h>

#include <boost/json.hpp>

#include <algorithm>
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

constexpr const char* kAsOf = "2026-01-01T00:00:00Z";
// Workspaces per planner chunk: what the engine plans at once with its default batches (5,000
// lines to read at a time over 10 services).
constexpr size_t kChunkWorkspaces = 500;

size_t workspaces_for(size_t lines) { return std::max<size_t>(1, lines / kServices); }

std::vector<ServiceMapping> service_mappings() {
  std::vector<ServiceMapping> out;
  for (size_t s = 1; s <= kServices; ++s)
    out.push_back(ServiceMapping{service_id(s), psa_service_id(s), metric_of(s)});
  return out;
}

std::string customer_name(size_t w) { return numbered("Customer %07zu", w); }

// The usage counts of workspace `w` (1-based), and how many of them differ from the platform.
size_t counts_of(size_t w, double change_percent, std::vector<UsageCount>& out) {
  size_t changed = 0;
  const std::string account = account_id(w);
  for (size_t s = 1; s <= kServices; ++s) {
    int64_t value = platform_quantity(account, psa_service_id(s));
    if (usage_differs(account, psa_service_id(s), change_percent)) {
      ++value;
      ++changed;
    }
    out.push_back(UsageCount{workspace_id(w), service_id(s), value, value});
  }
  return changed;
}

AccountMapping mapping_of(size_t w) {
  AccountMapping am;
  am.workspace_id = workspace_id(w);
  am.account_id = account_id(w);
  am.source = MappingSource::kAuto;
  am.account_name = customer_name(w);
  return am;
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
  const size_t workspaces = workspaces_for(lines);
  // What the engine keeps for a whole run (internal/plan.cc): the per-workspace input, cut to
  // what the planner uses — the account mappings in the planner's compact table, and the ended
  // workspaces (none here). Usage counts come a chunk at a time, as the store hands them over.
  PlanInput in;
  in.service_mappings = service_mappings();
  for (size_t w = 1; w <= workspaces; ++w) in.mapping_table.add(mapping_of(w));
  in.mapping_table.seal();
  in.snapshot = UsageSnapshot{};
  in.snapshot->as_of = kAsOf;
  const int64_t rss_input = current_rss_bytes();

  ChunkPlanner planner(in);
  std::vector<UsageCount> counts;
  std::vector<SyncLine> chunk;
  std::vector<SyncLine*> compared;
  size_t planned = 0, changed = 0, expected_changed = 0;
  double plan_s = 0, diff_s = 0;
  for (size_t first = 1; first <= workspaces; first += kChunkWorkspaces) {
    counts.clear();
    chunk.clear();
    for (size_t w = first; w < first + kChunkWorkspaces && w <= workspaces; ++w)
      expected_changed += counts_of(w, change_percent, counts);
    auto t0 = std::chrono::steady_clock::now();
    planner.plan_counts(counts, kAsOf, chunk);
    auto t1 = std::chrono::steady_clock::now();
    // What read_current hears from the platform, compared line by line; the whole run's
    // totals are what a real run decides with (the engine's decide pass comes after every
    // read; here every chunk is decided under its own, which costs the same).
    DiffTotals totals;
    compared.clear();
    for (auto& line : chunk) {
      CurrentValue cv;
      cv.quantity = platform_quantity(line.account_id, line.psa_service_id);
      if (compare_line(line, cv, totals)) compared.push_back(&line);
    }
    decide_compared(compared, totals, Policies{}, false);
    auto t2 = std::chrono::steady_clock::now();
    plan_s += Seconds(t1 - t0).count();
    diff_s += Seconds(t2 - t1).count();
    planned += chunk.size();
    for (const auto& line : chunk) changed += line.action == LineAction::kUpdate ? 1 : 0;
  }
  if (changed != expected_changed)
    throw std::runtime_error("the diff found " + std::to_string(changed) +
                             " changed lines, expected " + std::to_string(expected_changed));
  return {{"lines", planned},
          {"changed", changed},
          {"plan_s", plan_s},
          {"diff_s", diff_s},
          {"lines_per_s", static_cast<double>(planned) / (plan_s + diff_s)},
          {"input_rss_mb", megabytes(rss_input)},
          {"peak_rss_mb", megabytes(peak_rss_bytes())}};
}

namespace {

const char* kConnector = "bench";

ConnectorConfig bench_connector() {
  ConnectorConfig connector;
  connector.id = kConnector;
  connector.plugin = "bench-fake";
  return connector;
}

std::unique_ptr<Store> open_bench_store(const fs::path& dir) {
  auto opened = open_sqlite_store({.path = dir / "state.db", .key_file = dir / "secret.key"});
  if (!opened) throw std::runtime_error(opened.status().to_string());
  return std::move(*opened);
}

}  // namespace

json::object run_host_prepare(size_t lines, double change_percent, const fs::path& dir) {
  fs::create_directories(dir);
  std::unique_ptr<Store> store = open_bench_store(dir);
  ConnectorRecord record;
  record.id = kConnector;
  record.plugin_id = "bench-fake";
  check(store->upsert_connector(record), "connector");
  const size_t workspaces = workspaces_for(lines);
  size_t changed = 0;
  {
    auto import = store->begin_usage_import("benchmark");
    if (!import) throw std::runtime_error(import.status().to_string());
    for (size_t s = 1; s <= kServices; ++s)
      check((*import)->add_service(VendorService{service_id(s), numbered("Module %02zu", s)}),
            "service");
    std::vector<UsageCount> counts;
    for (size_t w = 1; w <= workspaces; ++w) {
      check((*import)->add_workspace(Workspace{workspace_id(w), customer_name(w), false, ""}),
            "workspace");
      counts.clear();
      changed += counts_of(w, change_percent, counts);
      for (const auto& c : counts) check((*import)->add_count(c), "count");
    }
    auto committed = (*import)->commit(kAsOf);
    if (!committed) throw std::runtime_error(committed.status().to_string());
  }
  std::vector<PsaAccount> accounts;
  std::vector<AccountMapping> mappings;
  accounts.reserve(workspaces);
  mappings.reserve(workspaces);
  for (size_t w = 1; w <= workspaces; ++w) {
    PsaAccount a;
    a.id = account_id(w);
    a.name = customer_name(w);
    accounts.push_back(std::move(a));
    mappings.push_back(mapping_of(w));
  }
  check(store->replace_psa_accounts(kConnector, accounts), "accounts");
  check(store->put_account_mappings(kConnector, mappings), "account mappings");
  for (const auto& m : service_mappings())
    check(store->put_service_mapping(kConnector, m), "service mapping");
  return {{"lines", workspaces * kServices}, {"changed", changed}};
}

json::object run_host_engine(size_t lines, double change_percent, const fs::path& dir,
                             bool dry_run) {
  std::unique_ptr<Store> store = open_bench_store(dir);
  const int64_t rss_opened = current_rss_bytes();
  ConnectorConfig connector = bench_connector();
  Config config;
  config.connectors.push_back(connector);

  std::shared_ptr<LoadedPlugin> plugin = load_fake_plugin();
  SessionContext context;
  context.plugin_id = plugin->manifest().id;
  context.connector_id = connector.id;
  auto session = plugin->open(std::move(context), "{}");
  if (!session) throw std::runtime_error(session.status().to_string());

  // The lines the prepared usage changes: counted again rather than handed over, so this
  // process holds no more than the engine does.
  size_t expected_changed = 0;
  std::vector<UsageCount> counts;
  for (size_t w = 1; w <= workspaces_for(lines); ++w) {
    counts.clear();
    expected_changed += counts_of(w, change_percent, counts);
  }

  SyncEngine engine(*store, app::sync_settings(config));
  SyncOptions options;
  options.dry_run = dry_run;
  double cpu_before = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto report = engine.sync(connector, **session, options);
  double wall = Seconds(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_before;
  if (!report) throw std::runtime_error(report.status().to_string());
  const char* changed_outcome = dry_run ? outcome::kWouldUpdate : outcome::kUpdated;
  int64_t changed = 0, planned = 0;
  for (const auto& [name, n] : report->counts) {
    planned += n;
    if (name == changed_outcome) changed = n;
  }
  if (static_cast<size_t>(changed) != expected_changed || report->run.state != RunState::kOk)
    throw std::runtime_error("the run ended " + std::string(to_text(report->run.state)) + " with " +
                             std::to_string(changed) + " lines " + changed_outcome + ", expected " +
                             std::to_string(expected_changed) + ": " + report->run.message);
  double n = static_cast<double>(planned);
  return {{"lines", planned},
          {"changed", changed},
          {"dry_run", dry_run},
          {"wall_s", wall},
          {"lines_per_s", n / wall},
          {"cpu_s", cpu},
          {"cpu_us_per_line", cpu * 1e6 / n},
          {"opened_rss_mb", megabytes(rss_opened)},
          {"peak_rss_mb", megabytes(peak_rss_bytes())}};
}

}  // namespace mb::bench
