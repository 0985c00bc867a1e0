#include "host/server/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "host/cli/operations.h"
#include "host/config/config.h"
#include "host/server/admin_api.h"
#include "host/server/scheduler.h"
#include "host/sync/report.h"

namespace mb::server {
namespace {

struct ServeOptions {
  std::string listen;  // overrides api.listen
  bool no_api = false;
  bool no_schedule = false;
};

int serve(cli::App& app, const ServeOptions& options) {
  // Everything the threads share is loaded up front, before any thread starts.
  auto config = app.config();
  if (!config) return cli::report_failure(app, config.status());
  auto plugins = app.plugins();
  if (!plugins) return cli::report_failure(app, plugins.status());
  auto store = app.store();
  if (!store) return cli::report_store_failure(app, store.status());
  Status checked = check_connectors(**config, **plugins, {});
  if (!checked.ok()) spdlog::warn("{}", checked.message());

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RunGate gate;
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<AdminApi> api;
  if (!options.no_api) {
    auto token = resolve_secret_reference((*config)->api_token, (*config)->file.parent_path());
    if (!token || token->empty())
      return cli::report_failure(app, Status::ConfigInvalid((*config)->file.string() +
                                                            ": /api/token: the admin API needs a bearer token "
                                                            "(or run with --no-api)" +
                                                            (token ? "" : ": " + token.status().message())));
    std::string listen = options.listen.empty() ? (*config)->api_listen : options.listen;
    size_t colon = listen.rfind(':');
    HttpServerOptions http;
    http.host = listen.substr(0, colon);
    http.port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
    api = std::make_unique<AdminApi>(app, *token, gate);
    auto started = HttpServer::start(http, [&api](const ApiRequest& r) { return api->handle(r); });
    if (!started) return cli::report_failure(app, started.status());
    server = std::move(*started);
    // The first line on stdout, so scripts and tests can find a port chosen by the system.
    std::cout << "admin API listening on http://" << http.host << ":" << server->port() << std::endl;
  }

  Scheduler scheduler(SystemClock::instance(), [&](const std::string& id) {
    auto held = gate.enter(id);
    SyncOptions sync;
    sync.trigger = "schedule";
    auto report = ops::sync_connector(app, id, sync);
    if (report) spdlog::info("{}", run_summary_line(report->run));
    else spdlog::error("connector {}: scheduled sync failed: {}", id, report.status().message());
  });
  if (!options.no_schedule) {
    std::map<std::string, ScheduleConfig> schedules;
    for (const auto& c : (*config)->connectors)
      if (c.enabled) schedules[c.id] = c.schedule;
    Status s = scheduler.start(schedules);
    if (!s.ok()) return cli::report_failure(app, s);
  }
  spdlog::info("meterbridge serving: {} connectors, scheduler {}, admin API {}", (*config)->connectors.size(),
               options.no_schedule ? "off" : "on", server ? "on" : "off");
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {} received: stopping", signal);
  scheduler.stop();
  if (server) server->stop();
  return cli::kExitOk;
}

}  // namespace

void register_serve_command(CLI::App& cli, cli::CommandContext ctx) {
  auto* serve_cmd = cli.add_subcommand("serve", "Run the daily scheduler and the admin API until SIGINT/SIGTERM");
  auto options = std::make_shared<ServeOptions>();
  serve_cmd->add_option("--listen", options->listen, "host:port for the admin API (overrides api.listen; port 0 "
                                                     "picks a free one)");
  serve_cmd->add_flag("--no-api", options->no_api, "Scheduler only");
  serve_cmd->add_flag("--no-schedule", options->no_schedule, "Admin API only");
  serve_cmd->callback([ctx, options] { ctx.exit_code = serve(ctx.app, *options); });
}

}  // namespace mb::server
