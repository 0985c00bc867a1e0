// `meterbridge users add|list|remove|reset-password`: the web console's users
// (docs/console.md, "Users and roles"). A password is never an argument (it would sit in the
// shell history and the process list): on a terminal it is typed twice with echo off, otherwise
// the first line of standard input is read.
#include <boost/json.hpp>

#include <unistd.h>

#include <iostream>
#include <memory>

#include "host/app/users.h"
#include "host/cli/commands.h"
#include "host/cli/table.h"

namespace mb::cli {
namespace {

Result<std::string> read_new_password(App& app, const std::string& name) {
  if (::isatty(STDIN_FILENO) != 0) {
    auto first = read_hidden_line(app, "New password for " + name + " (typing is not shown): ");
    if (!first) return Status::ConfigInvalid("no password entered: the terminal's input ended");
    MB_RETURN_IF_ERROR(users::check_password(*first));
    auto again = read_hidden_line(app, "The same password again: ");
    if (!again || *again != *first)
      return Status::ConfigInvalid("the two passwords differ; nothing was changed");
    return *first;
  }
  std::string line;
  if (!std::getline(std::cin, line))
    return Status::ConfigInvalid(
        "no password on standard input: pipe it in, one line, or run on a terminal");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  SecretRegistry::global().add(line);
  return line;
}

int users_add(App& app, const users::NewUser& user) {
  if (Status checked = users::check_new_user(user); !checked.ok())
    return report_failure(app, checked, kExitUsage);
  auto password = read_new_password(app, user.name);
  if (!password) return report_failure(app, password.status(), kExitUsage);
  auto added = users::add_user(app, user, *password);
  if (!added) return report_failure(app, added.status());
  app.out() << "Added " << added->role << " " << added->name
            << (added->partner_id.empty() ? "" : " for partner " + added->partner_id) << ".\n";
  return kExitOk;
}

int users_list(App& app) {
  auto listed = users::list_users(app);
  if (!listed) return report_failure(app, listed.status());
  if (app.options().json) {
    boost::json::array arr;
    for (const auto& u : *listed)
      arr.push_back(boost::json::object{{"name", u.name},
                                        {"role", u.role},
                                        {"partner_id", u.partner_id},
                                        {"created_at", u.created_at}});
    print_json(app, arr);
    return kExitOk;
  }
  if (listed->empty()) {
    app.out() << "No console users yet: add one with `meterbridge users add`.\n";
    return kExitOk;
  }
  Table table({"NAME", "ROLE", "PARTNER", "CREATED"});
  for (const auto& u : *listed)
    table.add({u.name, u.role, u.partner_id.empty() ? "-" : u.partner_id, u.created_at});
  table.print(app.out());
  return kExitOk;
}

int users_remove(App& app, const std::string& name) {
  Status removed = users::remove_user(app, name);
  if (!removed.ok()) return report_failure(app, removed);
  app.out() << "Removed " << name << "; their sessions have ended.\n";
  return kExitOk;
}

int users_reset_password(App& app, const std::string& name) {
  auto password = read_new_password(app, name);
  if (!password) return report_failure(app, password.status(), kExitUsage);
  Status reset = users::reset_password(app, name, *password);
  if (!reset.ok()) return report_failure(app, reset);
  app.out() << "New password set for " << name << "; their sessions have ended.\n";
  return kExitOk;
}

}  // namespace

void register_user_commands(CLI::App& cli, CommandContext ctx) {
  auto* group = cli.add_subcommand("users", "Manage the web console's users");
  group->require_subcommand(1);

  auto* add = group->add_subcommand(
      "add", "Add a user; the password is typed (hidden) on a terminal, else read from stdin");
  auto user = std::make_shared<users::NewUser>();
  add->add_option("name", user->name, "What the user signs in with")->required();
  add->add_option("--role", user->role, "vendor_admin (everything) or partner_admin")
      ->required()
      ->check(CLI::IsMember({"vendor_admin", "partner_admin"}));
  add->add_option("--partner-id", user->partner_id,
                  "The partner a partner_admin administers (the connectors' partner_id)");
  add->callback([ctx, user] { ctx.exit_code = users_add(ctx.app, *user); });

  group->add_subcommand("list", "Show every user with role and partner")->callback([ctx] {
    ctx.exit_code = users_list(ctx.app);
  });

  auto* remove = group->add_subcommand("remove", "Remove a user and end their sessions");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("name", *remove_name, "User name")->required();
  remove->callback([ctx, remove_name] { ctx.exit_code = users_remove(ctx.app, *remove_name); });

  auto* reset = group->add_subcommand(
      "reset-password", "Set a new password (typed hidden, or from stdin) and end their sessions");
  auto reset_name = std::make_shared<std::string>();
  reset->add_option("name", *reset_name, "User name")->required();
  reset->callback(
      [ctx, reset_name] { ctx.exit_code = users_reset_password(ctx.app, *reset_name); });
}

}  // namespace mb::cli
