#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "internal/contract_lines.h"
#include "internal/dates.h"
#include "internal/query.h"

namespace meterbridge::autotask {

namespace {

namespace json = boost::json;

constexpr char kAdjustments[] = "ContractServiceAdjustments";

// A line of the host's input with its Autotask ids, when they are ids.
struct HostLine {
  std::string key;
  std::optional<int64_t> company_id;
  std::optional<int64_t> service_id;
  std::string problem;  // why the line cannot be looked up; empty when it can
};

// The effective date the host asked for (YYYY-MM-DD), today when it sent none.
std::string effective_date(const std::string& requested, Call& call) {
  if (requested.empty()) return utc_date_from_ms(call.now_ms());
  auto parsed = requested.size() == 10 ? calendar_date(requested) : std::nullopt;
  if (!parsed)
    throw PluginError(MB_STATUS_CONFIG_INVALID, "effective_date must be a date written YYYY-MM-DD");
  return *parsed;
}

template <typename Line>
HostLine host_line(const Line& in) {
  HostLine line;
  line.key = in.key;
  line.company_id = parse_whole_number(in.account_id);
  line.service_id = parse_whole_number(in.service_id);
  if (!line.company_id)
    line.problem = "'" + in.account_id + "' is not an Autotask company id";
  else if (!line.service_id)
    line.problem = "'" + in.service_id + "' is not an Autotask service id";
  return line;
}

json::object line_ref(int64_t company_id, int64_t service_id, const LineResolution& r) {
  return json::object{{"company_id", company_id},
                      {"service_id", service_id},
                      {"contract_id", r.contract_id},
                      {"contract_service_id", r.contract_service_id}};
}

// The line's target on the contract line its line_ref names, when the line_ref a read returned
// still describes this line's company and service.
std::optional<LineTarget> target_from_line_ref(const ApplyLine& in, const HostLine& host,
                                               size_t index) {
  auto ref = in.line_ref.empty() ? std::nullopt : parse_json_object(in.line_ref);
  if (!ref) return std::nullopt;
  const json::object& r = *ref;
  auto company = whole_number(field_any_case(r, "company_id"));
  auto service = whole_number(field_any_case(r, "service_id"));
  auto contract = whole_number(field_any_case(r, "contract_id"));
  auto contract_service = whole_number(field_any_case(r, "contract_service_id"));
  if (company != host.company_id || service != host.service_id || !contract || !contract_service ||
      *contract <= 0 || *contract_service <= 0)
    return std::nullopt;
  return LineTarget{index, *contract, *contract_service, *service, *in.target};
}

// Whether an absolute target is a number of units Autotask stores (int32, never negative).
bool storable(const std::optional<int64_t>& units) {
  return units && *units >= 0 && *units <= std::numeric_limits<int32_t>::max();
}

// The outcome of a line whose contract line was not found.
LineOutcome outcome_of_resolution(const LineResolution& r) {
  switch (r.reason.value_or(Reason::kNoContractLine)) {
    case Reason::kNotFound:
      return failed_line(MB_STATUS_NOT_FOUND, std::nullopt, r.message);
    case Reason::kAccountInactive:
      return line_outcome(Outcome::kAccountInactive, std::nullopt, r.message);
    case Reason::kAmbiguousContractLine:
      return line_outcome(Outcome::kAmbiguousContractLine, std::nullopt, r.message);
    default:
      return line_outcome(Outcome::kNoContractLine, std::nullopt, r.message);
  }
}

HttpRequest adjustment_request(const PlannedAdjustment& adjustment, const std::string& date) {
  HttpRequest r;
  r.method = "POST";
  r.url = r.endpoint = kAdjustments;
  r.body = adjustment_body(adjustment, date);
  // A resend after a timeout or reset could add the delta twice.
  r.idempotent = false;
  return r;
}

// Companies, their active Recurring Service contracts, and those contracts' lines for
// `service_ids`, fetched in bulk.
ContractBook fetch_contract_book(AutotaskClient& client, Call& call,
                                 const std::vector<int64_t>& company_ids,
                                 const std::vector<int64_t>& service_ids, std::string_view date) {
  ContractBook book;
  std::vector<json::object> queries;
  for (const auto& chunk : in_chunks(company_ids))
    queries.push_back(query_model({in_list("id", chunk)}, {"id", "companyName", "isActive"}));
  for (const auto& row : client.query_all(call, "Companies", queries))
    if (auto c = company_from_row(row)) book.add_company(std::move(*c));

  queries.clear();
  for (const auto& chunk : in_chunks(book.active_company_ids()))
    queries.push_back(query_model(
        {in_list("companyID", chunk), equals("contractType", kRecurringServiceContractType),
         equals("status", kActiveContractStatus)},
        {"id", "companyID", "contractName", "startDate", "endDate"}));
  for (const auto& row : client.query_all(call, "Contracts", queries))
    if (auto c = contract_from_row(row)) book.add_contract(std::move(*c));

  // A contract holds about one line per service, so a query over c contracts and s services
  // returns up to c·s rows. Chunking the contracts by 500 / s (the page size) keeps each answer
  // to one page: the same number of requests as paging through one big query, but independent
  // ones, sent together and run up to the per-entity limit at once instead of page after page.
  queries.clear();
  auto service_chunks = in_chunks(service_ids);
  const size_t services_per_query = service_chunks.empty() ? 1 : service_chunks.front().size();
  const size_t contracts_per_query =
      std::max<size_t>(1, static_cast<size_t>(kMaxPageSize) / services_per_query);
  for (const auto& contracts : in_chunks(book.contracts_covering(date), contracts_per_query))
    for (const auto& services : service_chunks)
      queries.push_back(
          query_model({in_list("contractID", contracts), in_list("serviceID", services)},
                      {"id", "contractID", "serviceID"}));
  for (const auto& row : client.query_all(call, "ContractServices", queries))
    if (auto l = contract_service_from_row(row)) book.add_contract_service(*l);
  return book;
}

// Units on `date` for each contract service (0 when no period covers the date).
std::map<int64_t, int64_t> fetch_units_on(AutotaskClient& client, Call& call,
                                          const std::vector<int64_t>& contract_service_ids,
                                          std::string_view date) {
  // Each adjustment splits a period, so a line collects many rows over the years; only the
  // rows around the date matter. The server-side window reaches 12 hours past midnight on
  // either side, so a tenant rendering its dates with a time-zone offset still returns the
  // period holding the date, while the period that ended the day before stays out (one row
  // per line, one page per 500 lines). units_on makes the exact choice by calendar date.
  std::string from = shift_days(date, -1) + "T12:00:00Z";
  std::string to = std::string(date) + "T12:00:00Z";
  std::vector<json::object> queries;
  for (const auto& chunk : in_chunks(contract_service_ids))
    queries.push_back(query_model(
        {in_list("contractServiceID", chunk), less_or_equal("startDate", json::string(to)),
         greater_or_equal("endDate", json::string(from))},
        {"id", "contractServiceID", "units", "startDate", "endDate"}));
  std::map<int64_t, std::vector<UnitPeriod>> periods;
  for (const auto& row : client.query_all(call, "ContractServiceUnits", queries))
    if (auto p = unit_period_from_row(row))
      periods[p->contract_service_id].push_back(std::move(*p));
  std::map<int64_t, int64_t> units;
  for (int64_t id : contract_service_ids) units[id] = units_on(date, periods[id]);
  return units;
}

// The contract line of each line in `which`, all found through one bulk fetch.
std::map<size_t, LineResolution> find_contract_lines(AutotaskClient& client, Call& call,
                                                     const std::vector<HostLine>& lines,
                                                     const std::vector<size_t>& which,
                                                     const std::string& date) {
  std::map<size_t, LineResolution> found;
  if (which.empty()) return found;
  std::vector<int64_t> companies;
  std::vector<int64_t> services;
  for (size_t i : which) {
    companies.push_back(*lines[i].company_id);
    services.push_back(*lines[i].service_id);
  }
  ContractBook book = fetch_contract_book(client, call, companies, services, date);
  for (size_t i : which) found[i] = book.resolve(*lines[i].company_id, *lines[i].service_id, date);
  return found;
}

// One apply_quantities call, step by step: take the host's lines, find each one's contract
// line, plan every write from a fresh read, post the adjustments, settle the ones whose fate
// stayed unknown by reading again, and report an outcome for every line.
class ApplyRun {
 public:
  ApplyRun(AutotaskClient& client, AdjustmentLedger& ledger, Call& call,
           const ApplyRequest& request)
      : client_(client),
        ledger_(ledger),
        call_(call),
        in_(request),
        date_(effective_date(request.effective_date, call)) {}

  ApplyResult run() {
    take_lines();
    resolve_lines_without_ref();
    plan_from_fresh_units();
    write_adjustments();
    return report();
  }

 private:
  void take_lines() {
    outcomes_.resize(in_.lines.size());
    for (size_t i = 0; i < in_.lines.size(); ++i) {
      lines_.push_back(host_line(in_.lines[i]));
      if (!lines_[i].problem.empty()) {
        outcomes_[i] = failed_line(MB_STATUS_NOT_FOUND, std::nullopt, lines_[i].problem);
        continue;
      }
      if (!storable(in_.lines[i].target)) {
        outcomes_[i] =
            failed_line(MB_STATUS_CONFIG_INVALID, std::nullopt,
                        "target must be a whole number of units between 0 and 2147483647");
        continue;
      }
      if (auto t = target_from_line_ref(in_.lines[i], lines_[i], i))
        targets_.push_back(*t);
      else
        without_ref_.push_back(i);
    }
  }

  // Lines without a usable line_ref are found the way read_quantities finds them.
  void resolve_lines_without_ref() {
    for (const auto& [i, r] : find_contract_lines(client_, call_, lines_, without_ref_, date_)) {
      if (!r.reason)
        targets_.push_back(LineTarget{i, r.contract_id, r.contract_service_id,
                                      *lines_[i].service_id, *in_.lines[i].target});
      else
        outcomes_[i] = outcome_of_resolution(r);
    }
  }

  // Deltas come only from a fresh read, never from the read the plan was made with.
  void plan_from_fresh_units() {
    std::vector<int64_t> contract_services;
    for (const auto& t : targets_) contract_services.push_back(t.contract_service_id);
    std::map<int64_t, int64_t> units;
    if (!contract_services.empty())
      units = fetch_units_on(client_, call_, contract_services, date_);
    plan_ = plan_adjustments(targets_, units, ledger_, date_);
    results_.resize(plan_.size());
    for (size_t k = 0; k < plan_.size(); ++k) {
      if (plan_[k].decision == WriteDecision::kAdjust)
        posts_.push_back(k);
      else
        results_[k] = outcome_without_post(plan_[k]);
    }
  }

  // A delta added twice bills twice: every adjustment is on the host's journal before it is
  // posted (abi.h, callback_journal_intents).
  std::string intents() const {
    json::array out;
    for (size_t k : posts_) {
      const PlannedAdjustment& a = plan_[k];
      for (size_t i : a.lines)
        out.push_back(
            json::object{{"key", lines_[i].key},
                         {"units_before", a.current},
                         {"target", a.target},
                         {"ref", json::object{{"contract_id", a.contract_id},
                                              {"contract_service_id", a.contract_service_id}}}});
    }
    return json::serialize(out);
  }

  void write_adjustments() {
    if (posts_.empty()) return;
    std::vector<HttpRequest> requests;
    for (size_t k : posts_) requests.push_back(adjustment_request(plan_[k], date_));
    std::vector<HttpResponse> responses;
    try {
      call_.journal_intents(intents());
      responses = client_.send(call_, requests);
    } catch (const PluginError& e) {
      // The host sent none of them (budget exhausted, ...): those lines fail, the rest stand.
      for (size_t k : posts_)
        results_[k] =
            failed_line(e.error_class(), plan_[k].current, std::string("not written: ") + e.what());
      return;
    }
    std::vector<size_t> unknown;  // indices into posts_ and responses
    for (size_t p = 0; p < posts_.size(); ++p) {
      const PlannedAdjustment& a = plan_[posts_[p]];
      PostVerdict verdict = judge_post(responses[p]);
      if (verdict == PostVerdict::kUnknown) {
        unknown.push_back(p);
        continue;
      }
      results_[posts_[p]] = outcome_of_post(a, responses[p]);
      if (verdict == PostVerdict::kApplied) ledger_.record(a.contract_service_id, date_, a.target);
    }
    if (!unknown.empty()) settle_by_rereading(unknown, responses);
  }

  // Every ambiguous write is settled by reading what Autotask now holds; none is resent.
  void settle_by_rereading(const std::vector<size_t>& unknown,
                           const std::vector<HttpResponse>& responses) {
    std::vector<int64_t> ids;
    ids.reserve(unknown.size());
    for (size_t p : unknown) ids.push_back(plan_[posts_[p]].contract_service_id);
    std::map<int64_t, int64_t> now;
    std::string reread_error;
    try {
      now = fetch_units_on(client_, call_, ids, date_);
    } catch (const PluginError& e) {
      reread_error = e.what();
    }
    for (size_t p : unknown) {
      const PlannedAdjustment& a = plan_[posts_[p]];
      std::optional<int64_t> units_now;
      if (reread_error.empty()) units_now = now[a.contract_service_id];
      results_[posts_[p]] = outcome_after_reread(a, responses[p], units_now, reread_error);
      // Unless the re-read proved the write did not land, count it as made for this date.
      if (!units_now || *units_now != a.current)
        ledger_.record(a.contract_service_id, date_, a.target);
    }
  }

  ApplyResult report() {
    for (size_t k = 0; k < plan_.size(); ++k)
      for (size_t i : plan_[k].lines) outcomes_[i] = results_[k];
    ApplyResult out;
    for (size_t i = 0; i < lines_.size(); ++i) {
      out.lines.push_back(outcomes_[i].value_or(
          failed_line(MB_STATUS_FATAL, std::nullopt, "no outcome was determined")));
      out.lines.back().key = lines_[i].key;
    }
    return out;
  }

  AutotaskClient& client_;
  AdjustmentLedger& ledger_;
  Call& call_;
  const ApplyRequest& in_;
  std::string date_;
  std::vector<HostLine> lines_;
  std::vector<std::optional<LineOutcome>> outcomes_;  // per input line
  std::vector<size_t> without_ref_;                   // input lines to resolve
  std::vector<LineTarget> targets_;                   // lines with a contract line
  std::vector<PlannedAdjustment> plan_;               // per contract service
  std::vector<LineOutcome> results_;                  // per plan entry
  std::vector<size_t> posts_;                         // plan entries to write
};

}  // namespace

ReadResult read_quantities(AutotaskClient& client, Call& call, const ReadRequest& request) {
  const std::string date = effective_date(request.effective_date, call);
  std::vector<HostLine> lines;
  std::vector<size_t> lookups;
  for (const auto& item : request.lines) {
    lines.push_back(host_line(item));
    if (lines.back().problem.empty()) lookups.push_back(lines.size() - 1);
  }

  std::map<size_t, LineResolution> found = find_contract_lines(client, call, lines, lookups, date);
  std::vector<int64_t> contract_services;
  for (const auto& [i, r] : found)
    if (!r.reason) contract_services.push_back(r.contract_service_id);
  std::map<int64_t, int64_t> units;
  if (!contract_services.empty()) units = fetch_units_on(client, call, contract_services, date);

  ReadResult out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const HostLine& line = lines[i];
    const LineResolution r =
        line.problem.empty() ? found[i] : LineResolution{Reason::kNotFound, line.problem, 0, 0};
    ReadLineResult& o = out.lines.emplace_back();
    o.key = line.key;
    o.reason = r.reason;
    o.message = r.message;
    if (r.reason) continue;
    o.quantity = units[r.contract_service_id];
    o.message = "contract " + std::to_string(r.contract_id) + ", contract service " +
                std::to_string(r.contract_service_id) + ", units on " + date;
    o.line_ref = json::serialize(line_ref(*line.company_id, *line.service_id, r));
  }
  return out;
}

ApplyResult apply_quantities(AutotaskClient& client, AdjustmentLedger& ledger, Call& call,
                             const ApplyRequest& request) {
  return ApplyRun(client, ledger, call, request).run();
}

}  // namespace meterbridge::autotask
