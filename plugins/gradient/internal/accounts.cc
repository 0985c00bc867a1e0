#include "internal/accounts.h"

#include <boost/json.hpp>

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

class Provisioner {
 public:
  Provisioner(Call& call, const Client& client, AccountsResult& result)
      : call_(call), client_(client), result_(result) {}

  // The account's outcome; a failed one has no account on Gradient.
  void set(const DesiredAccount& a, ProvisionOutcome outcome, std::string message = {}) {
    std::optional<std::string> on_gradient;
    if (outcome != ProvisionOutcome::kFailed) on_gradient = a.id;
    outcomes_[a.id] =
        ProvisionedAccount{a.id, on_gradient, a.name, outcome, "", std::move(message)};
  }
  const std::map<std::string, ProvisionedAccount>& outcomes() const { return outcomes_; }

  // Creates `missing`; at most two attempts, each settled by a read-back when its outcome is
  // uncertain. Accounts found with another name join `renames`.
  void create(std::vector<DesiredAccount> missing, std::vector<DesiredAccount>& renames) {
    for (int attempt = 0; attempt < 2 && !missing.empty(); ++attempt) {
      std::vector<DesiredAccount> uncertain = post(missing);
      if (uncertain.empty()) return;
      std::map<std::string, std::string> now;
      for (Account& a : fetch_accounts(call_, client_)) now[a.id] = std::move(a.name);
      result_.on_gradient = now;
      missing.clear();
      for (const DesiredAccount& a : uncertain) {
        auto it = now.find(a.id);
        if (it == now.end()) {
          missing.push_back(a);
          continue;
        }
        result_.created.insert(a.id);
        set(a, ProvisionOutcome::kCreated);
        if (it->second != a.name) renames.push_back(a);
      }
    }
    for (const DesiredAccount& a : missing)
      set(a, ProvisionOutcome::kFailed,
          "not created on Gradient after two attempts: " + last_error_[a.id]);
  }

  void rename(const std::vector<DesiredAccount>& accounts) {
    std::vector<HttpRequest> requests;
    requests.reserve(accounts.size());
    for (const DesiredAccount& a : accounts) {
      // Setting a name is absolute: sending it twice changes nothing, so the engine may retry.
      requests.push_back(client_.request("PATCH",
                                         "/organization/accounts/" + encode_path_segment(a.id),
                                         "accounts", true, rename_account_body(a.name)));
    }
    std::vector<HttpResponse> responses = client_.execute(call_, requests);
    for (size_t i = 0; i < accounts.size(); ++i) {
      const DesiredAccount& a = accounts[i];
      const HttpResponse& r = responses[i];
      if (r.ok()) {
        result_.on_gradient[a.id] = a.name;
        // A just-created account found under another name is still "created".
        if (outcomes_.count(a.id) == 0) set(a, ProvisionOutcome::kRenamed);
      } else if (stops_everything(r)) {
        throw_failure(classify(r, "rename account '" + a.id + "'"));
      } else {
        std::string why = classify(r, "rename account '" + a.id + "'").message;
        auto it = outcomes_.find(a.id);
        if (it != outcomes_.end() && it->second.outcome == ProvisionOutcome::kCreated)
          it->second.message = "created, but not under this name: " + why;
        else
          set(a, ProvisionOutcome::kFailed, why);
      }
    }
  }

 private:
  // Posts `accounts` in chunks. A chunk Gradient finds too large (413: the size of a bulk
  // create is undocumented, and its body parser has a limit) is posted again in halves, down to
  // one account; a chunk refused as invalid (400, 422) is posted again account by account, so
  // one bad row does not fail the others. Returns the accounts whose outcome is uncertain.
  std::vector<DesiredAccount> post(const std::vector<DesiredAccount>& accounts) {
    std::vector<std::vector<DesiredAccount>> chunks;
    for (size_t i = 0; i < accounts.size(); i += kAccountsPerCreate)
      chunks.emplace_back(accounts.begin() + static_cast<std::ptrdiff_t>(i),
                          accounts.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                 accounts.size(), i + kAccountsPerCreate)));
    std::vector<DesiredAccount> uncertain;
    std::vector<std::vector<DesiredAccount>> singles;
    // Each round halves the chunks that were too large, so this ends after at most
    // log2(kAccountsPerCreate) + 1 rounds.
    while (!chunks.empty()) {
      std::vector<std::vector<DesiredAccount>> halves;
      settle(chunks, uncertain, &singles, &halves);
      chunks = std::move(halves);
    }
    if (!singles.empty()) settle(singles, uncertain, nullptr, nullptr);
    return uncertain;
  }

  void settle(const std::vector<std::vector<DesiredAccount>>& chunks,
              std::vector<DesiredAccount>& uncertain,
              std::vector<std::vector<DesiredAccount>>* singles,
              std::vector<std::vector<DesiredAccount>>* halves) {
    // A replay of a create could duplicate or answer 409, so the engine must not resend it after a
    // 5xx or a timeout: those come back here and are settled by reading the accounts again.
    std::vector<HttpRequest> requests;
    requests.reserve(chunks.size());
    for (const auto& chunk : chunks)
      requests.push_back(client_.request("POST", "/organization/accounts", "accounts", false,
                                         create_accounts_body(chunk)));
    std::vector<HttpResponse> responses = client_.execute(call_, requests);
    for (size_t i = 0; i < chunks.size(); ++i) {
      const HttpResponse& r = responses[i];
      const auto& chunk = chunks[i];
      if (r.ok()) {
        for (const DesiredAccount& a : chunk) {
          result_.on_gradient[a.id] = a.name;
          result_.created.insert(a.id);
          set(a, ProvisionOutcome::kCreated);
        }
        continue;
      }
      Failure f = classify(r, "create accounts");
      if (stops_everything(r)) throw_failure(f);
      if (ambiguous(r) || r.status == 409) {
        for (const DesiredAccount& a : chunk) {
          last_error_[a.id] = f.message;
          uncertain.push_back(a);
        }
      } else if (halves != nullptr && chunk.size() > 1 && r.status == 413) {
        auto middle = chunk.begin() + static_cast<std::ptrdiff_t>(chunk.size() / 2);
        halves->emplace_back(chunk.begin(), middle);
        halves->emplace_back(middle, chunk.end());
      } else if (singles != nullptr && chunk.size() > 1 && (r.status == 400 || r.status == 422)) {
        for (const DesiredAccount& a : chunk) singles->push_back({a});
      } else {
        for (const DesiredAccount& a : chunk) set(a, ProvisionOutcome::kFailed, f.message);
      }
    }
  }

  Call& call_;
  const Client& client_;
  AccountsResult& result_;
  std::map<std::string, ProvisionedAccount> outcomes_;
  std::map<std::string, std::string> last_error_;
};

}  // namespace

AccountPlan plan_accounts(const std::vector<DesiredAccount>& desired,
                          const std::vector<Account>& existing) {
  std::map<std::string_view, const Account*> by_id;
  for (const Account& a : existing) by_id.emplace(a.id, &a);
  std::set<std::string_view> seen;
  AccountPlan plan;
  for (const DesiredAccount& d : desired) {
    if (!seen.insert(d.id).second) continue;
    if (!is_usable_path_id(d.id)) {
      plan.refused.emplace_back(d, "'" + d.id + "' cannot be used as a Gradient account id");
      continue;
    }
    auto it = by_id.find(d.id);
    if (it == by_id.end())
      plan.to_create.push_back(d);
    else if (it->second->name != d.name)
      plan.to_rename.push_back(d);
    else
      plan.unchanged.push_back(d);
  }
  return plan;
}

std::string create_accounts_body(const std::vector<DesiredAccount>& accounts) {
  json::array body;
  body.reserve(accounts.size());
  for (const DesiredAccount& a : accounts)
    body.push_back(json::object{{"id", a.id}, {"name", a.name}, {"description", ""}});
  return json::serialize(body);
}

std::string rename_account_body(const std::string& name) {
  return json::serialize(json::object{{"name", name}});
}

std::vector<Account> fetch_accounts(Call& call, const Client& client) {
  HttpResponse r =
      client.execute_one(call, client.request("GET", "/organization/accounts", "accounts"));
  if (!r.ok()) {
    Failure f = classify(r, "list accounts");
    if (r.status == 404) {
      // Documented as "Vendor Profile Not Found": the Vendor API Key has no vendor profile, or
      // the base URL is not Gradient's.
      f.status = MB_STATUS_CONFIG_INVALID;
      f.message += ": check the Vendor API Key and the base URL";
    }
    throw_failure(f);
  }
  auto accounts = parse_accounts(r.body);
  if (!accounts)
    throw PluginError(MB_STATUS_FATAL, "list accounts: Gradient answered " +
                                           std::to_string(r.status) +
                                           " with something that is not a list of accounts");
  return std::move(*accounts);
}

AccountsResult provision(Call& call, const Client& client,
                         const std::vector<DesiredAccount>& desired) {
  AccountsResult result;
  std::vector<Account> existing = fetch_accounts(call, client);
  for (const Account& a : existing) result.on_gradient[a.id] = a.name;
  AccountPlan plan = plan_accounts(desired, existing);

  Provisioner p(call, client, result);
  for (const DesiredAccount& a : plan.unchanged) p.set(a, ProvisionOutcome::kUnchanged);
  for (const auto& [a, why] : plan.refused) p.set(a, ProvisionOutcome::kFailed, why);
  std::vector<DesiredAccount> renames = plan.to_rename;
  p.create(plan.to_create, renames);
  if (!renames.empty()) p.rename(renames);

  std::set<std::string_view> listed;
  for (const DesiredAccount& d : desired) {
    if (!listed.insert(d.id).second) continue;
    auto it = p.outcomes().find(d.id);
    if (it != p.outcomes().end()) result.items.push_back(it->second);
  }
  return result;
}

}  // namespace meterbridge::gradient
