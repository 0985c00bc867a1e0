#include "plugins/connectwise/connectwise_session.h"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "plugins/connectwise/internal/apply.h"
#include "plugins/connectwise/internal/conditions.h"
#include "plugins/connectwise/internal/contracts.h"
#include "plugins/connectwise/internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

json::object parse_input(std::string_view input) {
  boost::system::error_code ec;
  json::value v = json::parse(input, ec);
  if (ec || !v.is_object())
    throw PluginError(MB_STATUS_FATAL, "the host sent an input that is not a JSON object");
  return std::move(v.get_object());
}

const json::array& input_lines(const json::object& in) {
  const json::value* lines = in.if_contains("lines");
  if (lines == nullptr || !lines->is_array())
    throw PluginError(MB_STATUS_FATAL, "the host sent no lines array");
  return lines->get_array();
}

std::string string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (auto n = integral_id(v)) return std::to_string(*n);
  return {};
}

std::optional<int64_t> int_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_string()) return parse_id(v->get_string());
  return integral_id(v);
}

std::optional<std::string> optional_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) return std::nullopt;
  return std::string(v->get_string());
}

// The page a list cursor names; the first page without one.
int64_t cursor_page(const json::object& in) {
  const json::value* cursor = in.if_contains("cursor");
  if (cursor == nullptr || cursor->is_null()) return 1;
  std::optional<int64_t> page =
      cursor->is_string() ? parse_id(cursor->get_string()) : integral_id(cursor);
  if (!page || *page < 1)
    throw PluginError(MB_STATUS_FATAL, "list cursor is not one this plugin returned");
  return *page;
}

json::value next_cursor(const std::optional<int64_t>& next) {
  return next ? json::value(std::to_string(*next)) : json::value(nullptr);
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

std::string verdict(std::string_view status, const std::string& message) {
  return json::serialize(json::object{{"status", status}, {"message", message}});
}

}  // namespace

std::string ConnectWiseSession::authenticate(Call& call, std::string_view) {
  client_.begin_hook();
  Discovery d = client_.discover(call, /*force=*/true);
  switch (d.outcome) {
    case Discovery::Outcome::kOk:
      break;
    case Discovery::Outcome::kUnknownCompany:
    case Discovery::Outcome::kNotConnectWise:
      return verdict("config_invalid", d.message);
    case Discovery::Outcome::kUnreachable:
      return verdict("unreachable", d.message);
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
    return verdict("unreachable", failure_for(*r, "authenticate").message);
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 401; }))
    return verdict("auth_failed", failure_for(*r, "authenticate").message);
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 400; })) {
    std::string text = error_text(r->body);
    return verdict("config_invalid", "ConnectWise refused the request (HTTP 400" +
                                         (text.empty() ? std::string() : ": " + text) +
                                         "); check the clientId and the API version " +
                                         client_.config().api_version);
  }
  if (first_with([](const ApiResponse& x) { return x.status == 404; }) != nullptr)
    return verdict(
        "auth_failed",
        "ConnectWise answered HTTP 404 under codebase " + client_.company_info().codebase +
            "; on ConnectWise cloud this usually means the company id or the keys are wrong");
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status == 429; }))
    throw_failure(failure_for(*r, "authenticate"));
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return x.status >= 500; }))
    return verdict("unreachable", failure_for(*r, "authenticate").message);
  std::string missing;
  for (size_t i = 0; i < responses.size(); ++i)
    if (responses[i].status == 403)
      missing += (missing.empty() ? "" : "; ") + std::string(kProbes[i].permission);
  if (!missing.empty())
    return verdict("auth_failed",
                   "the credentials work but the API member's security role lacks: " + missing +
                       " (HTTP 403)");
  if (const ApiResponse* r = first_with([](const ApiResponse& x) { return !x.ok(); }))
    return verdict("unreachable", failure_for(*r, "authenticate").message);

  const CompanyInfo& info = client_.company_info();
  std::string name = info.company_name.empty() ? "" : " (" + info.company_name + ")";
  return verdict(
      "ok", "connected to ConnectWise company " + client_.config().company_id + name +
                ", version " + (info.version_code.empty() ? "unknown" : info.version_code) +
                ", codebase " + info.codebase + "; companies, catalog and agreements are readable");
}

// One ConnectWise page (up to 1,000 companies) per call, whatever the host's "limit": fewer,
// larger pages are what ConnectWise's rate limits favour, and the cursor is the next page.
std::string ConnectWiseSession::list_accounts(Call& call, std::string_view input) {
  json::object in = parse_input(input);
  int64_t page = cursor_page(in);
  std::optional<std::string> search = optional_string(in, "search");
  client_.begin_hook();
  client_.ensure_discovered(call);

  Query q("company/companies");
  q.set("conditions", all_of({"deletedFlag=false",
                              search ? contains_text({"name", "identifier"}, *search) : ""}));
  q.set("fields", "id,identifier,name,status,types");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client_, ListQuery{q, "companies", "list companies", false}, page);

  json::array items;
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
    items.push_back(json::object{{"id", std::to_string(c->id)},
                                 {"name", c->name},
                                 {"active", !inactive},
                                 {"details", json::object{{"identifier", c->identifier},
                                                          {"status", c->status},
                                                          {"types", std::move(types)}}}});
  }
  return json::serialize(
      json::object{{"items", std::move(items)}, {"next_cursor", next_cursor(p.next)}});
}

std::string ConnectWiseSession::list_services(Call& call, std::string_view input) {
  json::object in = parse_input(input);
  int64_t page = cursor_page(in);
  std::optional<std::string> search = optional_string(in, "search");
  client_.begin_hook();
  client_.ensure_discovered(call);

  Query q("procurement/catalog");
  q.set("conditions",
        all_of({"inactiveFlag=false",
                search ? contains_text({"identifier", "description"}, *search) : ""}));
  q.set("fields", "id,identifier,description,productClass,recurringFlag");
  q.set("orderBy", "id asc");
  Page p = fetch_page(call, client_, ListQuery{q, "catalog", "list catalog items", false}, page);

  json::array items;
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
    items.push_back(json::object{{"id", std::to_string(c->id)},
                                 {"name", c->description.empty() ? c->identifier : c->description},
                                 {"details", std::move(details)}});
  }
  return json::serialize(
      json::object{{"items", std::move(items)}, {"next_cursor", next_cursor(p.next)}});
}

std::string ConnectWiseSession::read_quantities(Call& call, std::string_view input) {
  json::object in = parse_input(input);
  const json::array& lines = input_lines(in);
  client_.begin_hook();

  struct Line {
    std::string key;
    std::string account_id, service_id;
    std::optional<int64_t> company, product;
  };
  std::vector<Line> parsed;
  std::vector<ContractKey> pairs;
  for (const json::value& v : lines) {
    if (!v.is_object())
      throw PluginError(MB_STATUS_FATAL, "the host sent a line that is not an object");
    const json::object& o = v.get_object();
    Line l{string_member(o, "key"), string_member(o, "account_id"), string_member(o, "service_id"),
           int_member(o, "account_id"), int_member(o, "service_id")};
    if (l.company && l.product) pairs.push_back({*l.company, *l.product});
    parsed.push_back(std::move(l));
  }
  ContractIndex index = read_contracts(call, client_, pairs);

  json::array out;
  for (const Line& l : parsed) {
    json::object r{{"key", l.key},
                   {"quantity", nullptr},
                   {"reason", nullptr},
                   {"message", ""},
                   {"line_ref", nullptr}};
    if (!l.company || !l.product) {
      r["reason"] = "not_found";
      r["message"] = !l.company
                         ? "account_id '" + l.account_id + "' is not a ConnectWise company id"
                         : "service_id '" + l.service_id + "' is not a ConnectWise catalog item id";
      out.push_back(std::move(r));
      continue;
    }
    Resolution res = index.resolve(*l.company, *l.product);
    switch (res.state) {
      case LineState::kFound: {
        r["line_ref"] =
            json::object{{"agreement_id", res.agreement_id}, {"addition_id", res.addition_id}};
        const std::string where = "addition " + std::to_string(res.addition_id) + " on agreement " +
                                  std::to_string(res.agreement_id);
        if (!res.quantity) {
          r["message"] = where + " has no quantity set";
        } else if (*res.quantity != std::floor(*res.quantity) ||
                   std::fabs(*res.quantity) > 9.0e15) {
          // Unit counts are whole numbers; an unknown current value makes the sync write the
          // target.
          r["message"] = where + " has the fractional quantity " + std::to_string(*res.quantity);
        } else {
          r["quantity"] = static_cast<int64_t>(*res.quantity);
          r["message"] = where;
        }
        break;
      }
      case LineState::kNoContractLine:
        r["reason"] = "no_contract_line";
        r["message"] = res.message;
        break;
      case LineState::kAmbiguous:
        r["reason"] = "ambiguous_contract_line";
        r["message"] = res.message;
        break;
      case LineState::kNotFound:
        r["reason"] = "not_found";
        r["message"] = res.message;
        break;
      case LineState::kAccountInactive:
        r["reason"] = "account_inactive";
        r["message"] = res.message;
        break;
    }
    out.push_back(std::move(r));
  }
  return json::serialize(json::object{{"lines", std::move(out)}});
}

std::string ConnectWiseSession::apply_quantities(Call& call, std::string_view input) {
  json::object in = parse_input(input);
  const json::array& lines = input_lines(in);
  client_.begin_hook();

  // ConnectWise has no effective date on a quantity change: the PATCH takes effect when it is
  // made and the agreement's proration rules bill it. The addition's own effectiveDate (when it
  // started) is never rewritten.
  if (std::optional<std::string> effective = optional_string(in, "effective_date")) {
    std::string today = utc_date(call.now_ms());
    if (*effective > today)
      call.info("effective date " + *effective +
                " is in the future; ConnectWise applies quantity changes when "
                "they are made, so the quantities are set now");
  }
  if (std::optional<std::string> key = optional_string(in, "idempotency_key"))
    call.debug("apply_quantities " + *key + ": " + std::to_string(lines.size()) + " line(s)");

  std::vector<ApplyLine> parsed;
  for (const json::value& v : lines) {
    if (!v.is_object())
      throw PluginError(MB_STATUS_FATAL, "the host sent a line that is not an object");
    const json::object& o = v.get_object();
    ApplyLine l;
    l.key = string_member(o, "key");
    l.account_id = string_member(o, "account_id");
    l.service_id = string_member(o, "service_id");
    l.company_id = int_member(o, "account_id");
    l.product_id = int_member(o, "service_id");
    l.target = integral_id(o.if_contains("target"));
    l.expected_current = integral_id(o.if_contains("expected_current"));
    if (const json::value* ref = o.if_contains("line_ref"); ref != nullptr && ref->is_object()) {
      l.agreement_id = int_member(ref->get_object(), "agreement_id");
      l.addition_id = int_member(ref->get_object(), "addition_id");
      if (!l.agreement_id || !l.addition_id) l.agreement_id = l.addition_id = std::nullopt;
    }
    parsed.push_back(std::move(l));
  }

  json::array out;
  for (ApplyOutcome& o : apply_lines(call, client_, parsed)) {
    out.push_back(json::object{
        {"key", o.key},
        {"outcome", o.outcome},
        {"quantity", o.quantity ? json::value(*o.quantity) : json::value(nullptr)},
        {"error_class", o.error_class.empty() ? json::value(nullptr) : json::value(o.error_class)},
        {"message", o.message}});
  }
  return json::serialize(json::object{{"lines", std::move(out)}});
}

}  // namespace meterbridge::connectwise
