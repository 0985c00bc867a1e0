// Accounts: the vendor's customers as Gradient knows them. meterbridge creates one account per
// workspace (id = the workspace's stable id, name = its name) so the MSP can map it to a PSA
// company in Synthesize, and renames it when the workspace is renamed.
//
//   AccountPlan plan = plan_accounts({{"w-1", "Northwind Dental Group"}}, gradient_accounts);
//   // plan.to_create / plan.to_rename / plan.unchanged / plan.refused
//   AccountsResult done = provision(call, client, desired);  // GET, bulk POST, PATCHes
//
// Gradient has no duplicate handling documented (a duplicate id may answer 409), so missing
// accounts are found by GETting first and only those are POSTed. A create that may or may not
// have reached Gradient (no answer, 5xx, 409) is settled by GETting again, never by resending
// blindly; one more attempt is made for ids still missing. A bulk create refused as too large
// (413) is sent again in halves; one refused as invalid (400, 422), account by account.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ACCOUNTS_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ACCOUNTS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "internal/client.h"
#include "internal/wire.h"

namespace meterbridge::gradient {

// Accounts per Create Accounts call: the call is a bulk array of any length, but a bounded
// body keeps one refusal from failing thousands of accounts and keeps requests small.
inline constexpr size_t kAccountsPerCreate = 250;

struct DesiredAccount {
  std::string id;
  std::string name;  // trimmed; the id when the workspace has no name
};

struct AccountPlan {
  std::vector<DesiredAccount> unchanged;
  std::vector<DesiredAccount> to_create;
  std::vector<DesiredAccount> to_rename;
  std::vector<std::pair<DesiredAccount, std::string>> refused;  // with the reason
};

// Compares what should exist with what Gradient has. Duplicate ids in `desired` count once
// (the first wins); ids that cannot be a path segment are refused.
AccountPlan plan_accounts(const std::vector<DesiredAccount>& desired,
                          const std::vector<Account>& existing);

// [{"id","name","description":""}] for Create Accounts.
std::string create_accounts_body(const std::vector<DesiredAccount>& accounts);
// {"name": ...} for Update Account.
std::string rename_account_body(const std::string& name);

struct AccountsResult {
  std::vector<ProvisionedAccount> items;           // one per distinct desired id, in input order
  std::map<std::string, std::string> on_gradient;  // id -> name, after the changes
  std::set<std::string> created;
};

// GET accounts, create the missing ones in bulk, rename the renamed ones. Throws PluginError
// for what stops every account alike (auth, throttling, an unreadable account list).
AccountsResult provision(Call& call, const Client& client,
                         const std::vector<DesiredAccount>& desired);

// GET accounts. Throws PluginError on failure.
std::vector<Account> fetch_accounts(Call& call, const Client& client);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ACCOUNTS_H_
