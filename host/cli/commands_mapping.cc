#include <boost/json.hpp>

#include <map>
#include <set>

#include "host/cli/commands.h"
#include "host/app/operations.h"
#include "host/cli/table.h"
#include "host/common/json.h"
#include "host/sync/mapping.h"

namespace mb::cli {
namespace {

// "Summit Accounting (104)": what the user named, and the id it was taken for.
std::string named(const NamedItem& item) {
  return item.name.empty() || item.name == item.id ? item.id
                                                   : "'" + item.name + "' (" + item.id + ")";
}

int accounts_list(App& app, const std::string& connector, const std::string& search, bool refresh) {
  auto listed = ops::list_accounts(app, connector, search, refresh);
  if (!listed) return report_failure(app, listed.status());
  std::vector<PsaAccount> accounts = std::move(*listed);
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto mappings = (*store)->list_account_mappings(connector);
  std::map<std::string, std::string> mapped_to;
  std::set<std::string> kept_by_excluded;  // accounts an excluded workspace keeps for include
  if (mappings)
    for (const auto& m : *mappings)
      if (m.account_id) {
        mapped_to[*m.account_id] = m.workspace_id;
        if (m.excluded) kept_by_excluded.insert(*m.account_id);
      }
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& a : accounts)
      arr.push_back(boost::json::object{{"id", a.id}, {"name", a.name}, {"active", a.active}, {"excluded", a.excluded},
                                        {"missing", a.missing_since.has_value()},
                                        {"mapped_to", mapped_to.count(a.id) ? boost::json::value(mapped_to[a.id])
                                                                            : boost::json::value(nullptr)}});
    print_json(app, arr);
    return kExitOk;
  }
  Table t({"ID", "NAME", "ACTIVE", "MAPPED TO", "NOTE"});
  for (const auto& a : accounts) {
    std::string note = a.excluded ? "excluded" : (a.missing_since ? "missing since " + *a.missing_since : "");
    std::string workspace = mapped_to.count(a.id) ? mapped_to[a.id] : "-";
    if (kept_by_excluded.count(a.id) > 0) workspace += " (excluded, kept)";
    t.add({a.id, a.name, a.active ? "yes" : "no", workspace, note});
  }
  t.print(app.out());
  app.out() << accounts.size() << " accounts\n";
  return kExitOk;
}

int services_list(App& app, const std::string& connector, bool refresh) {
  auto cached = ops::list_services(app, connector, refresh);
  if (!cached) return report_failure(app, cached.status());
  auto store = app.store();
  if (!store) return report_store_failure(app, store.status());
  auto mappings = (*store)->list_service_mappings(connector);
  std::map<std::string, std::string> mapped_to;
  if (mappings)
    for (const auto& m : *mappings)
      mapped_to[m.psa_service_id] = m.service_id + " (" + std::string(to_text(m.metric)) + ")";
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& s : *cached)
      arr.push_back(boost::json::object{{"id", s.id}, {"name", s.name},
                                        {"mapped_to", mapped_to.count(s.id) ? boost::json::value(mapped_to[s.id])
                                                                            : boost::json::value(nullptr)}});
    print_json(app, arr);
    return kExitOk;
  }
  Table t({"ID", "NAME", "MAPPED TO"});
  for (const auto& s : *cached) t.add({s.id, s.name, mapped_to.count(s.id) ? mapped_to[s.id] : "-"});
  t.print(app.out());
  return kExitOk;
}

int map_auto(App& app, const std::string& connector) {
  auto report = ops::map_auto(app, connector);
  if (!report) return report_failure(app, report.status());
  if (app.options().json) {
    boost::json::array created, unmapped;
    for (const auto& m : report->created)
      created.push_back(boost::json::object{{"workspace_id", m.workspace_id}, {"account_id", *m.account_id},
                                            {"name", m.account_name}});
    for (const auto& [w, why] : report->unmapped)
      unmapped.push_back(boost::json::object{{"workspace_id", w.id}, {"name", w.name}, {"reason", why}});
    print_json(app, boost::json::object{{"mapped", created},
                                        {"mapped_count", report->created_count},
                                        {"unmapped", unmapped},
                                        {"unmapped_count", report->unmapped_count},
                                        {"already_mapped", report->kept_existing}});
    return kExitOk;
  }
  if (report->provisioned) {
    app.out() << connector << ": created " << report->created_count
              << " accounts on the platform for the workspaces and mapped them by identity ("
              << report->kept_existing << " already there)\n";
  } else {
    app.out() << connector << ": auto-mapped " << report->created_count
              << " workspaces by exact name (" << report->kept_existing
              << " already mapped or excluded, kept)\n";
  }
  if (!report->unmapped.empty()) {
    app.out() << "Left unmapped (map them with `map account`):\n";
    Table t({"WORKSPACE", "NAME", "WHY"});
    for (const auto& [w, why] : report->unmapped) t.add({w.id, w.name, why});
    t.print(app.out());
    if (report->unmapped_count > report->unmapped.size())
      app.out() << "... and " << report->unmapped_count - report->unmapped.size()
                << " more (`map show " << connector << " --unmapped` lists them all)\n";
  }
  return kExitOk;
}

int map_account(App& app, const std::string& connector, const std::string& workspace, const std::string& account) {
  auto m = ops::map_account(app, connector, workspace, account);
  if (!m) return report_failure(app, m.status());
  auto ws = ops::find_workspace(app, connector, m->workspace_id);
  app.out() << connector << ": workspace "
            << named(ws ? *ws : NamedItem{m->workspace_id, workspace}) << " -> "
            << named({*m->account_id, m->account_name}) << "\n";
  return kExitOk;
}

int map_unmap(App& app, const std::string& connector, const std::string& workspace) {
  auto unmapped = ops::unmap_account(app, connector, workspace);
  if (!unmapped) return report_failure(app, unmapped.status());
  app.out() << connector << ": workspace " << named(*unmapped) << " unmapped\n";
  return kExitOk;
}

int map_exclude(App& app, const std::string& connector, const std::string& workspace, const std::string& account,
                bool exclude) {
  auto which = ops::set_excluded(app, connector, workspace, account, exclude);
  if (!which) return report_failure(app, which.status());
  if (!account.empty())
    app.out() << connector << ": PSA account " << named(*which)
              << (exclude ? " excluded from" : " included in") << " matching\n";
  else
    app.out() << connector << ": workspace " << named(*which)
              << (exclude ? " excluded (never synced; its mapping is kept for include)"
                          : " included again")
              << "\n";
  return kExitOk;
}

int map_show(App& app, const std::string& connector, bool unmapped_only) {
  auto doc = ops::mappings_json(app, connector, unmapped_only);
  if (!doc) return report_failure(app, doc.status());
  if (app.options().json) {
    print_json(app, *doc);
    return kExitOk;
  }
  auto str = [](const boost::json::value& v, const char* key) {
    const auto* f = v.as_object().if_contains(key);
    return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  Table t({"WORKSPACE", "NAME", "STATE", "PSA ACCOUNT", "SOURCE", "DRIFT"});
  size_t unmapped = 0;
  for (const auto& w : doc->at("workspaces").as_array()) {
    std::string state = str(w, "state");
    if (state == "unmapped") ++unmapped;
    std::string account = str(w, "account_id").empty()
                              ? "-"
                              : str(w, "account_name") + " (" + str(w, "account_id") + ")";
    if (state == "excluded" && account != "-") account += " (kept)";
    t.add({str(w, "workspace_id"), str(w, "name"), state, account, state == "unmapped" ? "-" : str(w, "source"),
           str(w, "drift")});
  }
  app.out() << "Workspaces (" << unmapped << " unmapped):\n";
  t.print(app.out());
  Table a({"PSA ACCOUNT", "NAME", "NOTE"});
  for (const auto& acc : doc->at("unmapped_accounts").as_array()) {
    bool excluded = acc.at("excluded").as_bool(), active = acc.at("active").as_bool();
    a.add({str(acc, "id"), str(acc, "name"), excluded ? "excluded" : (active ? "" : "inactive")});
  }
  app.out() << "\nUnmapped PSA accounts:\n";
  if (a.empty()) app.out() << "  (none)\n";
  else a.print(app.out());
  if (!unmapped_only) {
    app.out() << "\nServices:\n";
    Table sv({"SERVICE", "PSA SERVICE", "METRIC"});
    for (const auto& m : doc->at("services").as_array())
      sv.add({str(m, "service") + " (" + str(m, "service_id") + ")",
              (str(m, "psa_service").empty() ? "" : str(m, "psa_service") + " ") + "(" + str(m, "psa_service_id") + ")",
              str(m, "metric")});
    if (sv.empty()) app.out() << "  (none mapped)\n";
    else sv.print(app.out());
  }
  Table us({"SERVICE", "NAME"});
  for (const auto& m : doc->at("unmapped_services").as_array())
    us.add({str(m, "service_id"), str(m, "service")});
  app.out() << "\nUnmapped vendor services (map them with `map service`):\n";
  if (us.empty())
    app.out() << "  (none)\n";
  else
    us.print(app.out());
  return kExitOk;
}

int map_service(App& app, const std::string& connector, const std::string& service, const std::string& psa_service,
                const std::string& metric) {
  auto mapped = ops::map_service(app, connector, service, psa_service, metric);
  if (!mapped) return report_failure(app, mapped.status());
  app.out() << connector << ": service " << named(mapped->service) << " -> "
            << named(mapped->psa_service) << " counting " << to_text(mapped->metric)
            << (mapped->chosen_by_name.empty()
                    ? ""
                    : " (from the PSA service's name '" + mapped->chosen_by_name + "')")
            << "\n";
  return kExitOk;
}

int map_unmap_service(App& app, const std::string& connector, const std::string& service) {
  auto unmapped = ops::unmap_service(app, connector, service);
  if (!unmapped) return report_failure(app, unmapped.status());
  app.out() << connector << ": service " << named(*unmapped) << " unmapped\n";
  return kExitOk;
}

int map_apply(App& app, std::vector<std::string> ids) {
  auto config = app.config();
  if (!config) return report_failure(app, config.status());
  if (ids.empty())
    for (const auto& c : (*config)->connectors)
      if (!c.declared_accounts.empty() || !c.declared_services.empty()) ids.push_back(c.id);
  int code = kExitOk;
  for (const auto& id : ids) {
    auto applied = ops::apply_declared_mappings(app, id);
    if (!applied) {
      code = report_failure(app, applied.status());
      continue;
    }
    for (const auto& line : *applied) app.out() << id << ": " << line << "\n";
  }
  return code;
}

}  // namespace

void register_mapping_commands(CLI::App& cli, CommandContext ctx) {
  auto* accounts = cli.add_subcommand("accounts", "The platform's companies/clients");
  accounts->require_subcommand(1);
  {
    auto* list = accounts->add_subcommand("list", "List a connector's PSA accounts (cached; --refresh fetches)");
    auto id = std::make_shared<std::string>();
    auto search = std::make_shared<std::string>();
    auto refresh = std::make_shared<bool>(false);
    list->add_option("connector", *id)->required();
    list->add_option("--search", *search, "Search the platform live by name");
    list->add_flag("--refresh", *refresh, "Fetch every page from the platform again");
    list->callback([ctx, id, search, refresh] { ctx.exit_code = accounts_list(ctx.app, *id, *search, *refresh); });
  }
  auto* services = cli.add_subcommand("services", "The platform's services/products");
  services->require_subcommand(1);
  {
    auto* list = services->add_subcommand("list", "List a connector's PSA services (cached; --refresh fetches)");
    auto id = std::make_shared<std::string>();
    auto refresh = std::make_shared<bool>(false);
    list->add_option("connector", *id)->required();
    list->add_flag("--refresh", *refresh, "Fetch every page from the platform again");
    list->callback([ctx, id, refresh] { ctx.exit_code = services_list(ctx.app, *id, *refresh); });
  }

  auto* map = cli.add_subcommand("map", "Map workspaces to PSA accounts and services to PSA services");
  map->require_subcommand(1);
  {
    auto* a = map->add_subcommand("auto", "Map workspaces to accounts with exactly the same name");
    auto id = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->callback([ctx, id] { ctx.exit_code = map_auto(ctx.app, *id); });
  }
  {
    auto* a = map->add_subcommand("account", "Map one workspace to one PSA account (replaces its mapping)");
    auto id = std::make_shared<std::string>(), ws = std::make_shared<std::string>(), acct = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("workspace", *ws, "Workspace id or name")->required();
    a->add_option("account", *acct, "PSA account id or name")->required();
    a->callback([ctx, id, ws, acct] { ctx.exit_code = map_account(ctx.app, *id, *ws, *acct); });
  }
  {
    auto* a = map->add_subcommand("unmap", "Remove a workspace's mapping");
    auto id = std::make_shared<std::string>(), ws = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("workspace", *ws, "Workspace id or name")->required();
    a->callback([ctx, id, ws] { ctx.exit_code = map_unmap(ctx.app, *id, *ws); });
  }
  for (bool exclude : {true, false}) {
    auto* a = map->add_subcommand(
        exclude ? "exclude" : "include",
        exclude ? "Never map or sync a workspace (or never auto-match a PSA account)"
                : "Undo exclude (a mapping the workspace had is active again)");
    auto id = std::make_shared<std::string>(), ws = std::make_shared<std::string>(), acct = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("workspace", *ws, "Workspace id or name");
    a->add_option("--account", *acct, "A PSA account (id or name) instead of a workspace");
    a->callback([ctx, id, ws, acct, exclude] { ctx.exit_code = map_exclude(ctx.app, *id, *ws, *acct, exclude); });
  }
  {
    auto* a = map->add_subcommand("show", "Mapped, unmapped and excluded on both sides, and service mappings");
    auto id = std::make_shared<std::string>();
    auto unmapped = std::make_shared<bool>(false);
    a->add_option("connector", *id)->required();
    a->add_flag("--unmapped", *unmapped, "Only what is not mapped yet");
    a->callback([ctx, id, unmapped] { ctx.exit_code = map_show(ctx.app, *id, *unmapped); });
  }
  {
    auto* a = map->add_subcommand("apply", "Apply the mappings the config declares (connector \"mappings\")");
    auto ids = std::make_shared<std::vector<std::string>>();
    a->add_option("connectors", *ids, "Connector ids (default: every connector that declares mappings)");
    a->callback([ctx, ids] { ctx.exit_code = map_apply(ctx.app, *ids); });
  }
  {
    auto* a = map->add_subcommand("service", "Map a vendor service to a PSA service, counting users or devices");
    auto id = std::make_shared<std::string>(), svc = std::make_shared<std::string>(), psa = std::make_shared<std::string>();
    auto metric = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("service", *svc, "Vendor service id or name")->required();
    a->add_option("psa_service", *psa, "PSA service/product id or name")->required();
    a->add_option("--metric", *metric,
                  "users or devices; required unless the PSA service's name says which")
        ->check(CLI::IsMember({"users", "devices"}));
    a->callback([ctx, id, svc, psa, metric] { ctx.exit_code = map_service(ctx.app, *id, *svc, *psa, *metric); });
  }
  {
    auto* a = map->add_subcommand("unmap-service", "Remove a service mapping");
    auto id = std::make_shared<std::string>(), svc = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("service", *svc, "Vendor service id or name")->required();
    a->callback([ctx, id, svc] { ctx.exit_code = map_unmap_service(ctx.app, *id, *svc); });
  }
  // Link-based platforms speak of linking customers; these are the same operations.
  {
    auto* a = cli.add_subcommand("link", "Link a workspace to a platform customer (same as map account)");
    auto id = std::make_shared<std::string>(), ws = std::make_shared<std::string>(), acct = std::make_shared<std::string>();
    a->add_option("connector", *id)->required();
    a->add_option("workspace", *ws, "Workspace id or name")->required();
    a->add_option("customer", *acct, "Platform customer id or name")->required();
    a->callback([ctx, id, ws, acct] { ctx.exit_code = map_account(ctx.app, *id, *ws, *acct); });
    auto* u = cli.add_subcommand("unlink", "Unlink a workspace (same as map unmap)");
    auto uid = std::make_shared<std::string>(), uws = std::make_shared<std::string>();
    u->add_option("connector", *uid)->required();
    u->add_option("workspace", *uws, "Workspace id or name")->required();
    u->callback([ctx, uid, uws] { ctx.exit_code = map_unmap(ctx.app, *uid, *uws); });
  }
}

}  // namespace mb::cli
