#include "host/sync/mapping.h"

#include <meterbridge/documents_json.hpp>

#include <set>

namespace mb {

std::string trim_name(std::string_view name) {
  size_t b = name.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = name.find_last_not_of(" \t\r\n");
  return std::string(name.substr(b, e - b + 1));
}

namespace {

constexpr int kPageLimit = 500;
constexpr int kMaxPages = 100000;  // a platform that never ends its cursor must not loop forever

// Pages through a listing, calling `each_page` with every page's items. A page the host cannot
// read (no "items" array, an item that is not an object) fails the listing rather than reading
// as empty.
template <typename EachPage>
Status page_through(PluginSession& session, Operation op, const std::string& search,
                    const std::atomic<bool>* cancelled, EachPage&& each_page) {
  const std::string what(operation_name(op));
  meterbridge::ListRequest request;
  request.limit = kPageLimit;
  if (!search.empty()) request.search = search;
  for (int page = 0; page < kMaxPages; ++page) {
    if (cancelled != nullptr && cancelled->load()) return Status::Retry("cancelled");
    auto result = session.invoke(op, meterbridge::encode(request), cancelled);
    if (!result) return result.status();
    meterbridge::ListPage listed;
    try {
      listed = meterbridge::decode_list_page(*result);
    } catch (const meterbridge::DocumentError& e) {
      return Status::Fatal(what + ": plugin returned an unreadable page: " + e.what());
    }
    MB_RETURN_IF_ERROR(each_page(listed.items));
    if (!listed.next_cursor || listed.next_cursor->empty()) return Status::Ok();
    if (listed.next_cursor == request.cursor)
      return Status::Fatal(what + ": plugin repeated its cursor");
    request.cursor = std::move(listed.next_cursor);
  }
  return Status::Fatal(what + ": more than " + std::to_string(kMaxPages) + " pages");
}

// Appends a listed account to `out`.
Status add_account(const meterbridge::ListItem& item, std::vector<PsaAccount>& out) {
  if (item.id.empty()) return Status::Fatal("list_accounts: an item has no id");
  PsaAccount& a = out.emplace_back();
  a.id = item.id;
  a.name = item.name;
  a.active = item.active.value_or(true);
  if (!item.details.empty()) a.details_json = item.details;
  return Status::Ok();
}

}  // namespace

Result<std::vector<PsaAccount>> fetch_accounts(PluginSession& session, const std::string& search,
                                               const std::atomic<bool>* cancelled) {
  std::vector<PsaAccount> out;
  std::set<std::string> seen;
  auto add = [&](const std::vector<meterbridge::ListItem>& items) {
    for (const meterbridge::ListItem& item : items)
      // A page boundary may repeat an item.
      if (item.id.empty() || seen.insert(item.id).second)
        MB_RETURN_IF_ERROR(add_account(item, out));
    return Status::Ok();
  };
  MB_RETURN_IF_ERROR(page_through(session, Operation::kListAccounts, search, cancelled, add));
  return out;
}

Result<std::vector<PsaService>> fetch_services(PluginSession& session, const std::string& search,
                                               const std::atomic<bool>* cancelled) {
  std::vector<PsaService> out;
  std::set<std::string> seen;
  auto add = [&](const std::vector<meterbridge::ListItem>& items) {
    for (const meterbridge::ListItem& item : items) {
      if (item.id.empty()) return Status::Fatal("list_services: an item has no id");
      if (!seen.insert(item.id).second) continue;  // a page boundary may repeat an item
      PsaService& svc = out.emplace_back();
      svc.id = item.id;
      svc.name = item.name;
      if (!item.details.empty()) svc.details_json = item.details;
    }
    return Status::Ok();
  };
  MB_RETURN_IF_ERROR(page_through(session, Operation::kListServices, search, cancelled, add));
  return out;
}

Result<size_t> refresh_accounts(Store& store, const std::string& connector_id, PluginSession& session) {
  // Each page goes to the store as it arrives, so a platform with a million accounts is never
  // held in memory (docs/sync.md, "Memory"). A page boundary may repeat an account: the
  // store's upsert makes that harmless, and it is counted once.
  auto fetch = store.begin_psa_account_fetch(connector_id);
  if (!fetch) return fetch.status();
  size_t fetched = 0;
  std::string last_id;
  std::vector<PsaAccount> page;
  auto put = [&](const std::vector<meterbridge::ListItem>& items) {
    page.clear();
    for (const meterbridge::ListItem& item : items) {
      if (!item.id.empty() && item.id == last_id) continue;
      MB_RETURN_IF_ERROR(add_account(item, page));
      last_id = item.id;
    }
    fetched += page.size();
    return store.put_fetched_psa_accounts(connector_id, *fetch, page);
  };
  MB_RETURN_IF_ERROR(page_through(session, Operation::kListAccounts, "", nullptr, put));
  MB_RETURN_IF_ERROR(store.end_psa_account_fetch(connector_id, *fetch));
  auto drift = update_drift(store, connector_id);
  if (!drift) return drift.status();
  return fetched;
}

Result<size_t> refresh_services(Store& store, const std::string& connector_id, PluginSession& session) {
  auto services = fetch_services(session, "");
  if (!services) return services.status();
  MB_RETURN_IF_ERROR(store.replace_psa_services(connector_id, *services));
  return services->size();
}

Result<AutoMapReport> auto_map(Store& store, const std::string& connector_id,
                               const std::string& partner_id,
                               const BeforeStoringMappings& before_storing) {
  AutoMapReport report;
  auto kept = store.count_account_mappings(connector_id);
  if (!kept) return kept.status();
  report.kept_existing = static_cast<size_t>(*kept);
  // A page at a time, in workspace id order: the store knows, for each unmapped workspace, how
  // many free accounts and unmapped workspaces share its trimmed name, so matching never holds
  // every workspace or account (docs/sync.md, "Memory"). Storing a page's mappings takes their
  // workspaces and accounts out of the later pages' counts, which is what one pass over
  // everything would see: a matched name had one of each.
  auto count = [](int64_t n) {  // the store's counts stop at its cap
    return n >= Store::kNameMatchCountCap ? std::to_string(n) + " or more" : std::to_string(n);
  };
  std::string after;
  std::vector<AccountMapping> page;
  for (;;) {
    auto candidates = store.list_name_match_candidates_page(connector_id, partner_id, after,
                                                            AutoMapReport::kPageSize);
    if (!candidates) return candidates.status();
    if (candidates->empty()) break;
    after = candidates->back().workspace_id;
    page.clear();
    for (const auto& c : *candidates) {
      const std::string name = trim_name(c.workspace_name);
      std::string why;
      if (c.accounts_named == 0)
        why = "no PSA account named exactly '" + name + "'";
      else if (c.accounts_named > 1)
        why = count(c.accounts_named) + " PSA accounts are named '" + name + "'";
      else if (c.workspaces_named > 1)
        why = count(c.workspaces_named) + " workspaces are named '" + name + "'";
      if (!why.empty()) {
        if (report.unmapped.size() < AutoMapReport::kReportSample)
          report.unmapped.push_back({Workspace{.id = c.workspace_id,
                                               .name = c.workspace_name,
                                               .ended = false,
                                               .partner_id = ""},
                                     why});
        ++report.unmapped_count;
        continue;
      }
      AccountMapping& m = page.emplace_back();
      m.workspace_id = c.workspace_id;
      m.account_id = c.account_id;
      m.account_name = c.account_name;
      m.source = MappingSource::kAuto;
    }
    if (page.empty()) continue;
    if (before_storing) MB_RETURN_IF_ERROR(before_storing(page));
    MB_RETURN_IF_ERROR(store.put_account_mappings(connector_id, page));
    report.created_count += page.size();
    for (auto& m : page) {
      if (report.created.size() >= AutoMapReport::kReportSample) break;
      report.created.push_back(std::move(m));
    }
  }
  return report;
}

Result<size_t> update_drift(Store& store, const std::string& connector_id) {
  auto cached = store.psa_account_cache_age(connector_id);
  if (!cached) return cached.status();
  if (cached->accounts == 0) return size_t{0};  // nothing fetched yet: no evidence of drift
  return store.update_account_mapping_drift(connector_id);
}

}  // namespace mb
