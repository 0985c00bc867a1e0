#include "host/server/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <set>

#include "host/app/operations.h"
#include "host/app/ticket_operations.h"
#include "host/common/listen_address.h"
#include "host/common/redaction.h"
#include "host/config/config.h"
#include "host/server/admin_api.h"
#include "host/server/job_workers.h"
#include "host/server/scheduler.h"
#include "host/server/service_manager.h"
#include "host/sync/lease.h"
#include "host/sync/report.h"
#include "host/sync/sync_engine.h"

namespace mb::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Descriptors `serve` needs besides admin connections: store, plugins, platform connections, logs.
constexpr size_t kReservedDescriptors = 256;

// TERM and INT stop, HUP reloads. Blocked in every thread; the main thread takes them.
sigset_t serve_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  return signals;
}

std::map<std::string, ScheduleConfig> enabled_schedules(const Config& config) {
  std::map<std::string, ScheduleConfig> schedules;
  for (const auto& c : config.connectors)
    if (c.enabled) schedules[c.id] = c.schedule;
  return schedules;
}

// The admin API's bearer tokens, resolved: the vendor's (api.token) and the partners'
// (api.partner_tokens). At least one is needed, unless the console has users to sign in.
struct ApiTokens {
  std::string vendor;
  std::vector<PartnerToken> partners;
};

Result<ApiTokens> resolve_api_tokens(const Config& config) {
  ApiTokens tokens;
  std::string where = config.file.string();
  if (!config.api_token.empty()) {
    auto token = resolve_secret_reference(config.api_token, config.file.parent_path());
    if (!token || token->empty())
      return Status::ConfigInvalid(
          where +
          ": /api/token: " + (token ? "resolves to an empty token" : token.status().message()));
    tokens.vendor = *token;
  }
  std::set<std::string> seen{tokens.vendor};
  for (size_t i = 0; i < config.api_partner_tokens.size(); ++i) {
    const PartnerToken& given = config.api_partner_tokens[i];
    std::string pointer = where + ": /api/partner_tokens/" + std::to_string(i) + "/token";
    auto token = resolve_secret_reference(given.token, config.file.parent_path());
    if (!token || token->empty())
      return Status::ConfigInvalid(
          pointer + ": " + (token ? "resolves to an empty token" : token.status().message()));
    if (!seen.insert(*token).second)
      return Status::ConfigInvalid(pointer +
                                   ": the same token is given twice; each must be unique");
    tokens.partners.push_back({given.partner_id, *token});
  }
  if (tokens.vendor.empty() && tokens.partners.empty())
    return Status::ConfigInvalid(
        where + ": /api/token: the admin API needs a bearer token (or run with --no-api)");
  return tokens;
}

SessionTimes session_times(const ApiSessions& sessions) {
  return {.idle_ms = int64_t{sessions.idle_minutes} * 60 * 1000,
          .absolute_ms = int64_t{sessions.absolute_hours} * 60 * 60 * 1000};
}

HttpServerLimits http_limits(const ApiLimits& api) {
  HttpServerLimits limits;
  limits.max_connections = api.max_connections;
  limits.header_timeout = std::chrono::seconds(api.header_timeout_seconds);
  limits.body_timeout = std::chrono::seconds(api.body_timeout_seconds);
  return limits;
}

// Every admin connection is a file descriptor: raise the soft limit to the hard one, and serve
// fewer connections when even that is too low.
void fit_open_file_limit(HttpServerLimits& limits) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur == RLIM_INFINITY) return;
  auto available = static_cast<size_t>(rl.rlim_cur);
  size_t needed = limits.max_connections + 64 + kReservedDescriptors;
  if (available >= needed) return;
  size_t fits =
      available > 64 + kReservedDescriptors + 1 ? available - 64 - kReservedDescriptors : 1;
  spdlog::warn(
      "admin API: the open-file limit ({}) allows {} connections, not {}; raise LimitNOFILE",
      available, fits, limits.max_connections);
  limits.max_connections = fits;
}

// The settings a reload cannot change in a running process.
void warn_restart_only_changes(const Config& before, const Config& after) {
  auto warn = [](const char* field) {
    spdlog::warn("config reload: {} changes take effect at the next start", field);
  };
  if (before.api_listen != after.api_listen) warn("api.listen");
  if (before.api_tls_cert_file != after.api_tls_cert_file ||
      before.api_tls_key_file != after.api_tls_key_file)
    warn("api.tls");
  const ApiLimits& a = before.api_limits;
  const ApiLimits& b = after.api_limits;
  if (a.max_connections != b.max_connections ||
      a.header_timeout_seconds != b.header_timeout_seconds ||
      a.body_timeout_seconds != b.body_timeout_seconds || a.max_body_bytes != b.max_body_bytes ||
      a.max_usage_body_bytes != b.max_usage_body_bytes)
    warn("api.limits");
  if (before.state_path != after.state_path || before.state_postgres != after.state_postgres ||
      before.key_file != after.key_file)
    warn("state");
}

// `meterbridge serve`: the scheduler and the admin API, until TERM or INT; HUP reloads.
class Daemon {
 public:
  Daemon(app::App& app, ServeOptions options) : app_(app), options_(std::move(options)) {}

  int run() {
    sigset_t signals = serve_signals();
    // Before any thread starts, so every thread inherits the mask.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::optional<ListenAddress> listen_override;
    if (!options_.listen.empty()) {
      auto parsed = parse_listen_address(options_.listen, PortZero::kSystemPicks);
      if (!parsed)
        return app::report_failure(
            app_, Status::ConfigInvalid("--listen: " + parsed.status().message()), app::kExitUsage);
      listen_override = *parsed;
    }
    auto config = app_.config();
    if (!config) return app::report_failure(app_, config.status());
    auto plugins = app_.plugins();
    if (!plugins) return app::report_failure(app_, plugins.status());
    auto store = app_.store();
    if (!store) return app::report_store_failure(app_, store.status());
    // Again: the connectors added in the console join the config once the store is open.
    config = app_.config();
    if (!config) return app::report_failure(app_, config.status());
    Status checked = check_connectors(**config, **plugins, {});
    if (!checked.ok()) spdlog::warn("{}", checked.message());

    if (!options_.no_api) {
      int rc = start_api(**config, listen_override);
      if (rc != app::kExitOk) return rc;
    }
    if (!options_.no_schedule) {
      start_workers(**config, **store);
      Status s = scheduler_.start(enabled_schedules(**config));
      if (!s.ok()) return app::report_failure(app_, s);
    }
    std::string serving =
        fmt::format("meterbridge serving: {} connectors, scheduler {}, {} workers, admin API {}",
                    (*config)->connectors.size(), options_.no_schedule ? "off" : "on",
                    workers_ ? (*config)->workers.concurrency : 0, server_ ? "on" : "off");
    spdlog::info("{}", serving);
    service_manager::notify_ready(serving);
    for (;;) {
      int signal = wait_for_signal(signals);
      if (signal == SIGHUP) {
        reload();
        continue;
      }
      spdlog::info("signal {} received: stopping", signal);
      return shut_down(signals);
    }
  }

 private:
  // The admin API's I/O thread keeps the watchdog fed (start_api); without the API, the only
  // loop left to prove liveness is this one, between signals.
  int wait_for_signal(const sigset_t& signals) {
    auto ping_every =
        server_ ? std::chrono::milliseconds(0) : service_manager::watchdog_ping_interval();
    if (ping_every.count() == 0) {
      int signal = 0;
      sigwait(&signals, &signal);
      return signal;
    }
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(ping_every);
    timespec timeout{static_cast<time_t>(seconds.count()),
                     static_cast<long>(std::chrono::nanoseconds(ping_every - seconds).count())};
    for (;;) {
      service_manager::notify_watchdog();
      int signal = sigtimedwait(&signals, nullptr, &timeout);
      if (signal > 0) return signal;
    }
  }

  int start_api(const Config& config, const std::optional<ListenAddress>& listen_override) {
    auto tokens = resolve_api_tokens(config);
    if (!tokens) return app::report_failure(app_, tokens.status());
    // The config's api.listen was checked when the config loaded.
    ListenAddress listen =
        listen_override ? *listen_override
                        : parse_listen_address(config.api_listen, PortZero::kRefused).value();
    HttpServerOptions http;
    http.host = listen.host;
    http.port = listen.port;
    http.limits = http_limits(config.api_limits);
    http.tls_cert_file = config.api_tls_cert_file.string();
    http.tls_key_file = config.api_tls_key_file.string();
    fit_open_file_limit(http.limits);
    http.heartbeat_interval = service_manager::watchdog_ping_interval();
    if (http.heartbeat_interval.count() > 0) {
      service_manager::notify_watchdog();  // the first ping, before the first interval ends
      http.heartbeat = [] { service_manager::notify_watchdog(); };
    }
    AdminApiOptions api;
    api.token = tokens->vendor;
    api.partner_tokens = tokens->partners;
    api.session_times = session_times(config.api_sessions);
    api.scheduler_on = !options_.no_schedule;
    api.tls = !http.tls_cert_file.empty();
    api.max_body_bytes = config.api_limits.max_body_bytes;
    api.max_usage_body_bytes = config.api_limits.max_usage_body_bytes;
    api.stop_requested = &stop_requested_;
    api.connectors_changed = [this] {
      if (options_.no_schedule) return;
      auto now = app_.config();
      if (!now) return;
      Status s = scheduler_.reschedule(enabled_schedules(**now));
      if (!s.ok()) spdlog::error("schedules unchanged after a console change: {}", s.message());
    };
    api_ = std::make_unique<AdminApi>(app_, std::move(api), gate_);
    auto started = HttpServer::start(
        http, [this](const ApiRequest& head) { return api_->admit(head); },
        [this](const ApiRequest& request) { return api_->handle(request); });
    if (!started) return app::report_failure(app_, started.status());
    server_ = std::move(*started);
    listen.port = server_->port();
    // The first line on stdout, so scripts and tests can find a port chosen by the system.
    std::cout << "admin API listening on " << (api_->tls() ? "https://" : "http://")
              << listen.to_string() << std::endl;
    return app::kExitOk;
  }

  // Due syncs are jobs in the store (docs/scale-out.md): this node's scheduler enqueues them,
  // and the workers of every node against the same store claim and run them.
  void start_workers(const Config& config, Store& store) {
    JobWorkerOptions options;
    options.concurrency = config.workers.concurrency;
    options.claim_ttl_ms = int64_t{config.workers.claim_ttl_seconds} * 1000;
    options.poll_every_ms = int64_t{config.workers.poll_seconds} * 1000;
    options.job_retention_ms = int64_t{config.workers.job_retention_days} * 24 * 3'600'000;
    slot_ttl_ms_ = options.claim_ttl_ms;  // renewed with the claims
    workers_ = std::make_unique<JobWorkers>(store, options,
                                            [this](const SyncJob& job) { return run_job(job); });
    workers_->start();
  }

  // The scheduler's callback: one job per connector and schedule window, however many nodes
  // enqueue it.
  void enqueue_scheduled(const std::string& id, int64_t fire_ms) {
    auto store = app_.store();
    if (!store) {
      spdlog::error("connector {}: scheduled sync not queued: {}", id, store.status().message());
      return;
    }
    SyncJob job;
    job.connector_id = id;
    job.window_key = "schedule:" + format_iso8601_utc(fire_ms);
    job.trigger = "schedule";
    job.due_at_ms = fire_ms;
    auto added = (*store)->enqueue_job(job);
    if (!added)
      spdlog::error("connector {}: scheduled sync not queued: {}", id, added.status().message());
    else if (!*added)
      spdlog::info("connector {}: the sync due at {} is already queued", id,
                   format_iso8601_utc(fire_ms));
    if (workers_) workers_->wake();
  }

  JobOutcome run_job(const SyncJob& job) {
    const std::string& id = job.connector_id;
    auto held = gate_.enter(id);
    if (stop_requested_) return {JobOutcome::Kind::kStopped, 0, "a node stopped before running it"};
    // The whole job (its sync and the alerts after it) holds one of its platform tenant's slots,
    // given back however it ends.
    std::optional<app::TenantSlot> slot;
    if (auto refused = take_tenant_slot(id, slot)) return std::move(*refused);
    if (ops::is_alerts_job(job)) return run_alerts_job(job);
    SyncOptions sync;
    sync.trigger = job.trigger;
    sync.cancelled = &stop_requested_;
    (void)app_.take_budget_refusal(id);  // one of an earlier run, no longer news
    // Shown live in the console like the runs the API starts (api_ is set before the workers
    // start, and only with the admin API on).
    std::optional<RunProgressBoard::TrackedRun> tracked;
    if (api_) {
      tracked.emplace(api_->progress().track(id, job.trigger));
      sync.progress = tracked->callback();
    }
    auto report = ops::sync_connector(app_, id, sync, app::TenantSlotTaker::kTheCaller);
    const int64_t budget_resumes_at_ms = app_.take_budget_refusal(id);
    if (!report) {
      const Status& failed = report.status();
      if (failed.code() == ErrorClass::kConflict)
        return {JobOutcome::Kind::kBusy, 0, failed.message()};
      if (stop_requested_) return {JobOutcome::Kind::kStopped, 0, "a node stopped while it ran"};
      if (budget_resumes_at_ms > 0)
        return {JobOutcome::Kind::kDeferred, 0,
                failed.message() + "; resumes at " + format_iso8601_utc(budget_resumes_at_ms),
                budget_resumes_at_ms};
      spdlog::error("connector {}: {} sync failed: {}", id, job.trigger, failed.message());
      return {JobOutcome::Kind::kFailed, 0, failed.message()};
    }
    spdlog::info("{}", run_summary_line(report->run));
    if (!stop_requested_) run_alerts(id, job.trigger);
    // Cut short at a batch boundary by the shutdown: another node finishes the window, by
    // re-reading the platform for what this run left unwritten.
    bool unfinished =
        report->run.state != RunState::kOk && report->run.state != RunState::kNeedsAttention;
    if (stop_requested_ && unfinished)
      return {JobOutcome::Kind::kStopped, report->run.id, "a node stopped while it ran"};
    // Stopped at a batch boundary by the tenant's request budget: the job waits until the
    // budget has room, then a new run re-reads the platform for what this one left.
    if (unfinished && budget_resumes_at_ms > 0)
      return {JobOutcome::Kind::kDeferred, report->run.id,
              "request budget exhausted after run " + std::to_string(report->run.id) +
                  "; resumes at " + format_iso8601_utc(budget_resumes_at_ms),
              budget_resumes_at_ms};
    return {JobOutcome::Kind::kDone, report->run.id, ""};
  }

  // At most http.tenant_concurrency jobs at once on the connector's platform tenant, across
  // every connector and node (docs/scale-out.md, "Tenant slots"). Fills `slot` and returns
  // nothing when the job may run; otherwise how it ends for now.
  std::optional<JobOutcome> take_tenant_slot(const std::string& id,
                                             std::optional<app::TenantSlot>& slot) {
    auto tenant = app_.tenant_slots_of(id);
    // What keeps the tenant from being known (its config, its plugin config) keeps its session
    // from opening too: the job runs, and its run records the failure as any other.
    if (!tenant) {
      spdlog::warn("connector {}: its platform tenant is unknown: {}", id,
                   tenant.status().message());
      return std::nullopt;
    }
    if (tenant->limit <= 0) return std::nullopt;
    auto store = app_.store();
    if (!store) return JobOutcome{JobOutcome::Kind::kBusy, 0, store.status().message()};
    const int64_t now = SystemClock::instance().now_ms();
    auto taken =
        app::TenantSlot::take(**store, *tenant, workers_->worker_id(), id, slot_ttl_ms_, now);
    if (!taken)
      return JobOutcome{JobOutcome::Kind::kBusy, 0,
                        "cannot take a slot of its platform tenant: " + taken.status().message()};
    if (*taken) {
      slot.emplace(std::move(**taken));
      return std::nullopt;
    }
    return JobOutcome{JobOutcome::Kind::kTenantFull, 0,
                      app::describe_full_tenant(**store, *tenant, now) +
                          "; tried again in a few seconds"};
  }

  // A job of alerts alone (pushed alerts, or a queued "run the alerts now"): one alerts run
  // under the connector's lease; a connector busy elsewhere is tried again later.
  JobOutcome run_alerts_job(const SyncJob& job) {
    auto run = ops::sync_alerts(app_, job.connector_id, job.trigger,
                                app::TenantSlotTaker::kTheCaller);
    if (!run) {
      const Status& failed = run.status();
      if (failed.code() == ErrorClass::kConflict)
        return {JobOutcome::Kind::kBusy, 0, failed.message()};
      spdlog::error("connector {}: alerts run failed: {}", job.connector_id, failed.message());
      return {JobOutcome::Kind::kFailed, 0, failed.message()};
    }
    std::string summary = ops::describe_alert_run(*run);
    spdlog::info("{}", summary.substr(0, summary.find('\n')));
    return {JobOutcome::Kind::kDone, 0, "alerts run " + std::to_string(run->id)};
  }

  // After a connector's sync, its alerts run too when its policy routes them
  // (docs/alerts.md): tickets follow the alerts pushed since. Its failure is logged; the sync
  // job stands.
  void run_alerts(const std::string& id, const std::string& trigger) {
    auto connector = app_.connector(id);
    if (!connector || !(*connector)->alerts || !(*connector)->alerts->enabled) return;
    auto run = ops::sync_alerts(app_, id, trigger, app::TenantSlotTaker::kTheCaller);
    if (!run) {
      spdlog::error("connector {}: alerts run failed: {}", id, run.status().message());
      return;
    }
    std::string summary = ops::describe_alert_run(*run);
    spdlog::info("{}", summary.substr(0, summary.find('\n')));
  }

  // The new config must be usable as a whole, or nothing of it is used.
  Status check_reloadable(const Config& next, ApiTokens& tokens) {
    if (!options_.no_api) {
      auto resolved = resolve_api_tokens(next);
      if (!resolved) return resolved.status();
      tokens = std::move(*resolved);
    }
    int64_t now = SystemClock::instance().now_ms();
    for (const auto& [id, schedule] : enabled_schedules(next)) {
      auto fire = next_fire_ms(schedule, id, now);
      if (!fire)
        return Status::ConfigInvalid(next.file.string() + ": connector '" + id +
                                     "': " + fire.status().message());
    }
    return Status::Ok();
  }

  void reload() {
    spdlog::info("SIGHUP received: reloading {}", app_.config_path().string());
    auto before = app_.config();
    ApiTokens tokens;
    Status s = app_.reload([&](const Config& next) { return check_reloadable(next, tokens); });
    if (!s.ok()) {
      spdlog::error("config reload refused; still running the previous config:\n{}",
                    redact(s.message()));
      service_manager::notify_status("config reload refused; still running the previous config");
      return;
    }
    auto after = app_.config();
    auto plugins = app_.plugins();
    if (api_) {
      api_->set_tokens(tokens.vendor, tokens.partners);
      api_->set_session_times(session_times((*after)->api_sessions));
    }
    if (!options_.no_schedule) {
      if (workers_ && before && (*before)->workers.concurrency != (*after)->workers.concurrency)
        spdlog::warn("config reload: workers changes take effect at the next start");
      Status rescheduled = scheduler_.reschedule(enabled_schedules(**after));
      if (!rescheduled.ok())
        spdlog::error("config reload: schedules unchanged: {}", rescheduled.message());
    }
    if (plugins) {
      Status checked = check_connectors(**after, **plugins, {});
      if (!checked.ok()) spdlog::warn("{}", checked.message());
    }
    if (before) warn_restart_only_changes(**before, **after);
    std::string reloaded =
        fmt::format("config reloaded: {} connectors", (*after)->connectors.size());
    spdlog::info("{}", reloaded);
    service_manager::notify_status(reloaded);
  }

  // Running syncs stop at their next durable batch boundary; the process waits for them up to
  // the configured grace, then leaves. A second TERM or INT leaves at once.
  int shut_down(const sigset_t& signals) {
    stop_requested_ = true;
    if (server_) server_->drain();
    auto config = app_.config();
    int grace = config ? (*config)->shutdown_grace_seconds : 30;
    auto deadline = SteadyClock::now() + std::chrono::seconds(grace);
    std::string waiting =
        fmt::format("waiting up to {} s for running syncs to reach a batch boundary", grace);
    spdlog::info("{}", waiting);
    service_manager::notify_stopping(waiting);
    if (!wait_for_runs(signals, deadline)) {
      record_unfinished_runs();
      if (workers_) workers_->requeue_running("a node stopped while it ran");
      spdlog::default_logger()->flush();
      std::cout.flush();
      std::_Exit(
          app::kExitOk);  // threads still run: no destructor may pull the store from under them
    }
    if (server_) server_->stop();
    spdlog::info("stopped");
    return app::kExitOk;
  }

  // The runs still in progress are closed as interrupted, so none is left "applying": the next
  // run re-reads the platform for their unfinished lines instead of replaying anything. Their
  // leases are released, so another node need not wait for them to expire; a run that tries
  // to write after this finds its lease gone and stops.
  void record_unfinished_runs() {
    auto config = app_.config();
    auto store = app_.store();
    if (!config || !store) return;
    SyncEngine engine(**store, app::sync_settings(**config));
    for (const auto& [id, owner] : ConnectorLease::held_by_this_process()) {
      auto closed = engine.close_interrupted(id);
      if (!closed)
        spdlog::error("connector {}: could not record its run as interrupted: {}", id,
                      closed.status().message());
      Status released = (*store)->release_lease(id, owner);
      if (!released.ok())
        spdlog::error("connector {}: could not release its lease: {}", id, released.message());
    }
    spdlog::warn(
        "runs still in progress after the grace period were recorded as interrupted; exiting");
  }

  bool wait_for_runs(const sigset_t& signals, SteadyClock::time_point deadline) {
    constexpr auto kSlice = std::chrono::milliseconds(50);
    for (;;) {
      auto until = std::min(deadline, SteadyClock::now() + kSlice);
      bool scheduler_done = scheduler_.stop_before(until);
      bool workers_done = !workers_ || workers_->stop_before(until);
      bool api_idle = !server_ || server_->wait_idle(until);
      if (scheduler_done && workers_done && api_idle) return true;
      if (SteadyClock::now() >= deadline) return false;
      timespec no_wait{0, 0};
      int pending = sigtimedwait(&signals, nullptr, &no_wait);
      if (pending == SIGTERM || pending == SIGINT) {
        spdlog::warn("signal {} received again: exiting now", pending);
        return false;
      }
    }
  }

  app::App& app_;
  const ServeOptions options_;
  std::atomic<bool> stop_requested_{false};
  RunGate gate_;
  std::unique_ptr<AdminApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<JobWorkers> workers_;
  int64_t slot_ttl_ms_ = 60'000;  // a tenant slot's life, renewed by the workers' heartbeat
  Scheduler scheduler_{SystemClock::instance(), [this](const std::string& id, int64_t fire_ms) {
                         enqueue_scheduled(id, fire_ms);
                       }};
};

}  // namespace

int serve(app::App& app, const ServeOptions& options) { return Daemon(app, options).run(); }

}  // namespace mb::server
