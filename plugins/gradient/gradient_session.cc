#include "gradient_session.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

#include "internal/accounts.h"
#include "internal/integration_status.h"
#include "internal/services.h"
#include "internal/token.h"

namespace meterbridge::gradient {
namespace {

namespace json = boost::json;

// list_accounts treats a search starting with this as a search of the MSP's PSA clients.
constexpr std::string_view kClientsSearch = "psa:";
constexpr std::string_view kAccountsCursor = "accounts:";
constexpr std::string_view kClientsCursor = "clients:";
constexpr int64_t kDefaultLimit = 500;
constexpr int64_t kMaxLimit = 5000;

// A count: a non-negative whole number.
std::optional<int64_t> count_value(const std::optional<int64_t>& v) {
  return v && *v >= 0 ? v : std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool matches(std::string_view search, const std::string& id, const std::string& name) {
  if (search.empty()) return true;
  std::string needle = lower(std::string(search));
  return lower(name).find(needle) != std::string::npos ||
         lower(id).find(needle) != std::string::npos;
}

AuthenticateResult verdict(AuthStatus status, const std::string& message) {
  return AuthenticateResult{status, message, std::nullopt};
}

// Gradient's own outcome words, which are the ABI's.
template <typename Enum>
Enum outcome_of(const std::string& name, Enum otherwise) {
  return from_wire<Enum>(name).value_or(otherwise);
}

std::string who(const Integration& integration) {
  return integration.name.empty() ? "the MSP" : "'" + integration.name + "'";
}

// Get Partner Integration Settings: Gradient's preferred check of the token.
ApiRequest organization_request() {
  return ApiRequest{"GET", std::string(kApi) + "/organization", std::nullopt, "organization", true};
}

ApiRequest status_request(std::string_view status) {
  // Setting a status is absolute: a replay changes nothing, so the engine may retry it.
  return ApiRequest{"PATCH", std::string(kApi) + "/organization/status/" + std::string(status),
                    std::nullopt, "status", true};
}

}  // namespace

// ---- authenticate ---------------------------------------------------------------------------

// Checks the keys and reads the integration's status. Only a connect (input "purpose":
// "connect": the first connect or an explicit reconnect) may lead to a status change, and not
// here: the host provisions the accounts and services first, then sets the status this answer
// names in "status_after_connect" through set_status, so the MSP never finds an empty wizard.
AuthenticateResult GradientSession::authenticate(Call& call, const AuthenticateRequest& request) {
  const bool connecting = request.purpose == AuthPurpose::kConnect;
  connecting_ = connecting;
  ApiResponse r = client_.execute_one(call, organization_request());
  if (!r.ok()) {
    Failure f = classify(r, "read the partner integration settings");
    if (r.status == 429) throw_failure(f);
    if (r.status == 401 || r.status == 403) return verdict(AuthStatus::kAuthFailed, f.message);
    if (r.status == 0 && r.error_class == MB_ERROR_CLASS_CONFIG_INVALID)
      return verdict(AuthStatus::kConfigInvalid, f.message);
    if (r.status == 0 || r.status >= 500) return verdict(AuthStatus::kUnreachable, f.message);
    if (r.status == 404)
      return verdict(AuthStatus::kConfigInvalid,
                     f.message + ": no Gradient vendor API at " + client_.base_url() +
                         ", or no vendor profile for the Vendor API Key");
    return verdict(AuthStatus::kConfigInvalid, f.message);
  }
  std::optional<Integration> integration = parse_integration(r.body);
  if (!integration)
    return verdict(AuthStatus::kConfigInvalid,
                   client_.base_url() + " answered " + std::to_string(r.status) +
                       " but not like Gradient's vendor API: check the base URL");
  integration_status_ = integration->status;
  StatusReading reading = read_status(integration->status, who(*integration), connecting);
  AuthenticateResult out{outcome_of(reading.verdict, AuthStatus::kUnreachable), reading.message,
                         std::nullopt};
  if (!reading.status_after_connect.empty())
    out.status_after_connect = reading.status_after_connect;
  return out;
}

// ---- listings -------------------------------------------------------------------------------

ListPage GradientSession::list_accounts(Call& call, const ListRequest& request) {
  std::string search = request.search.value_or("");
  std::string cursor = request.cursor.value_or("");
  if (search.rfind(kClientsSearch, 0) == 0)
    return list_psa_clients(call, trimmed(search.substr(kClientsSearch.size())), cursor);

  int64_t limit = kDefaultLimit;
  if (request.limit) limit = std::clamp<int64_t>(*request.limit, 1, kMaxLimit);
  size_t offset = 0;
  if (!cursor.empty()) {
    if (cursor.rfind(kAccountsCursor, 0) != 0 || listing_.empty())
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "list_accounts: unknown cursor; start again without one");
    try {
      offset = std::stoul(cursor.substr(kAccountsCursor.size()));
    } catch (const std::exception&) {
      throw PluginError(MB_STATUS_CONFIG_INVALID, "list_accounts: malformed cursor");
    }
  } else {
    // Gradient lists every account in one answer; later pages read this copy, so paging is
    // consistent even if accounts change meanwhile.
    listing_ = fetch_accounts(call, client_);
    remember_accounts(listing_);
  }
  std::vector<const Account*> found;
  for (const Account& a : listing_)
    if (matches(search, a.id, a.name)) found.push_back(&a);
  ListPage page;
  size_t end = std::min(found.size(), offset + static_cast<size_t>(limit));
  for (size_t i = offset; i < end; ++i)
    page.items.push_back(
        ListItem{found[i]->id, found[i]->name, true,
                 json::serialize(json::object{{"description", found[i]->description}})});
  if (end < found.size()) page.next_cursor = std::string(kAccountsCursor) + std::to_string(end);
  return page;
}

// The MSP's PSA clients, for display only (the vendor never maps to them itself). Gradient pages
// them with a cursor: previousId = the last id received. The page size is undocumented, so the
// listing ends at an empty page or one shorter than the page before.
ListPage GradientSession::list_psa_clients(Call& call, const std::string& search,
                                           const std::string& cursor) {
  size_t previous_size = 0;
  std::string previous_id;
  if (!cursor.empty()) {
    size_t sep = cursor.find(':', kClientsCursor.size());
    if (cursor.rfind(kClientsCursor, 0) != 0 || sep == std::string::npos)
      throw PluginError(MB_STATUS_CONFIG_INVALID,
                        "list_accounts: unknown cursor; start again without one");
    try {
      previous_size = std::stoul(cursor.substr(kClientsCursor.size(), sep - kClientsCursor.size()));
    } catch (const std::exception&) {
      throw PluginError(MB_STATUS_CONFIG_INVALID, "list_accounts: malformed cursor");
    }
    previous_id = cursor.substr(sep + 1);
  }
  std::string path = std::string(kApi) + "/organization/clients";
  std::string query;
  if (!search.empty()) query += "search=" + encode_query_value(search);
  if (!previous_id.empty())
    query +=
        (query.empty() ? "" : "&") + std::string("previousId=") + encode_query_value(previous_id);
  if (!query.empty()) path += "?" + query;
  ApiResponse r = client_.execute_one(call, {"GET", path, std::nullopt, "clients", true});
  if (!r.ok()) throw_failure(classify(r, "list the MSP's PSA clients"));
  auto clients = parse_clients(r.body);
  if (!clients)
    throw PluginError(MB_STATUS_FATAL, "list the MSP's PSA clients: Gradient answered " +
                                           std::to_string(r.status) + " without a clients list");
  ListPage page;
  for (const PsaClient& c : *clients)
    page.items.push_back(ListItem{c.id, c.name, true, R"({"kind":"psa_client"})"});
  bool last = clients->empty() || (previous_size > 0 && clients->size() < previous_size) ||
              clients->back().id == previous_id;
  if (!last)
    page.next_cursor =
        std::string(kClientsCursor) + std::to_string(clients->size()) + ":" + clients->back().id;
  return page;
}

ListPage GradientSession::list_services(Call& call, const ListRequest& request) {
  std::string search = request.search.value_or("");
  std::vector<Sku> catalog = fetch_catalog(call, client_);
  catalog_ids_.emplace();
  ListPage page;
  for (const Sku& s : catalog) {
    catalog_ids_->insert(s.id);
    if (!matches(search, s.id, s.name)) continue;
    page.items.push_back(ListItem{s.id, s.name, std::nullopt,
                                  json::serialize(json::object{{"category", s.category},
                                                               {"subcategory", s.subcategory},
                                                               {"description", s.description}})});
  }
  return page;
}

// ---- provisioning ---------------------------------------------------------------------------

ProvisionAccountsResult GradientSession::provision_accounts(
    Call& call, const ProvisionAccountsRequest& request) {
  std::vector<DesiredAccount> desired;
  std::set<std::string> unnamed;
  for (const AccountToProvision& v : request.accounts) {
    DesiredAccount a{v.id, trimmed(v.name)};
    if (a.id.empty()) continue;
    if (a.name.empty()) {
      // Gradient requires a name; the id still lets the MSP recognise and map the customer.
      a.name = a.id;
      unnamed.insert(a.id);
    }
    desired.push_back(std::move(a));
  }
  // While connecting, the status is about to be set; otherwise a sync should say why the MSP
  // may not see its counts.
  if (std::string warning = sync_warning(refresh_integration_status(call));
      !warning.empty() && !connecting_)
    call.warn(warning);
  AccountsResult result = provision(call, client_, desired);
  accounts_ = result.on_gradient;
  created_accounts_ = std::move(result.created);

  ProvisionAccountsResult out;
  std::map<std::string, int> tally;
  for (const AccountOutcome& o : result.items) {
    ++tally[o.outcome];
    std::string message = o.message;
    if (unnamed.count(o.account.id) > 0 && o.outcome != MB_PROVISION_FAILED)
      message = "the workspace has no name; its id is the account's name in Gradient";
    ProvisionedAccount& item = out.items.emplace_back();
    item.id = o.account.id;
    item.name = o.account.name;
    item.outcome = from_wire<ProvisionOutcome>(o.outcome);
    if (!item.outcome) item.unknown_outcome = o.outcome;
    item.message = message;
    if (o.outcome != MB_PROVISION_FAILED) item.account_id = o.account.id;
  }
  std::string summary;
  for (const auto& [outcome, n] : tally)
    summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + outcome;
  call.info("Gradient accounts: " + (summary.empty() ? std::string("none") : summary));
  return out;
}

ProvisionServicesResult GradientSession::provision_services(
    Call& call, const ProvisionServicesRequest& request) {
  std::vector<DesiredService> desired;
  for (const ServiceToProvision& o : request.services) {
    DesiredService s{o.id, o.name, std::nullopt};
    if (s.id.empty()) continue;
    if (o.platform_id && !o.platform_id->empty()) s.platform_id = o.platform_id;
    desired.push_back(std::move(s));
  }
  ServicesResult result = gradient::provision_services(call, client_, config_, desired);
  catalog_ids_ = result.catalog_ids;
  created_services_ = std::move(result.created);

  ProvisionServicesResult out;
  for (const ServiceOutcome& o : result.items) {
    ProvisionedService& item = out.items.emplace_back();
    item.id = o.id;
    item.platform_id = o.platform_id;
    item.outcome = from_wire<ProvisionOutcome>(o.outcome);
    if (!item.outcome) item.unknown_outcome = o.outcome;
    item.metric = o.metric;
    item.message = o.message;
    if (o.outcome == MB_PROVISION_CREATED)
      call.info("Gradient service created for '" + o.id + "': " + o.platform_id);
  }
  return out;
}

const std::string& GradientSession::refresh_integration_status(Call& call) {
  ApiResponse r = client_.execute_one(call, organization_request());
  if (!r.ok()) throw_failure(classify(r, "read the partner integration settings"));
  std::optional<Integration> integration = parse_integration(r.body);
  if (!integration)
    throw PluginError(MB_STATUS_FATAL, "read the partner integration settings: Gradient answered " +
                                           std::to_string(r.status) + " without the integration");
  integration_status_ = integration->status;
  return *integration_status_;
}

void GradientSession::remember_accounts(const std::vector<Account>& accounts) {
  accounts_.emplace();
  for (const Account& a : accounts) (*accounts_)[a.id] = a.name;
}

// ---- quantities -----------------------------------------------------------------------------

// Gradient has no read of counts. The count meterbridge last pushed successfully (the host's
// ledger) stands for the current one, except where Gradient cannot have it: an account or a
// service created in this session, or any pair while the integration is not active (Gradient
// has accepted no count since it was connected, or reconnected after the MSP disconnected and
// so deleted every account and count).
ReadResult GradientSession::read_quantities(Call& call, const ReadRequest& request) {
  const std::vector<ReadLine>& lines = request.lines;
  if (!lines.empty() && !integration_status_) refresh_integration_status(call);
  if (!lines.empty() && !accounts_) remember_accounts(fetch_accounts(call, client_));
  bool holds_counts = integration_status_ == "active";
  ReadResult out;
  for (const ReadLine& l : lines) {
    const std::string& account = l.account_id;
    const std::string& service = l.service_id;
    ReadLineResult& r = out.lines.emplace_back();
    r.key = l.key;
    std::optional<int64_t> last = count_value(l.last_pushed);
    if (accounts_->count(account) == 0) {
      r.reason = Reason::kNotFound;
      r.message = "account '" + account +
                  "' does not exist on Gradient (it was not provisioned; see the run's notes)";
    } else if (catalog_ids_ && catalog_ids_->count(service) == 0) {
      r.reason = Reason::kNotFound;
      r.message = "service " + service + " is not in the vendor's Gradient catalog";
    } else if (created_accounts_.count(account) > 0 || created_services_.count(service) > 0) {
      r.line_ref = R"({"basis":"created_now"})";
      r.message = "just created on Gradient: it has no count yet";
    } else if (!holds_counts) {
      r.line_ref = R"({"basis":"integration_not_active"})";
      r.message = "the Gradient integration is '" + *integration_status_ +
                  "': Gradient holds no count from before, so every count is sent";
    } else if (last) {
      r.quantity = *last;
      r.line_ref = R"({"basis":"last_pushed"})";
      r.message = "Gradient cannot report counts: this is the last count meterbridge pushed";
    } else {
      r.line_ref = R"({"basis":"never_pushed"})";
      r.message = "no count accepted by Gradient yet";
    }
  }
  return out;
}

ApplyResult GradientSession::apply_quantities(Call& call, const ApplyRequest& request) {
  const bool final = request.final;
  // The host's key is "<connector>:run-<n>:batch-<m>": a new run starts with a clean slate.
  std::string idempotency_key = request.idempotency_key.value_or("");
  std::string run = idempotency_key.substr(0, idempotency_key.rfind(":batch-"));
  if (run != current_run_) {
    current_run_ = run;
    stopped_.reset();
    last_accepted_.reset();
    rebuild_owed_ = false;
  }
  if (stopped_)
    throw PluginError(stopped_->status, "not sent: " + stopped_->message, stopped_->retry_after_ms);

  std::vector<std::string> order;
  std::map<std::string, LineResult> results;
  std::vector<CountLine> valid;
  for (const meterbridge::ApplyLine& l : request.lines) {
    CountLine line;
    line.key = l.key;
    line.account_id = l.account_id;
    line.service_id = l.service_id;
    order.push_back(line.key);
    std::optional<int64_t> target = count_value(l.target);
    line.pushed_before = l.expected_current.has_value();
    std::string problem;
    if (line.account_id.empty())
      problem = "the line has no account id";
    else if (!is_usable_path_id(line.service_id))
      problem = "the line has no usable Gradient service id";
    else if (!target)
      problem = "the target must be a non-negative whole number";
    if (!problem.empty()) {
      results[line.key] =
          LineResult{MB_OUTCOME_FAILED, std::nullopt, MB_ERROR_CLASS_CONFIG_INVALID, problem};
      continue;
    }
    line.target = *target;
    valid.push_back(std::move(line));
  }

  if (!valid.empty()) {
    std::optional<size_t> trigger;
    if (final) trigger = build_trigger_index(valid);
    push(call, valid, trigger, results);
  }
  if (final) {
    // The run's last push did not rebuild Gradient's Billing view (it failed, or every line of
    // the final batch was refused): resend one count Gradient accepted in this run, without
    // no_build. It is absolute, so sending it again changes nothing but the rebuild.
    if (rebuild_owed_ && last_accepted_ && !stopped_) {
      ApiResponse r = client_.execute_one(call, count_request(*last_accepted_, false));
      if (r.ok())
        rebuild_owed_ = false;
      else
        call.warn("Gradient's Billing view was not asked to rebuild: " +
                  classify(r, "set unit count").message);
    }
    rebuild_owed_ = false;
    last_accepted_.reset();
    // No PATCH to active: Gradient makes the integration active itself when it accepts the
    // first usage (its documented lifecycle), and the vendor never sets it.
  }

  ApplyResult out;
  std::map<std::string, int> tally;
  for (const std::string& key : order) {
    const LineResult& r = results[key];
    ++tally[r.outcome];
    std::optional<mb_status> error_class;
    if (!r.error_class.empty()) error_class = error_class_from_wire(r.error_class);
    out.lines.push_back(ApplyLineResult{key, outcome_of(r.outcome, Outcome::kFailed), r.quantity,
                                        error_class, r.message, false});
  }
  std::string summary;
  for (const auto& [outcome, n] : tally)
    summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + outcome;
  call.info("Gradient counts: " + (summary.empty() ? std::string("none") : summary));
  return out;
}

void GradientSession::push(Call& call, const std::vector<CountLine>& lines,
                           std::optional<size_t> trigger,
                           std::map<std::string, LineResult>& results) {
  auto record = [&](const CountLine& line, const ApiResponse& r, bool no_build) {
    if (r.status == 401) throw_failure(classify(r, "set unit count"));
    if (stops_the_run(r) && !stopped_) stopped_ = classify(r, "set unit count");
    results[line.key] = count_result(r, line);
    if (r.ok()) {
      last_accepted_ = line;
      rebuild_owed_ = no_build;  // a count without no_build rebuilds for every earlier one
    }
  };
  // Independent counts go in one batch; the one that triggers the rebuild goes after all of them.
  std::vector<const CountLine*> first;
  std::vector<ApiRequest> requests;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trigger && *trigger == i) continue;
    first.push_back(&lines[i]);
    requests.push_back(count_request(lines[i], true));
  }
  std::vector<ApiResponse> responses = client_.execute(call, requests);
  for (size_t i = 0; i < first.size(); ++i) record(*first[i], responses[i], true);
  if (!trigger) return;
  const CountLine& last = lines[*trigger];
  if (stopped_) {
    results[last.key] =
        LineResult{MB_OUTCOME_FAILED, std::nullopt, error_class_name(stopped_->status),
                   "not sent: " + stopped_->message};
    return;
  }
  ApiResponse r = client_.execute_one(call, count_request(last, false));
  record(last, r, false);
}

// ---- status ---------------------------------------------------------------------------------

SetStatusResult GradientSession::set_status(Call& call, const SetStatusRequest& request) {
  std::string status = lower(trimmed(request.status));
  // The SDK also lists "disabled" and "error", but the newer docs list only these three and
  // Gradient's guidance is to send nothing else.
  if (status != "active" && status != "inactive" && status != "pending")
    throw PluginError(
        MB_STATUS_CONFIG_INVALID,
        "Gradient integration status must be active, inactive or pending, not '" + status + "'");
  ApiResponse r = client_.execute_one(call, status_request(status));
  if (!r.ok()) throw_failure(classify(r, "set the integration status to " + status));
  std::optional<Integration> now = parse_integration(r.body);
  std::string result = now && !now->status.empty() ? now->status : status;
  integration_status_ = result;
  call.info("Gradient integration status set to '" + result + "'");
  std::string message = "Gradient integration with " + (now ? who(*now) : std::string("the MSP")) +
                        " is now '" + result + "'";
  if (result == "pending")
    message += ": the MSP can now map the accounts and services in Synthesize";
  return SetStatusResult{result, message};
}

// The partner leaves: Gradient's lifecycle says the integration goes back to inactive. The host
// then deletes the credentials and every local mapping; the accounts stay on Gradient until the
// MSP disconnects there (which deletes them), so a reconnect finds and reuses them.
std::string GradientSession::disconnect(Call& call, std::string_view) {
  ApiResponse r = client_.execute_one(call, status_request("inactive"));
  integration_status_ = "inactive";
  accounts_.reset();
  created_accounts_.clear();
  catalog_ids_.reset();
  created_services_.clear();
  listing_.clear();
  if (!r.ok()) throw_failure(classify(r, "set the integration status to inactive"));
  call.info("Gradient integration status set to 'inactive'");
  return "{}";
}

}  // namespace meterbridge::gradient
