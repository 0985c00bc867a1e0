// "ledger": a fake platform plugin for sync-engine tests. Its platform is a JSON file (the
// ledger) so state survives the process — which is what crash tests need. It behaves like a
// delta-only PSA (Autotask): apply reads the current units afresh and posts the difference,
// and every posted change is appended to the ledger's write log, so a test can prove that a
// crash and a rerun never applied a change twice.
//
// Config: {"ledger": PATH, "crash": "none|read|after_first_write|block_read|poll_read",
//          "fail_keys": [...]}
// block_read: read_quantities sleeps a minute without looking at cancellation (a plugin stuck
// where the host cannot reach it); poll_read: it waits until the call is cancelled, then fails.
// Ledger: {"accounts":[{"id","name","active"}], "services":[{"id","name"}],
//          "units": {"ACCOUNT|SERVICE": n}, "ambiguous": ["ACCOUNT|SERVICE"], "writes": [...]}
#include <meterbridge/plugin.hpp>
#include <unistd.h>

#include <boost/json/src.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace {

namespace json = boost::json;
using meterbridge::Call;
using meterbridge::PluginError;

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

json::value load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec) throw PluginError(MB_STATUS_FATAL, "ledger unreadable: " + path);
  return v;
}

void save(const std::string& path, const json::value& v) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json::serialize(v);
  }
  std::rename(tmp.c_str(), path.c_str());  // atomic: a crash leaves the old or the new ledger
}

std::string str(const json::value& v, const char* key) {
  const auto* f = v.as_object().if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
}

class LedgerSession : public meterbridge::Session {
 public:
  explicit LedgerSession(json::object config) : config_(std::move(config)) {
    path_ = std::string(config_.at("ledger").as_string());
    if (const auto* c = config_.if_contains("crash")) crash_ = std::string(c->as_string());
    if (const auto* f = config_.if_contains("fail_keys"))
      for (const auto& k : f->as_array()) fail_keys_.insert(std::string(k.as_string()));
  }

  std::string authenticate(Call&, std::string_view) override {
    return R"({"status":"ok","message":"ledger reachable"})";
  }

  std::string list_accounts(Call&, std::string_view input) override { return page(input, "accounts"); }
  std::string list_services(Call&, std::string_view input) override { return page(input, "services"); }

  std::string read_quantities(Call& call, std::string_view input) override {
    if (crash_ == "read") ::_exit(137);  // the plan is persisted; nothing written yet
    if (crash_ == "block_read") ::sleep(60);
    if (crash_ == "poll_read") {
      for (int waited_ms = 0; !call.cancelled() && waited_ms < 60000; waited_ms += 10)
        ::usleep(10000);
      throw PluginError(MB_STATUS_RETRY, "read_quantities stopped: the host cancelled the call");
    }
    json::value ledger = load(path_);
    json::value doc = json::parse(input);  // keep alive: the loop below refers into it
    json::array out;
    for (const auto& line : doc.at("lines").as_array()) out.push_back(resolve(ledger, line));
    return json::serialize(json::object{{"lines", out}});
  }

  std::string apply_quantities(Call&, std::string_view input) override {
    json::value doc = json::parse(input);
    std::string idempotency = str(doc, "idempotency_key");
    json::array out;
    for (const auto& line : doc.at("lines").as_array()) {
      std::string key = str(line, "key");
      json::value ledger = load(path_);  // read fresh: never trust a cached current value
      json::object r = resolve(ledger, line);
      json::object result{{"key", key}};
      if (fail_keys_.count(key) > 0) {
        result["outcome"] = "failed";
        result["error_class"] = "retry";
        result["message"] = "platform busy for this line";
      } else if (!r["reason"].is_null()) {
        result["outcome"] = r["reason"];
        result["message"] = r["message"];
      } else {
        int64_t current = r["quantity"].as_int64();
        int64_t target = line.at("target").as_int64();
        int64_t delta = target - current;
        if (delta != 0) {
          std::string unit_key = str(line, "account_id") + "|" + str(line, "service_id");
          ledger.as_object()["units"].as_object()[unit_key] = target;
          ledger.as_object()["writes"].as_array().push_back(
              json::object{{"key", unit_key}, {"delta", delta}, {"idempotency_key", idempotency}});
          save(path_, ledger);
          ++writes_;
          if (crash_ == "after_first_write" && writes_ == 1) ::_exit(137);
        }
        result["outcome"] = delta == 0 ? "unchanged" : "updated";
        result["quantity"] = target;
      }
      out.push_back(std::move(result));
    }
    return json::serialize(json::object{{"lines", out}});
  }

  std::string disconnect(Call&, std::string_view) override { return "{}"; }

 private:
  std::string page(std::string_view input, const char* what) {
    json::value in = json::parse(input);
    json::value ledger = load(path_);
    const auto& all = ledger.at(what).as_array();
    size_t start = in.as_object().contains("cursor") && in.at("cursor").is_string()
                       ? std::stoul(std::string(in.at("cursor").as_string()))
                       : 0;
    size_t limit = 7;  // small pages so paging is exercised
    json::array items;
    for (size_t i = start; i < all.size() && i < start + limit; ++i) items.push_back(all[i]);
    json::value next = start + limit < all.size() ? json::value(std::to_string(start + limit)) : json::value(nullptr);
    return json::serialize(json::object{{"items", items}, {"next_cursor", next}});
  }

  static json::object resolve(const json::value& ledger, const json::value& line) {
    std::string account = str(line, "account_id"), service = str(line, "service_id");
    json::object r{{"key", line.at("key")}, {"quantity", nullptr}, {"reason", nullptr}, {"message", ""}};
    const json::value* acct = nullptr;
    for (const auto& a : ledger.at("accounts").as_array())
      if (str(a, "id") == account) acct = &a;
    std::string unit_key = account + "|" + service;
    if (acct == nullptr) {
      r["reason"] = "not_found";
      r["message"] = "no account " + account;
    } else if (acct->as_object().contains("active") && !acct->at("active").as_bool()) {
      r["reason"] = "account_inactive";
      r["message"] = "account " + account + " is inactive";
    } else if (std::any_of(ledger.at("ambiguous").as_array().begin(), ledger.at("ambiguous").as_array().end(),
                           [&](const json::value& k) { return k.as_string() == unit_key; })) {
      r["reason"] = "ambiguous_contract_line";
      r["message"] = "contracts C1 and C2 both include " + service;
    } else if (!ledger.at("units").as_object().contains(unit_key)) {
      r["reason"] = "no_contract_line";
      r["message"] = "no active contract of " + account + " includes " + service;
    } else {
      r["quantity"] = ledger.at("units").at(unit_key);
    }
    return r;
  }

  json::object config_;
  std::string path_;
  std::string crash_ = "none";
  std::set<std::string> fail_keys_;
  int writes_ = 0;
};

class LedgerPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    meterbridge::Capabilities c;
    c.disconnect = true;
    return c;
  }
  std::unique_ptr<meterbridge::Session> open(Call&, std::string_view config) override {
    return std::make_unique<LedgerSession>(json::parse(config).as_object());
  }
};

}  // namespace

MB_PLUGIN(LedgerPlugin)
