#include "external_session.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "internal/idempotency.h"

namespace meterbridge::external {
namespace {

namespace json = boost::json;

// Bounds every paging loop: 10,000 pages of the smallest page a platform may serve (100) is a
// million entries, far beyond any MSP.
constexpr int kMaxPages = 10000;
// Customers per GET /v1/counts: the protocol guarantees at least 100 filters, and the URL
// stays well under common server limits.
constexpr size_t kCustomersPerRead = 100;
constexpr size_t kMaxReadTargetLength = 6000;
constexpr int64_t kDefaultListLimit = 100;
constexpr int64_t kMaxListLimit = 1000;
constexpr size_t kMaxVendorCustomerIdLength = 128;

// A text member the host may leave out or send empty: either way, absent.
std::optional<std::string> given(const std::optional<std::string>& text) {
  return text && !text->empty() ? text : std::nullopt;
}
std::optional<std::string> given(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

int64_t limit_input(const ListRequest& request) {
  if (!request.limit) return kDefaultListLimit;
  return std::clamp<int64_t>(*request.limit, 1, kMaxListLimit);
}

void check_cancelled(Call& call, std::string_view what) {
  if (call.cancelled()) throw PluginError(MB_STATUS_RETRY, "cancelled while " + std::string(what));
}

// A workspace id as the protocol allows it in a path: 1-128 characters, no '/', no controls.
void check_vendor_customer_id(const std::string& id) {
  const bool ok = !id.empty() && id.size() <= kMaxVendorCustomerIdLength &&
                  std::none_of(id.begin(), id.end(), [](char c) {
                    const auto b = static_cast<unsigned char>(c);
                    return b < 0x20 || b == 0x7f || c == '/';
                  });
  if (!ok) {
    throw PluginError(MB_STATUS_CONFIG_INVALID,
                      "workspace id '" + id +
                          "' cannot be linked: the external protocol allows 1-128 characters "
                          "without '/' or control characters");
  }
}

std::string with_cursor(const std::string& target, const std::optional<std::string>& cursor) {
  if (!cursor) return target;
  return target + (target.find('?') == std::string::npos ? "?" : "&") +
         "cursor=" + percent_encode(*cursor);
}

AuthenticateResult verdict(AuthStatus status, std::string message) {
  return AuthenticateResult{status, std::move(message), std::nullopt};
}

bool run_level(mb_status status) {
  return status == MB_STATUS_AUTH_FAILED || status == MB_STATUS_RATE_LIMITED ||
         status == MB_STATUS_CONFIG_INVALID || status == MB_STATUS_UNSUPPORTED;
}

}  // namespace

// ---- Caches -------------------------------------------------------------------------------------

bool ExternalSession::fresh(Call& call, int64_t fetched_at_ms) const {
  const int64_t now = call.now_ms();
  return now >= fetched_at_ms && now - fetched_at_ms < kCacheTtlMs;
}

const IntegrationInfo& ExternalSession::integration(Call& call) {
  if (integration_ && fresh(call, integration_->fetched_at_ms)) return integration_->value;
  ApiResponse r = client_.execute_one(call, ApiRequest::get("/v1/integration", "integration"));
  if (!r.ok()) throw_failure(failure_for(r, "read the integration"));
  integration_ = Cached<IntegrationInfo>{parse_integration(r.body), call.now_ms()};
  return integration_->value;
}

const std::map<std::string, ServiceInfo>& ExternalSession::services(Call& call) {
  if (services_ && fresh(call, services_->fetched_at_ms)) return services_->value;
  std::map<std::string, ServiceInfo> by_id;
  for (const json::object& item :
       fetch_all(call, "/v1/services?limit=" + std::to_string(kMaxListLimit), "services",
                 "list the services")) {
    ServiceInfo service = parse_service(item);
    by_id.emplace(service.id, std::move(service));
  }
  services_ = Cached<std::map<std::string, ServiceInfo>>{std::move(by_id), call.now_ms()};
  return services_->value;
}

std::vector<json::object> ExternalSession::fetch_all(Call& call, const std::string& target,
                                                     const std::string& endpoint,
                                                     std::string_view what) {
  std::vector<json::object> all;
  std::optional<std::string> cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    check_cancelled(call, what);
    ApiResponse r =
        client_.execute_one(call, ApiRequest::get(with_cursor(target, cursor), endpoint));
    if (!r.ok()) throw_failure(failure_for(r, what));
    Page parsed = parse_page(r.body, what);
    for (auto& item : parsed.data) all.push_back(std::move(item));
    if (!parsed.next_cursor) return all;
    cursor = std::move(parsed.next_cursor);
  }
  throw PluginError(MB_STATUS_FATAL, "gave up paging to " + std::string(what) + " after " +
                                         std::to_string(kMaxPages) + " pages");
}

// ---- authenticate
// ---------------------------------------------------------------------------------

AuthenticateResult ExternalSession::authenticate(Call& call, const AuthenticateRequest&) {
  ApiResponse r = client_.execute_one(call, ApiRequest::get("/v1/integration", "integration"));
  if (r.ok()) {
    IntegrationInfo info = parse_integration(r.body);
    if (info.protocol_version.rfind("1.", 0) != 0) {
      return verdict(AuthStatus::kConfigInvalid, "the platform speaks external protocol " +
                                                     info.protocol_version +
                                                     "; this plugin speaks version 1");
    }
    integration_ = Cached<IntegrationInfo>{info, call.now_ms()};
    return verdict(AuthStatus::kOk, info.platform_name + ": integration " + info.integration_name +
                                        " (" + info.integration_id + "), external protocol " +
                                        info.protocol_version + ", up to " +
                                        std::to_string(info.max_batch_items) + " counts per batch");
  }
  const Failure failure = failure_for(r, "check the API key");
  switch (failure.status) {
    case MB_STATUS_AUTH_FAILED:
      return verdict(AuthStatus::kAuthFailed, failure.message);
    case MB_STATUS_CONFIG_INVALID: {
      const std::string& url = client_.config().base_url;
      const bool versioned = url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0;
      return verdict(AuthStatus::kConfigInvalid,
                     failure.message + (versioned ? "; base_url must not include /v1" : ""));
    }
    case MB_STATUS_RETRY:
      return verdict(AuthStatus::kUnreachable, failure.message);
    default:
      throw_failure(failure);
  }
}

// ---- Listings
// -------------------------------------------------------------------------------------

ListPage ExternalSession::list_accounts(Call& call, const ListRequest& request) {
  std::string target = "/v1/customers?limit=" + std::to_string(limit_input(request));
  if (auto search = given(request.search)) target += "&search=" + percent_encode(*search);
  ApiResponse r = client_.execute_one(
      call, ApiRequest::get(with_cursor(target, given(request.cursor)), "customers"));
  if (!r.ok()) throw_failure(failure_for(r, "list the platform's customers"));
  Page page = parse_page(r.body, "GET /v1/customers");
  ListPage out;
  for (const json::object& item : page.data) {
    CustomerInfo customer = parse_customer(item);
    out.items.push_back(ListItem{
        customer.id, customer.name, customer.active,
        json::serialize(json::object{
            {"linked_vendor_customer_id", customer.linked_vendor_customer_id
                                              ? json::value(*customer.linked_vendor_customer_id)
                                              : json::value(nullptr)}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

ListPage ExternalSession::list_services(Call& call, const ListRequest& request) {
  const std::string target = "/v1/services?limit=" + std::to_string(limit_input(request));
  ApiResponse r = client_.execute_one(
      call, ApiRequest::get(with_cursor(target, given(request.cursor)), "services"));
  if (!r.ok()) throw_failure(failure_for(r, "list the platform's services"));
  Page page = parse_page(r.body, "GET /v1/services");
  // The protocol has no service search (the list is short); filter this page by name or id.
  std::string search = given(request.search).value_or("");
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
  };
  search = lower(search);
  ListPage out;
  for (const json::object& item : page.data) {
    ServiceInfo service = parse_service(item);
    if (!search.empty() && lower(service.name).find(search) == std::string::npos &&
        lower(service.id).find(search) == std::string::npos) {
      continue;
    }
    json::array metrics;
    for (const auto& m : service.metrics) metrics.emplace_back(m);
    out.items.push_back(ListItem{service.id, service.name, std::nullopt,
                                 json::serialize(json::object{{"metrics", std::move(metrics)}})});
  }
  out.next_cursor = page.next_cursor;
  return out;
}

// ---- read_quantities
// ------------------------------------------------------------------------------

std::map<std::string, CustomerCounts> ExternalSession::linked_counts(
    Call& call, const std::vector<std::string>& customers) {
  // One request per group of customers, all groups in one host batch (run concurrently).
  std::vector<std::string> targets;
  size_t in_last = 0;  // customers in targets.back()
  for (const std::string& customer : customers) {
    const std::string param = "&customer_id=" + percent_encode(customer);
    if (targets.empty() || in_last == kCustomersPerRead ||
        targets.back().size() + param.size() > kMaxReadTargetLength) {
      targets.push_back("/v1/counts?limit=" + std::to_string(kCustomersPerRead));
      in_last = 0;
    }
    targets.back() += param;
    ++in_last;
  }

  std::map<std::string, CustomerCounts> linked;
  std::vector<std::pair<std::string, std::optional<std::string>>> pending;  // target, cursor
  pending.reserve(targets.size());
  for (auto& t : targets) pending.emplace_back(std::move(t), std::nullopt);
  for (int round = 0; !pending.empty(); ++round) {
    if (round == kMaxPages) {
      throw PluginError(MB_STATUS_FATAL, "gave up paging the platform's counts");
    }
    check_cancelled(call, "reading the platform's counts");
    std::vector<ApiRequest> requests;
    requests.reserve(pending.size());
    for (const auto& [t, cursor] : pending) {
      requests.push_back(ApiRequest::get(with_cursor(t, cursor), "counts"));
    }
    std::vector<ApiResponse> responses = client_.execute(call, requests);
    std::vector<std::pair<std::string, std::optional<std::string>>> next;
    for (size_t i = 0; i < responses.size(); ++i) {
      if (!responses[i].ok())
        throw_failure(failure_for(responses[i], "read the platform's counts"));
      Page page = parse_page(responses[i].body, "GET /v1/counts");
      for (const json::object& item : page.data) {
        CustomerCounts entry = parse_customer_counts(item);
        linked[entry.customer_id] = std::move(entry);
      }
      if (page.next_cursor) next.emplace_back(pending[i].first, std::move(page.next_cursor));
    }
    pending = std::move(next);
  }
  return linked;
}

ReadResult ExternalSession::read_quantities(Call& call, const ReadRequest& request) {
  std::vector<std::pair<std::string, std::string>> problems;
  const std::vector<Line> lines = parse_lines(request.lines, problems);
  ReadResult out;
  std::vector<ReadLineResult>& results = out.lines;
  for (const auto& [key, why] : problems)
    results.push_back(ReadLineResult{key, std::nullopt, Reason::kNotFound, "", why, ""});
  if (!lines.empty()) {
    const std::map<std::string, ServiceInfo>& catalogue = services(call);
    std::vector<std::string> customers;
    std::set<std::string> seen;
    for (const Line& line : lines) {
      if (seen.insert(line.customer_id).second) customers.push_back(line.customer_id);
    }
    const std::map<std::string, CustomerCounts> linked = linked_counts(call, customers);
    for (const Line& line : lines) results.push_back(read_result(line, linked, catalogue));
    call.debug("read " + std::to_string(lines.size()) + " lines of " +
               std::to_string(customers.size()) + " customers (" + std::to_string(linked.size()) +
               " linked)");
  }
  return out;
}

// ---- apply_quantities
// -----------------------------------------------------------------------------

ApiResponse ExternalSession::post_batch(Call& call, const std::string& key,
                                        const std::string& body) {
  ApiRequest request{"POST", "/v1/count-batches", body, "count-batches", key};
  return client_.execute_one(call, request);
}

bool ExternalSession::settle_part(Call& call, const Part& part, const ApiResponse& r,
                                  std::vector<ApplyLineResult>& results,
                                  std::optional<Failure>* stop) {
  if (r.ok()) {
    std::vector<ItemResult> answered;
    try {
      answered = parse_batch_results(r.body, part.items);
    } catch (const PluginError& e) {
      for (const Line& line : part.lines) {
        results.push_back(failed_result(
            line.key, MB_STATUS_FATAL,
            std::string(e.what()) + "; the next run reads the platform's counts again"));
      }
      return true;
    }
    if (r.header("idempotent-replayed") == "true") {
      call.info("batch " + part.key +
                " had already been applied; the platform replayed its result");
    }
    for (size_t i = 0; i < part.lines.size(); ++i)
      results.push_back(apply_result(part.lines[i], answered[i]));
    return true;
  }
  Failure failure = failure_for(r, "push counts (batch " + part.key + ")");
  if (r.status == 0 || r.status >= 500) {
    failure.message +=
        "; whether the batch was applied is unknown until the next run reads the "
        "platform's counts";
  }
  for (const Line& line : part.lines)
    results.push_back(failed_result(line.key, failure.status, failure.message));
  if (run_level(failure.status) && !stop->has_value()) *stop = failure;
  return false;
}

ApplyResult ExternalSession::apply_quantities(Call& call, const ApplyRequest& request) {
  const std::optional<std::string> host_key = given(request.idempotency_key);
  if (!host_key)
    throw PluginError(MB_STATUS_CONFIG_INVALID, "apply_quantities needs an idempotency_key");
  const std::string& effective_date = request.effective_date;
  std::vector<std::pair<std::string, std::string>> problems;
  std::vector<Line> lines = parse_lines(request.lines, problems);
  ApplyResult out;
  std::vector<ApplyLineResult>& results = out.lines;
  for (const auto& [key, why] : problems) {
    results.push_back(failed_result(key, MB_STATUS_CONFIG_INVALID, why));
  }
  for (const Line& line : lines) {
    if (!line.target) {
      results.push_back(
          failed_result(line.key, MB_STATUS_CONFIG_INVALID, "the line has no target"));
    }
  }
  lines.erase(std::remove_if(lines.begin(), lines.end(), [](const Line& l) { return !l.target; }),
              lines.end());
  if (lines.empty()) return out;

  const int64_t size = std::min(client_.config().batch_size, integration(call).max_batch_items);
  const auto ranges = split(lines.size(), static_cast<size_t>(size));
  if (call.cancelled()) {
    for (const Line& line : lines) {
      results.push_back(
          failed_result(line.key, MB_STATUS_RETRY, "cancelled before this batch was pushed"));
    }
    return out;
  }
  std::vector<Part> parts;
  std::vector<ApiRequest> requests;
  for (size_t p = 0; p < ranges.size(); ++p) {
    Part part;
    part.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(ranges[p].first),
                      lines.begin() + static_cast<std::ptrdiff_t>(ranges[p].second));
    for (const Line& line : part.lines) {
      part.items.push_back(CountItem{line.customer_id, line.service_id, line.metric, *line.target});
    }
    part.key = batch_key(*host_key, p, ranges.size());
    part.body = batch_body(effective_date, part.items);
    requests.push_back(
        ApiRequest{"POST", "/v1/count-batches", part.body, "count-batches", part.key});
    parts.push_back(std::move(part));
  }
  // Each part stands alone under its own idempotency key, so they go out together and the
  // engine runs them within the connector's concurrency; an apply call costs one round trip
  // per `max_concurrency` parts instead of one per part.
  std::vector<ApiResponse> responses = client_.execute(call, requests);
  for (size_t p = 0; p < parts.size(); ++p) {
    if (responses[p].status == 422 && error_code(responses[p]) == "idempotency_key_reused") {
      // The platform remembers this key for another body: the state database was recreated,
      // so run numbers repeat. A key unique to this body is just as deterministic.
      const std::string refused = parts[p].key;
      parts[p].key = fingerprinted_key(refused, parts[p].body);
      call.warn("the platform already used idempotency key " + refused +
                " for another batch (was the state database recreated?); pushing under " +
                parts[p].key);
      responses[p] = post_batch(call, parts[p].key, parts[p].body);
    }
  }
  std::optional<Failure> stop;
  size_t applied = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (settle_part(call, parts[p], responses[p], results, &stop)) ++applied;
  }
  // Nothing went through and the reason stops the run (the key was refused, the platform
  // throttles): the whole call fails, so the host stops the run. Otherwise every line keeps its
  // own outcome.
  if (applied == 0 && stop) throw_failure(*stop);
  call.debug("pushed " + std::to_string(lines.size()) + " counts in " +
             std::to_string(parts.size()) + " batches");
  return out;
}

// ---- Links
// ------------------------------------------------------------------------------------------

LinkAccountsResult ExternalSession::link_accounts(Call& call, const LinkAccountsRequest& request) {
  const std::vector<std::string>& unlink = request.unlink;
  for (const std::string& workspace : unlink) check_vendor_customer_id(workspace);
  std::vector<std::pair<std::string, std::string>> link;  // workspace, platform customer
  for (const AccountLink& item : request.link) {
    const std::optional<std::string> workspace = given(item.account_id);
    const std::optional<std::string> customer = given(item.platform_account_id);
    if (!workspace || !customer) {
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "each link needs an account_id (workspace) and a platform_account_id");
    }
    check_vendor_customer_id(*workspace);
    link.emplace_back(*workspace, *customer);
  }

  LinkAccountsResult out;
  std::optional<Failure> first_failure;
  auto note_failure = [&](const Failure& f) {
    if (!first_failure) first_failure = f;
  };
  // Unlinks first, so that moving a customer from one workspace to another in one call works.
  std::vector<ApiRequest> deletes;
  deletes.reserve(unlink.size());
  for (const std::string& workspace : unlink) {
    deletes.push_back(
        ApiRequest{"DELETE", "/v1/links/" + percent_encode(workspace), "", "links", ""});
  }
  std::vector<ApiResponse> deleted = client_.execute(call, deletes);
  for (size_t i = 0; i < deleted.size(); ++i) {
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = unlink[i];
    if (deleted[i].ok()) {
      item.outcome = LinkOutcome::kUnlinked;
    } else {
      Failure f = failure_for(deleted[i], "unlink workspace " + unlink[i]);
      item.outcome = LinkOutcome::kFailed;
      item.message = f.message;
      note_failure(f);
    }
  }
  std::vector<ApiRequest> puts;
  puts.reserve(link.size());
  for (const auto& [workspace, customer] : link) {
    puts.push_back(ApiRequest{"PUT", "/v1/links/" + percent_encode(workspace),
                              json::serialize(json::object{{"customer_id", customer}}), "links",
                              ""});
  }
  std::vector<ApiResponse> linked = client_.execute(call, puts);
  for (size_t i = 0; i < linked.size(); ++i) {
    const auto& [workspace, customer] = link[i];
    LinkedAccount& item = out.items.emplace_back();
    item.account_id = workspace;
    item.platform_account_id = customer;
    if (linked[i].ok()) {
      // 200: it was linked already
      item.outcome = linked[i].status == 201 ? LinkOutcome::kLinked : LinkOutcome::kUpdated;
    } else {
      Failure f =
          failure_for(linked[i], "link workspace " + workspace + " to customer " + customer);
      item.outcome = LinkOutcome::kFailed;
      item.message = f.message;
      note_failure(f);
    }
  }
  // The host keeps a mapping only when the hook succeeds, so any failure fails the call. What
  // did succeed stays done; PUT and DELETE are idempotent, so doing it again is harmless.
  if (first_failure) throw_failure(*first_failure);
  return out;
}

std::string ExternalSession::disconnect(Call& call, std::string_view) {
  std::vector<std::string> workspaces;
  for (const json::object& item : fetch_all(
           call, "/v1/links?limit=" + std::to_string(kMaxListLimit), "links", "list the links")) {
    workspaces.push_back(parse_link(item).vendor_customer_id);
  }
  std::vector<ApiRequest> deletes;
  deletes.reserve(workspaces.size());
  for (const std::string& workspace : workspaces) {
    deletes.push_back(
        ApiRequest{"DELETE", "/v1/links/" + percent_encode(workspace), "", "links", ""});
  }
  std::vector<ApiResponse> responses = client_.execute(call, deletes);
  size_t unlinked = 0;
  std::optional<Failure> first_failure;
  for (size_t i = 0; i < responses.size(); ++i) {
    if (responses[i].ok()) {
      ++unlinked;
    } else if (!first_failure) {
      first_failure = failure_for(responses[i], "unlink workspace " + workspaces[i]);
    }
  }
  if (first_failure) {
    first_failure->message = "unlinked " + std::to_string(unlinked) + " of " +
                             std::to_string(workspaces.size()) + " workspaces; " +
                             first_failure->message;
    throw_failure(*first_failure);
  }
  call.info("unlinked every workspace on the platform (" + std::to_string(unlinked) + ")");
  return json::serialize(json::object{{"unlinked", unlinked}});
}

}  // namespace meterbridge::external
