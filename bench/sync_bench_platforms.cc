#include "bench/sync_bench_platforms.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "host/sync/planner.h"

namespace mb::bench {
namespace json = boost::json;

namespace {

int64_t ceil_div(int64_t n, int64_t d) { return (n + d - 1) / d; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.size() < 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The line's platform reference (what read_quantities returned for it), or an empty object.
json::object line_ref(const SyncLine& line) {
  if (line.line_ref_json.empty() || line.line_ref_json == "{}") return {};
  boost::system::error_code ec;
  json::value v = json::parse(line.line_ref_json, ec);
  return !ec && v.is_object() ? v.get_object() : json::object();
}

std::optional<int64_t> ref_int(const json::object& ref, std::string_view key) {
  const json::value* v = ref.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return std::nullopt;
}

bool read_gone(const SyncLine& line) {
  return line.outcome == outcome::kAccountInactive ||
         (line.outcome == outcome::kFailed && line.error_class == "not_found");
}

std::string plus(std::initializer_list<std::pair<int64_t, const char*>> parts) {
  std::string out;
  for (const auto& [n, what] : parts) {
    if (n == 0) continue;
    out += (out.empty() ? "" : " + ") + std::to_string(n) + " " + what;
  }
  return out.empty() ? "0" : out;
}

std::vector<std::vector<const SyncLine*>> chunk(const std::vector<const SyncLine*>& lines,
                                                size_t size) {
  std::vector<std::vector<const SyncLine*>> out;
  size = std::max<size_t>(1, size);
  for (size_t i = 0; i < lines.size(); i += size)
    out.emplace_back(lines.begin() + static_cast<std::ptrdiff_t>(i),
                     lines.begin() + static_cast<std::ptrdiff_t>(std::min(lines.size(), i + size)));
  return out;
}

// ---- Autotask ----------------------------------------------------------------------------------

class AutotaskBench : public PlatformBench {
 public:
  std::string id() const override { return "autotask"; }

  std::vector<std::string> simulator_args(const Scenario& s) const override {
    // Of every 25 generated clients, an inactive one and a prospect are not listed as accounts.
    int companies = static_cast<int>(ceil_div(int64_t{s.companies} * 25, 23)) + 2;
    return {"--generate",
            "companies=" + std::to_string(companies) + ",services=" + std::to_string(s.services) +
                ",seed=" + std::to_string(s.seed),
            "--settings", R"({"hourly_threshold":0,"reject_duplicate_adjustments":false})"};
  }

  json::object connector(const std::string& base_url) const override {
    return {{"config",
             {{"username", "meterbridge-api@acme-it.example"},
              {"secret", "sim-secret"},
              {"integration_code", "MBSIMINTEGRATIONCODE"},
              {"discovery_url", base_url}}},
            {"http", {{"hourly_budget", 0}}}};
  }

  std::vector<std::string> deviations() const override {
    return {
        "hourly budget off (connector http.hourly_budget 0, simulator hourly_threshold 0): "
        "Autotask "
        "allows 10,000 requests an hour per tenant, fewer than a first sync of 20,000 lines needs",
        "simulator reject_duplicate_adjustments off: the steady sync adjusts lines the first sync "
        "adjusted on the same date (a daily schedule adjusts on a new date)"};
  }

  // docs/platforms/autotask.md: per read batch ⌈C⌉ + ⌈A⌉ + ⌈K / ⌊500/s⌋⌉·⌈S⌉ + ⌈L⌉
  // (⌈x⌉ = ⌈x/500⌉, s = min(S, 500)), a stage skipped when its input is empty; per apply batch
  // ⌈L_a⌉ + M_a; one zone lookup. K counts the contracts the lines found (their line_refs): a
  // contract holding none of the mapped services is invisible here.
  MinimalCalls minimal_calls(const SyncFacts& f) const override {
    int64_t read = 0, apply = 0;
    for (const auto& batch : read_batches(f)) {
      std::set<std::string> companies, active, services;
      std::set<int64_t> contract_lines, contract_ids;
      bool contracts = false;
      for (const SyncLine* line : batch) {
        if (!is_number(line->account_id) || !is_number(line->psa_service_id)) continue;
        companies.insert(line->account_id);
        services.insert(line->psa_service_id);
        if (!read_gone(*line)) active.insert(line->account_id);
        const json::object ref = line_ref(*line);
        if (auto cs = ref_int(ref, "contract_service_id")) {
          contract_lines.insert(*cs);
          contracts = true;
        }
        if (auto contract = ref_int(ref, "contract_id")) contract_ids.insert(*contract);
        if (line->outcome == outcome::kAmbiguousContractLine) contracts = true;
      }
      if (companies.empty()) continue;
      read += ceil_div(static_cast<int64_t>(companies.size()), 500);
      if (!active.empty()) read += ceil_div(static_cast<int64_t>(active.size()), 500);
      if (contracts) {
        const auto s = static_cast<int64_t>(std::min<size_t>(services.size(), 500));
        const auto k = std::max<int64_t>(1, static_cast<int64_t>(contract_ids.size()));
        read += ceil_div(k, std::max<int64_t>(1, 500 / s)) *
                ceil_div(static_cast<int64_t>(services.size()), 500);
      }
      if (!contract_lines.empty())
        read += ceil_div(static_cast<int64_t>(contract_lines.size()), 500);
    }
    for (const auto& batch : apply_batches(f)) {
      auto m = static_cast<int64_t>(batch.size());
      apply += ceil_div(m, 500) + m;
    }
    int64_t zone = read + apply > 0 ? 1 : 0;
    return {zone + read + apply, plus({{zone, "zone"}, {read, "read"}, {apply, "apply"}})};
  }
};

// ---- ConnectWise -------------------------------------------------------------------------------

class ConnectWiseBench : public PlatformBench {
 public:
  std::string id() const override { return "connectwise"; }

  std::vector<std::string> simulator_args(const Scenario& s) const override {
    // 2% of generated companies are deleted, hence not listed.
    int companies = static_cast<int>(ceil_div(int64_t{s.companies} * 50, 48)) + 2;
    return {"--generate", "companies=" + std::to_string(companies) + ",products=" +
                              std::to_string(s.services) + ",seed=" + std::to_string(s.seed)};
  }

  json::object connector(const std::string& base_url) const override {
    return {{"config",
             {{"company_id", "northwind"},
              {"site", "na.myconnectwise.net"},
              {"public_key", "Pk7hQ2"},
              {"private_key", "Sx9mR4"},
              {"client_id", "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"},
              {"base_url", base_url}}},
            {"http", {{"requests_per_second", 0}}}};
  }

  std::vector<std::string> deviations() const override {
    return {
        "connector http {\"requests_per_second\": 0} instead of the manifest's 15/s (ConnectWise's "
        "throttling guidance): at 15/s a first sync of 20,000 PATCHes takes 22 minutes; "
        "max_concurrency stays 4"};
  }

  // docs/platforms/connectwise.md: per read batch ⌈C/c⌉ agreement queries + A addition lists
  // + ⌈K/c⌉ company look-ups; W PATCHes; one companyinfo per session.
  MinimalCalls minimal_calls(const SyncFacts& f) const override {
    int64_t agreement_queries = 0, addition_lists = 0, lookups = 0, patches = 0;
    for (const auto& batch : read_batches(f)) {
      std::set<std::string> companies, with_agreement;
      std::set<int64_t> agreements;
      size_t digits = 1;
      for (const SyncLine* line : batch) {
        if (!is_number(line->account_id) || !is_number(line->psa_service_id)) continue;
        companies.insert(line->account_id);
        digits = std::max(digits, line->account_id.size());
        if (auto a = ref_int(line_ref(*line), "agreement_id")) {
          agreements.insert(*a);
          with_agreement.insert(line->account_id);
        }
        if (line->outcome == outcome::kAmbiguousContractLine) {
          // The message names every addition and its agreement ("... on agreement 9003 ...").
          with_agreement.insert(line->account_id);
          for (size_t at = line->message.find("on agreement "); at != std::string::npos;
               at = line->message.find("on agreement ", at + 1)) {
            long long id = 0;
            if (std::sscanf(line->message.c_str() + at + 13, "%lld", &id) == 1)
              agreements.insert(id);
          }
        }
      }
      if (companies.empty()) continue;
      // Company ids per 2,000-character URL: 295 for 3 digits, 221 for 5, 177 for 7.
      int64_t per_url = 1770 / (static_cast<int64_t>(digits) + 3);
      int64_t without = static_cast<int64_t>(companies.size() - with_agreement.size());
      agreement_queries += ceil_div(static_cast<int64_t>(companies.size()), per_url);
      addition_lists += static_cast<int64_t>(agreements.size());
      lookups += ceil_div(without, per_url);
    }
    for (const auto& batch : apply_batches(f)) patches += static_cast<int64_t>(batch.size());
    int64_t read = agreement_queries + addition_lists + lookups;
    int64_t discovery = read + patches > 0 ? 1 : 0;
    return {discovery + read + patches, plus({{discovery, "companyinfo"},
                                              {agreement_queries, "agreements"},
                                              {addition_lists, "additions"},
                                              {lookups, "companies"},
                                              {patches, "PATCH"}})};
  }
};

// ---- Gradient ----------------------------------------------------------------------------------

class GradientBench : public PlatformBench {
 public:
  std::string id() const override { return "gradient"; }

  std::vector<std::string> simulator_args(const Scenario& s) const override {
    return {"--generate",
            "accounts=" + std::to_string(s.companies) + ",clients=" + std::to_string(s.companies) +
                ",services=" + std::to_string(s.services) + ",seed=" + std::to_string(s.seed)};
  }

  json::object connector(const std::string& base_url) const override {
    return {{"config",
             {{"vendor_api_key", "vk_live_123"},
              {"partner_api_key", "pk_gen_1"},
              {"base_url", base_url},
              {"service_defaults",
               {{"category", "security"}, {"subcategory", "other"}, {"metric", "users"}}}}}};
  }

  AccountBinding binding() const override { return AccountBinding::kProvisioned; }
  bool push_only() const override { return true; }

  // The MSP finishes Synthesize's mapping wizard once the vendor's accounts exist.
  std::vector<std::pair<std::string, std::string>> after_setup() const override {
    return {{"/_sim/gradient/auto-map", R"({"partnerKey":"pk_gen_1"})"}};
  }

  // docs/platforms/gradient.md: 1 (status) + 1 + ⌈A_new/250⌉ + R (accounts) + 1 + S_new
  // (services) + P (pushes). P follows the plugin's resend policy (resend_unchanged:
  // "scheduled"): on a scheduled run every line that may be written is pushed, unchanged or
  // not; on any other run only the lines the diff marked changed.
  MinimalCalls minimal_calls(const SyncFacts& f) const override {
    int64_t created = 0, renamed = 0;
    for (const auto& note : f.notes) {
      // The engine's provisioning note: "accounts provisioned on the platform: 3 created, 1997
      // unchanged".
      if (note.rfind("accounts provisioned on the platform:", 0) != 0) continue;
      for (const char* what : {"created", "renamed"}) {
        size_t at = note.find(std::string(" ") + what);
        if (at == std::string::npos) continue;
        size_t start = note.rfind(' ', at - 1);
        int64_t n = std::atoll(note.c_str() + (start == std::string::npos ? 0 : start + 1));
        (std::string(what) == "created" ? created : renamed) = n;
      }
    }
    int64_t pushes = 0;
    if (f.trigger == "schedule") {
      // Held lines wait for approval, lines without a target or a readable account are never
      // sent; every other line goes, whatever Gradient was last sent.
      for (const auto& line : *f.lines)
        if (line.target && !read_gone(line) &&
            (line.action == LineAction::kUpdate || line.action == LineAction::kNone))
          ++pushes;
    } else {
      for (const auto& batch : apply_batches(f)) pushes += static_cast<int64_t>(batch.size());
    }
    int64_t provisioning = 3 + ceil_div(created, 250) + renamed;
    return {provisioning + pushes,
            plus({{provisioning, "status/accounts/services"}, {pushes, "counts"}})};
  }
};

// ---- External push protocol --------------------------------------------------------------------

class ExternalBench : public PlatformBench {
 public:
  std::string id() const override { return "external"; }

  std::vector<std::string> simulator_args(const Scenario&) const override { return {}; }

  // The built-in services are five; the scenario wants `services` of them, with no links or
  // counts yet (the MSP links every customer during set-up).
  std::string seed_document(const Scenario& s) const override {
    json::array services, customers;
    for (int i = 1; i <= s.services; ++i) {
      char id[32], name[64];
      bool devices = i % 2 == 1;
      std::snprintf(id, sizeof(id), "bench-svc-%02d", i);
      std::snprintf(name, sizeof(name), "Bench Module %02d (per %s)", i,
                    devices ? "device" : "user");
      services.push_back(json::object{
          {"id", id}, {"name", name}, {"metrics", json::array{devices ? "devices" : "users"}}});
    }
    for (int i = 1; i <= s.companies; ++i) {
      char id[32], name[64];
      std::snprintf(id, sizeof(id), "c-%06d", i);
      std::snprintf(name, sizeof(name), "Bench Customer %06d", i);
      customers.push_back(json::object{{"id", id}, {"name", name}, {"active", true}});
    }
    return json::serialize(
        json::object{{"integration", {{"id", "int_bench"}, {"name", "meterbridge benchmark"}}},
                     {"platform", {{"name", "Benchmark Distribution"}}},
                     {"services", std::move(services)},
                     {"customers", std::move(customers)}});
  }

  json::object connector(const std::string& base_url) const override {
    return {
        {"config", {{"base_url", base_url}, {"api_key", "ext-sim-key-0001"}, {"batch_size", 100}}}};
  }

  AccountBinding binding() const override { return AccountBinding::kLink; }

  // docs/platforms/external.md: 1 GET /v1/services; ⌈linked customers in the plan / 100⌉
  // GET /v1/counts; when something is pushed, 1 GET /v1/integration and ⌈C/B⌉ count batches
  // (B = min(batch_size, max_batch_items) = 100). The formula counts customers over the whole
  // plan, not per read call, so the engine's 500-line read calls show above the minimal.
  MinimalCalls minimal_calls(const SyncFacts& f) const override {
    std::set<std::string> customers;
    for (const auto& batch : read_batches(f))
      for (const SyncLine* line : batch) customers.insert(line->account_id);
    int64_t pushed = 0;
    for (const auto& batch : apply_batches(f)) pushed += static_cast<int64_t>(batch.size());
    int64_t count_reads = ceil_div(static_cast<int64_t>(customers.size()), 100);
    int64_t services = count_reads > 0 ? 1 : 0;
    int64_t integration = pushed > 0 ? 1 : 0;
    int64_t batches = ceil_div(pushed, 100);
    return {services + count_reads + integration + batches, plus({{services, "services"},
                                                                  {count_reads, "counts"},
                                                                  {integration, "integration"},
                                                                  {batches, "batches"}})};
  }
};

}  // namespace

std::string PlatformBench::metric_for(const PsaService& service) const {
  return lower(service.name).find("device") != std::string::npos ? "devices" : "users";
}

std::vector<std::unique_ptr<PlatformBench>> all_platforms() {
  std::vector<std::unique_ptr<PlatformBench>> out;
  out.push_back(std::make_unique<AutotaskBench>());
  out.push_back(std::make_unique<ConnectWiseBench>());
  out.push_back(std::make_unique<GradientBench>());
  out.push_back(std::make_unique<ExternalBench>());
  return out;
}

std::vector<std::vector<const SyncLine*>> read_batches(const SyncFacts& facts) {
  std::vector<const SyncLine*> read;
  for (const auto& line : *facts.lines)
    if (line.target) read.push_back(&line);
  return chunk(read, facts.read_batch_size);
}

std::vector<std::vector<const SyncLine*>> apply_batches(const SyncFacts& facts) {
  std::vector<const SyncLine*> applied;
  for (const auto& line : *facts.lines)
    if (line.action == LineAction::kUpdate) applied.push_back(&line);
  return chunk(applied, facts.apply_batch_size);
}

}  // namespace mb::bench
