#include "connectwise_session.h"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>
#include <vector>

#include "internal/apply.h"
#include "internal/conditions.h"
#include "internal/contracts.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

// The page a list cursor names; the first page without one.
int64_t cursor_page(const ListRequest& request) {
  if (!request.cursor) return 1;
  std::optional<int64_t> page = parse_id(*request.cursor);
  if (!page || *page < 1)
    throw PluginError(MB_STATUS_FATAL, "list cursor is not one this plugin returned");
  return *page;
}

std::optional<std::string> next_cursor(const std::optional<int64_t>& next) {
  return next ? std::optional<std::string>(std::to_string(*next)) : std::nullopt;
}

std::optional<std::string> search_of(const ListRequest& request) {
  return request.search && !request.search->empty() ? request.search : std::nullopt;
}

// The addition a read's line_ref names ({"agreement_id","addition_id"}), both or neither.
std::pair<std::optional<int64_t>, std::optional<int64_t>> addition_ref(const JsonText& ref) {
  boost::system::error_code ec;
  json::value v = ref.empty() ? json::value() : json::parse(ref, ec);
  if (ec || !v.is_object()) return {};
  auto id = [&](std::string_view key) -> std::optional<int64_t> {
    const json::value* m = v.get_object().if_contains(key);
    if (m != nullptr && m->is_string()) return parse_id(m->get_string());
    return integral_id(m);
  };
  std::optional<int64_t> agreement = id("agreement_id"), addition = id("addition_id");
  if (!agreement || !addition) return {};
  return {agreement, addition};
}

// "YYYY-MM-DD" of a Unix time in milliseconds (UTC).
std::string utc_date(int64_t now_ms) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(sys_time<milliseconds>(milliseconds(now_ms)))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

struct Probe {
  const char* path;
  const char* endpoint;
  const char* permission;  // the security role setting that lets the API member read it
};

constexpr Probe kProbes[] = {
    {"company/companies", "companies", "Companies > Company Maintenance: Inquire Level All"},
    {"procurement/catalog", "catalog", "Procurement > Product Catalog: Inquire Level All"},
    {"finance/agreements", "agreements", "Finance > Agreements: Add, Edit and Inquire Level All"},
};

AuthenticateResult verdict(AuthStatus status, const std::string& message) {
  return AuthenticateResult{status, message, std::nullopt};
}

}  // namespace

AuthenticateResult ConnectWiseSession::authenticate(Call& call, const AuthenticateRequest&) {
  client_.begin_hook();
  Discovery d = client_.discover(call, /*force=*/true);
  switch (d.outcome) {
    case Discovery::Outcome::kOk:
      break;
    case Discovery::Outcome::kUnknownCompany:
    case Discovery::Outcome::kNotConnectWise:
      return verdict(AuthStatus::kConfigInvalid, d.message);
    case Discovery::Outcome::kUnreachable:
      return verdict(AuthStatus::kUnreachable, d.message);
    case Discovery::Outcome::kThrottled:
      throw PluginError(MB_STATUS_RATE_LIMITED, d.message, d.retry_after_ms);
  }

  // Cheap authenticated reads that also prove the role can read what meterbridge needs.
  std::vector<ApiRequest> requests;
  for (const Probe& p : kProbes) {
    Query q(p.path);
    q.set("pageSize", "1").set("fields", "id");
    requests.push_back(ApiRequest{"GET", q.target(), "", p.endpoint});
  }
  std::vector<ApiResponse> responses = client_.execute(call, requests);

  auto first_with = [&](auto predicate) -> const ApiResponse* {
    for (const ApiResponse& r : responses)
      if (predicate(r)) return &r;
    return nullptr;
  };
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 0; }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 401; }))
    return verdict(AuthStatus::kAuthFailed, failure_for(*r, "authenticate").message);
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 400; })) {
    std::string text = error_text(r->body);
    return verdict(AuthStatus::kConfigInvalid, "ConnectWise refused the request (HTTP 400" +
                                                   (text.empty() ? std::string() : ": " + text) +
                                                   "); check the clientId and the API version " +
                                                   client_.config().api_version);
  }
  if (first_with([](const ApiResponse& x) { return x.status == 404; }) != nullptr)
    return verdict(
        AuthStatus::kAuthFailed,
        "ConnectWise answered HTTP 404 under codebase " + client_.company_info().codebase +
            "; on ConnectWise cloud this usually means the company id or the keys are wrong");
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 429; }))
    throw_failure(failure_for(*r, "authenticate"));
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status >= 500; }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);
  std::string missing;
  for (size_t i = 0; i < responses.size(); ++i)
    if (responses[i].status == 403)
      missing += (missing.empty() ? "" : "; ") + std::string(kProbes[i].permission);
  if (!missing.empty())
    return verdict(AuthStatus::kAuthFailed,
                   "the credentials work but the API member's security role lacks: " + missing +
                       " (HTTP 403)");
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return !x.ok(); }))
    return verdict(AuthStatus::kUnreachable, failure_for(*r, "authenticate").message);

  const CompanyInfo& info = client_.company_info();
  std::string name = info.company_name.empty() ? "" : " (" + info.company_name + ")";
  return verdict(AuthStatus::kOk, "connected to ConnectWise company " +
                                      client_.config().company_id + name + ", version " +
                                      (info.version_code.empty() ? "unknown" : info.version_code) +
                                      ", codebase " + info.codebase +
                                      "; companies, catalog and agreements are readable");
}

// One ConnectWise page (up to 1,000 companies) per call, whatever the host's "limit": fewer,
// larger pages are what ConnectWise's rate limits favour, and the cursor is the next page.
ListPage ConnectWiseSession::list_accounts(Call& call, const ListRequest& request) {
  int64_t page = cursor_page(request);
  std::optional<std::string> search = search_of(request);
  client_.begin_hook();
  client_.ensure_discovered(call);

  Query q("company/companies");
  q.set("conditions", all_of({"deletedFlag=false",
                              search ? contains_text({"name", "identifier"}, *search) : ""}));
  q.set("fields", "id,identifier,name,status,types");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client_, ListQuery{q, "companies", "list companies", false}, page);

  ListPage out;
  for (const json::object& o : p.rows) {
    std::optional<CompanyRow> c = company_row(o);
    if (!c) continue;
    if (search && !contains_case_insensitive(c->name, *search) &&
        !contains_case_insensitive(c->identifier, *search))
      continue;
    json::array types;
    for (const std::string& t : c->types) types.emplace_back(t);
    // "Inactive" is ConnectWise's stock status for companies no longer served.
    bool inactive = equals_case_insensitive(c->status, "Inactive");
    out.items.push_back(ListItem{
        std::to_string(c->id), c->name, !inactive,
        json::serialize(json::object{
            {"identifier", c->identifier}, {"status", c->status}, {"types", std::move(types)}})});
  }
  out.next_cursor = next_cursor(p.next);
  return out;
}

ListPage ConnectWiseSession::list_services(Call& call, const ListRequest& request) {
  int64_t page = cursor_page(request);
  std::optional<std::string> search = search_of(request);
  client_.begin_hook();
  client_.ensure_discovered(call);

  Query q("procurement/catalog");
  q.set("conditions",
        all_of({"inactiveFlag=false",
                search ? contains_text({"identifier", "description"}, *search) : ""}));
  q.set("fields", "id,identifier,description,productClass,recurringFlag");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client_, ListQuery{q, "catalog", "list catalog items", false}, page);

  ListPage out;
  for (const json::object& o : p.rows) {
    std::optional<CatalogRow> c = catalog_row(o);
    if (!c) continue;
    if (search && !contains_case_insensitive(c->identifier, *search) &&
        !contains_case_insensitive(c->description, *search))
      continue;
    json::object details{{"identifier", c->identifier},
                         {"description", c->description},
                         {"productClass", c->product_class}};
    details["recurringFlag"] = c->recurring ? json::value(*c->recurring) : json::value(nullptr);
    out.items.push_back(ListItem{std::to_string(c->id),
                                 c->description.empty() ? c->identifier : c->description,
                                 std::nullopt, json::serialize(details)});
  }
  out.next_cursor = next_cursor(p.next);
  return out;
}

ReadResult ConnectWiseSession::read_quantities(Call& call, const ReadRequest& request) {
  client_.begin_hook();

  struct Line {
    std::optional<int64_t> company, product;
  };
  std::vector<Line> parsed;
  std::vector<ContractKey> pairs;
  for (const ReadLine& line : request.lines) {
    Line l{parse_id(line.account_id), parse_id(line.service_id)};
    if (l.company && l.product) pairs.push_back({*l.company, *l.product});
    parsed.push_back(l);
  }
  ContractIndex index = read_contracts(call, client_, pairs);

  ReadResult out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Line& l = parsed[i];
    const ReadLine& line = request.lines[i];
    ReadLineResult& r = out.lines.emplace_back();
    r.key = line.key;
    if (!l.company || !l.product) {
      r.reason = Reason::kNotFound;
      r.message = !l.company
                      ? "account_id '" + line.account_id + "' is not a ConnectWise company id"
                      : "service_id '" + line.service_id + "' is not a ConnectWise catalog item id";
      continue;
    }
    Resolution res = index.resolve(*l.company, *l.product);
    switch (res.state) {
      case LineState::kFound: {
        r.line_ref = json::serialize(
            json::object{{"agreement_id", res.agreement_id}, {"addition_id", res.addition_id}});
        const std::string where = "addition " + std::to_string(res.addition_id) + " on agreement " +
                                  std::to_string(res.agreement_id);
        if (!res.quantity) {
          r.message = where + " has no quantity set";
        } else if (*res.quantity != std::floor(*res.quantity) ||
                   std::fabs(*res.quantity) > 9.0e15) {
          // Unit counts are whole numbers; an unknown current value makes the sync write the
          // target.
          r.message = where + " has the fractional quantity " + std::to_string(*res.quantity);
        } else {
          r.quantity = static_cast<int64_t>(*res.quantity);
          r.message = where;
        }
        break;
      }
      case LineState::kNoContractLine:
        r.reason = Reason::kNoContractLine;
        r.message = res.message;
        break;
      case LineState::kAmbiguous:
        r.reason = Reason::kAmbiguousContractLine;
        r.message = res.message;
        break;
      case LineState::kNotFound:
        r.reason = Reason::kNotFound;
        r.message = res.message;
        break;
      case LineState::kAccountInactive:
        r.reason = Reason::kAccountInactive;
        r.message = res.message;
        break;
    }
  }
  return out;
}

ApplyResult ConnectWiseSession::apply_quantities(Call& call,
                                                 const meterbridge::ApplyRequest& request) {
  client_.begin_hook();

  // ConnectWise has no effective date on a quantity change: the PATCH takes effect when it is
  // made and the agreement's proration rules bill it. The addition's own effectiveDate (when it
  // started) is never rewritten.
  if (!request.effective_date.empty()) {
    std::string today = utc_date(call.now_ms());
    if (request.effective_date > today)
      call.info("effective date " + request.effective_date +
                " is in the future; ConnectWise applies quantity changes when "
                "they are made, so the quantities are set now");
  }
  if (request.idempotency_key && !request.idempotency_key->empty())
    call.debug("apply_quantities " + *request.idempotency_key + ": " +
               std::to_string(request.lines.size()) + " line(s)");

  std::vector<ApplyLine> parsed;
  for (const meterbridge::ApplyLine& line : request.lines) {
    ApplyLine l;
    l.key = line.key;
    l.account_id = line.account_id;
    l.service_id = line.service_id;
    l.company_id = parse_id(line.account_id);
    l.product_id = parse_id(line.service_id);
    l.target = line.target;
    l.expected_current = line.expected_current;
    std::tie(l.agreement_id, l.addition_id) = addition_ref(line.line_ref);
    parsed.push_back(std::move(l));
  }

  ApplyResult out;
  for (ApplyOutcome& o : apply_lines(call, client_, parsed))
    out.lines.push_back(
        ApplyLineResult{o.key, o.outcome, o.quantity, o.error_class, std::move(o.message), false});
  return out;
}

}  // namespace meterbridge::connectwise
