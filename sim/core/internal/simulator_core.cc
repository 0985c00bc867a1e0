#include "sim/core/internal/simulator_core.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace mb::sim::internal {
namespace {

namespace json = boost::json;

constexpr std::string_view kControlPrefix = "/_sim/";

bool is_control_path(std::string_view path) { return path.starts_with(kControlPrefix); }

Response control_error(int status, std::string_view error, std::string_view message) {
  return Response::json(status, json::object{{"error", error}, {"message", message}});
}

json::value parse_lenient_json(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) throw std::runtime_error(std::string(what) + " is not valid JSON: " + ec.message());
  return value;
}

// A reply decided on arrival: control endpoints and unparseable targets.
class ImmediateExchange : public Exchange {
 public:
  explicit ImmediateExchange(Response response) { reply_.response = std::move(response); }
  std::chrono::milliseconds delay() const override { return std::chrono::milliseconds(0); }
  Reply produce_reply() override { return std::move(reply_); }
  void delivered(const DeliveryReport&) override {}

 private:
  Reply reply_;
};

// Cuts a JSON body so no parser accepts it (a client must not mistake it for data).
std::string break_json(const std::string& body) {
  std::string broken = body.substr(0, body.size() / 2);
  boost::system::error_code ec;
  json::parse(broken, ec);
  if (!ec) broken += "{";  // the half was itself valid JSON (e.g. a number): spoil it
  return broken;
}

}  // namespace

// One platform request's journey: classified and counted on arrival, answered after its delay,
// logged when delivered. Destruction releases the in-flight counts whatever happened.
class PlatformExchange : public Exchange {
 public:
  PlatformExchange(SimulatorCore& core, Request request)
      : core_(core),
        request_(std::move(request)),
        start_us_(now_epoch_us()),
        log_generation_(core.log_.generation()) {}

  // Classifies and counts the request and decides its fault. Separate from the constructor so
  // that, should a platform hook throw, the destructor still undoes the counting.
  void arrive() {
    EndpointClass endpoint;
    {
      std::lock_guard lock(core_.data_mutex_);
      endpoint = core_.platform_->classify(request_);
    }
    endpoint_ = std::move(endpoint.key);
    const int in_flight = core_.stats_.enter(endpoint_);
    entered_ = true;
    holds_endpoint_ = true;
    delay_ = std::chrono::milliseconds(core_.latency_ms_.load());

    if (endpoint.max_in_flight > 0 && in_flight > endpoint.max_in_flight) {
      // A refused request does not occupy a slot, as on the real platforms.
      release_endpoint();
      throttled_ = true;
      core_.stats_.count_throttled(endpoint_);
      ThrottleContext context{ThrottleCause::kConcurrencyLimit, endpoint_, endpoint.max_in_flight,
                              in_flight};
      std::lock_guard lock(core_.data_mutex_);
      prepared_ = Reply{core_.platform_->throttle_response(request_, context)};
      return;
    }

    fault_ = core_.faults_.decide(request_.method, request_.path, endpoint_);
    if (!fault_) return;
    core_.stats_.count_fault();
    const FaultRule& rule = fault_->rule;
    delay_ += std::chrono::milliseconds(rule.delay_ms);
    switch (rule.kind) {
      case FaultKind::kStatus:
      case FaultKind::kThrottle:
        prepared_ = Reply{core_.injected_error(request_, rule, endpoint_)};
        break;
      case FaultKind::kDelay:
      case FaultKind::kDrop:
        // handled=true: the change takes effect now, whatever the client sees later.
        if (rule.handled) handled_response_ = core_.run_platform_route(request_);
        break;
      default:
        break;
    }
  }

  // The server may stop while a request waits out its delay.
  ~PlatformExchange() override { leave(); }

  std::chrono::milliseconds delay() const override { return delay_; }

  Reply produce_reply() override {
    Reply reply = build_reply();
    // The request stops counting as in flight, and is logged, before the first response byte is
    // written: a client that has read the response never finds its request still in flight
    // (and wrongly throttled), nor missing from the log.
    leave();
    record(reply);
    return reply;
  }

  void delivered(const DeliveryReport& report) override {
    if (!report.completed) core_.log_.mark_client_gone(request_.request_id, log_generation_);
  }

 private:
  Reply build_reply() {
    if (prepared_) return std::move(*prepared_);
    Reply reply;
    if (handled_response_) {
      reply.response = std::move(*handled_response_);
    } else if (!fault_ || fault_->rule.kind != FaultKind::kDrop) {
      reply.response = core_.run_platform_route(request_);
    }
    if (!fault_) return reply;
    const FaultRule& rule = fault_->rule;
    switch (rule.kind) {
      case FaultKind::kReset:
        reply.delivery = Delivery::kResetMidBody;
        reply.reset_after_body_bytes = rule.after_body_bytes
                                           ? static_cast<size_t>(*rule.after_body_bytes)
                                           : reply.response.body.size() / 2;
        break;
      case FaultKind::kDrop:
        reply.delivery = Delivery::kDrop;
        break;
      case FaultKind::kClose:
        reply.delivery = Delivery::kFullThenClose;
        break;
      case FaultKind::kMalformed:
        reply.response = malformed(reply.response, rule.malformed_style);
        break;
      default:
        break;
    }
    return reply;
  }

  void record(const Reply& reply) {
    RequestLogEntry entry;
    entry.id = request_.request_id;
    entry.connection_id = request_.connection_id;
    entry.method = request_.method;
    entry.target = request_.target;
    entry.endpoint = endpoint_;
    entry.headers = std::move(request_.headers);
    entry.body = std::move(request_.body);
    entry.status = reply.delivery == Delivery::kDrop ? 0 : reply.response.status;
    entry.fault = fault_ ? std::string(fault_kind_name(fault_->rule.kind)) : std::string();
    entry.throttled = throttled_;
    entry.outcome = planned_outcome();
    entry.start_us = start_us_;
    entry.end_us = now_epoch_us();
    core_.record(std::move(entry), log_generation_);
  }

  void leave() {
    if (!entered_) return;
    entered_ = false;
    release_endpoint();
    core_.stats_.leave_overall();
  }

  void release_endpoint() {
    if (!holds_endpoint_) return;
    holds_endpoint_ = false;
    core_.stats_.leave_endpoint(endpoint_);
  }

  std::string planned_outcome() const {
    if (!fault_) return "ok";
    switch (fault_->rule.kind) {
      case FaultKind::kReset:
        return "reset";
      case FaultKind::kDrop:
        return "dropped";
      case FaultKind::kClose:
        return "closed";
      default:
        return "ok";
    }
  }

  static Response malformed(const Response& original, MalformedStyle style) {
    Response broken;
    broken.status = 200;
    if (style == MalformedStyle::kHtml) {
      // What a captive portal or misconfigured proxy hands back in place of the API.
      broken.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
      broken.body =
          "<!DOCTYPE html><html><head><title>Service Temporarily Unavailable</title></head>"
          "<body><h1>Service Temporarily Unavailable</h1></body></html>";
    } else {
      broken.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
      broken.body =
          break_json(original.body.empty() ? std::string("{\"items\":[]}") : original.body);
    }
    return broken;
  }

  SimulatorCore& core_;
  Request request_;
  const int64_t start_us_;
  const uint64_t log_generation_;
  std::string endpoint_;
  bool entered_ = false;
  bool holds_endpoint_ = false;
  bool throttled_ = false;
  std::chrono::milliseconds delay_{0};
  std::optional<FaultDecision> fault_;
  std::optional<Reply> prepared_;
  std::optional<Response> handled_response_;
};

SimulatorCore::SimulatorCore(std::string platform_name, std::unique_ptr<Platform> platform,
                             const SimOptions& options)
    : platform_name_(std::move(platform_name)),
      log_requests_(options.log_requests),
      platform_(std::move(platform)),
      latency_ms_(options.latency_ms) {
  if (options.latency_ms < 0) throw std::runtime_error("latency must not be negative");
  if (!options.seed_json.empty() && !options.generate.empty()) {
    throw std::runtime_error("give a seed document or a generate spec, not both");
  }
  platform_->register_routes(platform_router_);
  register_control_routes();
  try {
    if (!options.seed_json.empty()) {
      seed_ = parse_lenient_json(options.seed_json, "seed document");
    } else if (!options.generate.empty()) {
      seed_ = platform_->generate_seed(GenerateSpec::parse(options.generate));
    } else {
      seed_ = platform_->default_seed();
    }
    platform_->load_seed(seed_);
  } catch (const SeedError& error) {
    throw std::runtime_error(std::string("seed: ") + error.what());
  }
  if (!options.settings_json.empty()) {
    json::value settings = parse_lenient_json(options.settings_json, "settings");
    if (!settings.is_object()) throw std::runtime_error("settings must be a JSON object");
    startup_settings_ = settings.as_object();
    try {
      platform_->apply_settings(startup_settings_);
    } catch (const HttpError& error) {
      throw std::runtime_error(std::string("settings: ") + error.what());
    }
  }
  try {
    faults_.replace(parse_fault_spec(options.faults));
  } catch (const FaultSpecError& error) {
    throw std::runtime_error(std::string("faults: ") + error.what());
  }
}

SimulatorCore::~SimulatorCore() = default;

void SimulatorCore::connection_opened(uint64_t /*connection_id*/) { stats_.connection_opened(); }

void SimulatorCore::connection_closed(uint64_t /*connection_id*/) { stats_.connection_closed(); }

std::unique_ptr<Exchange> SimulatorCore::begin(Request request) {
  request.request_id = ++next_request_id_;
  request.base_url = base_url_;
  if (!parse_request_target(request.target, request.path, request.query)) {
    std::lock_guard lock(data_mutex_);
    return std::make_unique<ImmediateExchange>(
        platform_->error_response(400, "malformed request target"));
  }
  if (is_control_path(request.path)) {
    return std::make_unique<ImmediateExchange>(handle_control(request));
  }
  auto exchange = std::make_unique<PlatformExchange>(*this, std::move(request));
  try {
    exchange->arrive();
  } catch (const std::exception& error) {
    return std::make_unique<ImmediateExchange>(control_error(
        500, "simulator_error", std::string("platform hook failed: ") + error.what()));
  }
  return exchange;
}

Response SimulatorCore::run_platform_route(Request& request) {
  std::lock_guard lock(data_mutex_);
  Router::Match match = platform_router_.match(request.method, request.path);
  if (match.kind != Router::MatchKind::kFound) {
    return platform_->no_route_response(request, match.kind == Router::MatchKind::kNotFound
                                                     ? RouteMiss::kNotFound
                                                     : RouteMiss::kMethodNotAllowed);
  }
  request.path_params = std::move(match.path_params);
  return call_handler(*match.handler, request);
}

Response SimulatorCore::call_handler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const HttpError& error) {
    return platform_->error_response(error.status(), error.what());
  } catch (const std::exception& error) {
    return platform_->error_response(500, std::string("simulator handler failed: ") + error.what());
  }
}

Response SimulatorCore::injected_error(const Request& request, const FaultRule& rule,
                                       const std::string& endpoint_key) {
  Response response;
  {
    std::lock_guard lock(data_mutex_);
    if (rule.kind == FaultKind::kThrottle) {
      ThrottleContext context{ThrottleCause::kInjected, endpoint_key, 0, 0};
      response = platform_->throttle_response(request, context);
      if (rule.status != 0) response.status = rule.status;
    } else {
      response = platform_->error_response(
          rule.status, std::string(reason_phrase(rule.status)) + " (injected by meterbridge-sim)");
    }
  }
  if (!rule.body.empty()) response.body = rule.body;
  if (rule.retry_after_s) {
    response.set_header("Retry-After", rule.retry_after_format == RetryAfterFormat::kHttpDate
                                           ? http_date_after_seconds(*rule.retry_after_s)
                                           : std::to_string(*rule.retry_after_s));
  }
  return response;
}

void SimulatorCore::record(RequestLogEntry entry, uint64_t log_generation) {
  if (log_requests_) {
    std::lock_guard lock(stderr_mutex_);
    std::fprintf(stderr, "[sim] #%llu conn %llu %s %s -> %d %s%s%s %.1fms\n",
                 static_cast<unsigned long long>(entry.id),
                 static_cast<unsigned long long>(entry.connection_id), entry.method.c_str(),
                 entry.target.c_str(), entry.status, entry.outcome.c_str(),
                 entry.fault.empty() ? "" : " fault=", entry.fault.c_str(),
                 static_cast<double>(entry.end_us - entry.start_us) / 1000.0);
  }
  log_.append(std::move(entry), log_generation);
}

Response SimulatorCore::reset() {
  {
    std::lock_guard lock(data_mutex_);
    try {
      platform_->reset_settings();
      platform_->load_seed(seed_);
      platform_->apply_settings(startup_settings_);
    } catch (const std::exception& error) {
      return control_error(500, "reset_failed", error.what());
    }
  }
  faults_.clear();
  log_.clear();
  stats_.reset();
  return Response::json(200, json::object{{"reset", true}});
}

void SimulatorCore::register_control_routes() {
  control_router_.add("GET", "/_sim/info", [this](const Request&) {
    return Response::json(200, json::object{{"platform", platform_name_},
                                            {"base_url", base_url_},
                                            {"latency_ms", latency_ms_.load()}});
  });
  control_router_.add("GET", "/_sim/state", [this](const Request&) {
    std::lock_guard lock(data_mutex_);
    return Response::json(200, platform_->state());
  });
  control_router_.add("GET", "/_sim/seed", [this](const Request&) {
    std::lock_guard lock(data_mutex_);
    return Response::json(200, seed_);
  });
  control_router_.add("GET", "/_sim/requests", [this](const Request& request) {
    const auto after = request.query_int("after").value_or(0);
    const auto limit = request.query_int("limit").value_or(RequestLog::kMaxEntries);
    json::value body = log_.to_json(static_cast<uint64_t>(std::max<int64_t>(after, 0)),
                                    static_cast<size_t>(std::max<int64_t>(limit, 0)));
    body.as_object()["max_in_flight"] = stats_.max_in_flight();
    body.as_object()["connections"] = stats_.connections_opened();
    return Response::json(200, body);
  });
  control_router_.add("DELETE", "/_sim/requests", [this](const Request&) {
    log_.clear();
    return Response::json(200, json::object{{"cleared", true}});
  });
  control_router_.add("GET", "/_sim/stats",
                      [this](const Request&) { return Response::json(200, stats_.to_json()); });
  control_router_.add("GET", "/_sim/faults", [this](const Request&) {
    return Response::json(200, fault_plan_to_json(faults_.snapshot()));
  });
  control_router_.add("POST", "/_sim/faults", [this](const Request& request) {
    try {
      boost::system::error_code ec;
      json::value document = json::parse(request.body, ec);
      // Not JSON: the body is the --faults string form (handy with curl -d).
      FaultPlan plan = ec ? parse_fault_spec(request.body) : parse_fault_json(document);
      const json::value* append = ec ? nullptr
                                  : document.is_object()
                                      ? document.as_object().if_contains("append")
                                      : nullptr;
      if (append != nullptr && append->is_bool() && append->get_bool()) {
        faults_.append(std::move(plan.rules));
      } else {
        faults_.replace(std::move(plan));
      }
    } catch (const FaultSpecError& error) {
      return control_error(400, "bad_faults", error.what());
    }
    return Response::json(200, fault_plan_to_json(faults_.snapshot()));
  });
  control_router_.add("DELETE", "/_sim/faults", [this](const Request&) {
    faults_.clear();
    return Response::json(200, fault_plan_to_json(faults_.snapshot()));
  });
  control_router_.add("POST", "/_sim/reset", [this](const Request&) { return reset(); });
  control_router_.add("GET", "/_sim/settings", [this](const Request&) {
    std::lock_guard lock(data_mutex_);
    return Response::json(200, platform_->settings());
  });
  control_router_.add("POST", "/_sim/settings", [this](const Request& request) {
    json::value changes = request.json_body();
    if (!changes.is_object()) throw HttpError(400, "settings must be a JSON object");
    std::lock_guard lock(data_mutex_);
    platform_->apply_settings(changes.as_object());
    return Response::json(200, platform_->settings());
  });
  control_router_.add("POST", "/_sim/latency", [this](const Request& request) {
    json::value body = request.json_body();
    const json::value* latency =
        body.is_object() ? body.as_object().if_contains("latency_ms") : nullptr;
    if (latency == nullptr || !latency->is_int64() || latency->get_int64() < 0) {
      throw HttpError(400, "body must be {\"latency_ms\": non-negative integer}");
    }
    latency_ms_ = static_cast<int>(latency->get_int64());
    return Response::json(200, json::object{{"latency_ms", latency_ms_.load()}});
  });
}

Response SimulatorCore::handle_control(Request& request) {
  Router::Match match = control_router_.match(request.method, request.path);
  if (match.kind == Router::MatchKind::kFound) {
    try {
      return (*match.handler)(request);
    } catch (const HttpError& error) {
      return control_error(error.status(), "bad_request", error.what());
    } catch (const std::exception& error) {
      return control_error(500, "control_failed", error.what());
    }
  }
  // The platform's own test hooks (e.g. /_sim/gradient/disconnect).
  std::lock_guard lock(data_mutex_);
  Router::Match platform_match = platform_router_.match(request.method, request.path);
  if (platform_match.kind == Router::MatchKind::kFound) {
    request.path_params = std::move(platform_match.path_params);
    return call_handler(*platform_match.handler, request);
  }
  if (match.kind == Router::MatchKind::kMethodNotAllowed ||
      platform_match.kind == Router::MatchKind::kMethodNotAllowed) {
    return control_error(405, "method_not_allowed",
                         request.method + " is not allowed on " + request.path);
  }
  return control_error(404, "not_found", "no control endpoint " + request.path);
}

}  // namespace mb::sim::internal
