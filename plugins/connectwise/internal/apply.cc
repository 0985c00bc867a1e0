#include "internal/operations.h"

#include <meterbridge/json_fields.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "internal/contracts.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {
namespace {

namespace json = boost::json;

// A PATCH is sent at most this many times per addition and call: the first time, and once more
// after a re-read showed that an unanswered PATCH did not land or a stale line_ref was resolved
// again.
constexpr int kRounds = 2;

bool same_quantity(double a, int64_t b) { return std::fabs(a - static_cast<double>(b)) < 1e-6; }

std::string quantity_text(const std::optional<double>& q) {
  if (!q) return "no quantity";
  if (*q == std::floor(*q) && std::fabs(*q) < 9.0e15)
    return std::to_string(static_cast<int64_t>(*q));
  return std::to_string(*q);
}

// The PATCH body for an absolute quantity.
std::string quantity_patch_body(int64_t target) {
  json::array ops{json::object{{"op", "replace"}, {"path", "quantity"}, {"value", target}}};
  return json::serialize(ops);
}

// The addition a read's line_ref names ({"agreement_id","addition_id"}), both or neither.
std::pair<std::optional<int64_t>, std::optional<int64_t>> addition_ref(const JsonText& ref) {
  std::optional<json::object> o = parse_json_object(ref);
  if (!o) return {};
  auto id = [&](std::string_view key) -> std::optional<int64_t> {
    const json::value* m = o->if_contains(key);
    return m != nullptr && m->is_string() ? parse_id(m->get_string()) : whole_number(m);
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

// An apply line with the ConnectWise ids it names.
struct Line {
  explicit Line(const ApplyLine& line)
      : in(line), company_id(parse_id(line.account_id)), product_id(parse_id(line.service_id)) {
    std::tie(agreement_id, addition_id) = addition_ref(line.line_ref);
  }
  const ApplyLine& in;
  std::optional<int64_t> company_id;                 // account_id, when it is a ConnectWise id
  std::optional<int64_t> product_id;                 // service_id, when it is a ConnectWise id
  std::optional<int64_t> agreement_id, addition_id;  // line_ref
};

// One addition to set, on behalf of one or more lines.
struct Write {
  int64_t product_id = 0;
  int64_t agreement_id = 0;
  int64_t addition_id = 0;
  int64_t target = 0;
  std::vector<size_t> lines;
  bool from_line_ref = false;       // located by the caller's line_ref, not by a read in this call
  bool conflict = false;            // lines want different quantities for this addition
  std::string unknown_reason = {};  // why the last PATCH's outcome is unknown

  std::string name() const {
    return "addition " + std::to_string(addition_id) + " on agreement " +
           std::to_string(agreement_id);
  }
  std::string path() const {
    return "finance/agreements/" + std::to_string(agreement_id) + "/additions/" +
           std::to_string(addition_id);
  }
};

class Applier {
 public:
  Applier(Call& call, Client& client, const std::vector<ApplyLine>& lines)
      : call_(call), client_(client), lines_(lines.begin(), lines.end()) {
    for (const ApplyLine& line : lines) out_.emplace_back().key = line.key;
  }

  std::vector<ApplyLineResult> run() {
    std::vector<size_t> to_resolve;
    for (size_t i = 0; i < lines_.size(); ++i) {
      if (!check_line(i)) continue;
      const Line& l = lines_[i];
      if (!l.agreement_id || !l.addition_id) {
        to_resolve.push_back(i);
      } else if (l.in.expected_current == l.in.target) {
        done(i, Outcome::kUnchanged, *l.in.target, "already at the target when it was read");
      } else {
        queue(i, *l.agreement_id, *l.addition_id, /*from_line_ref=*/true);
      }
    }
    if (!to_resolve.empty()) resolve_lines(to_resolve, /*first=*/true);
    settle_conflicts(pending_);

    for (int round = 0; round < kRounds && !pending_.empty(); ++round) {
      std::vector<Write> writes = std::move(pending_);
      pending_.clear();
      patch(writes, round + 1 == kRounds);
      settle_conflicts(pending_);
    }
    for (const Write& w : pending_)
      fail_write(w, MB_STATUS_RETRY,
                 w.name() + ": not written in this call; the next sync reads it again");
    return std::move(out_);
  }

 private:
  bool check_line(size_t i) {
    const Line& l = lines_[i];
    if (!l.company_id) {
      fail(i, MB_STATUS_NOT_FOUND,
           "account_id '" + l.in.account_id + "' is not a ConnectWise company id");
    } else if (!l.product_id) {
      fail(i, MB_STATUS_NOT_FOUND,
           "service_id '" + l.in.service_id + "' is not a ConnectWise catalog item id");
    } else if (!l.in.target || *l.in.target < 0) {
      fail(i, MB_STATUS_CONFIG_INVALID, "target must be a non-negative integer");
    } else {
      return true;
    }
    return false;
  }

  void done(size_t i, Outcome outcome, std::optional<int64_t> quantity, std::string message,
            std::optional<mb_status> error_class = std::nullopt) {
    out_[i].outcome = outcome;
    out_[i].quantity = quantity;
    out_[i].error_class = error_class;
    out_[i].message = std::move(message);
  }
  void fail(size_t i, mb_status status, std::string message) {
    done(i, Outcome::kFailed, std::nullopt, std::move(message), status);
  }
  void fail_write(const Write& w, mb_status status, const std::string& message) {
    for (size_t i : w.lines) fail(i, status, message);
  }
  void update_write(const Write& w, const std::string& message) {
    for (size_t i : w.lines) done(i, Outcome::kUpdated, w.target, message);
  }

  // Queues the write of line i's target to an addition.
  void queue(size_t i, int64_t agreement_id, int64_t addition_id, bool from_line_ref) {
    add_write(pending_, Write{.product_id = *lines_[i].product_id,
                              .agreement_id = agreement_id,
                              .addition_id = addition_id,
                              .target = *lines_[i].in.target,
                              .lines = {i},
                              .from_line_ref = from_line_ref});
  }

  // Merges writes to one addition; different targets for one addition are a conflict.
  static void add_write(std::vector<Write>& writes, Write w) {
    for (Write& existing : writes) {
      if (existing.agreement_id != w.agreement_id || existing.addition_id != w.addition_id)
        continue;
      if (existing.target != w.target) existing.conflict = true;
      existing.lines.insert(existing.lines.end(), w.lines.begin(), w.lines.end());
      existing.from_line_ref = existing.from_line_ref && w.from_line_ref;
      return;
    }
    writes.push_back(std::move(w));
  }

  void settle_conflicts(std::vector<Write>& writes) {
    std::vector<Write> kept;
    for (Write& w : writes) {
      if (!w.conflict) {
        kept.push_back(std::move(w));
        continue;
      }
      std::string keys;
      for (size_t i : w.lines) keys += (keys.empty() ? "" : ", ") + lines_[i].in.key;
      fail_write(w, MB_STATUS_CONFLICT,
                 "lines " + keys + " all map to " + w.name() +
                     " but ask for different quantities; fix the service mapping so each addition "
                     "has one line");
    }
    writes = std::move(kept);
  }

  // Finds the addition of each line by reading ConnectWise (in bulk); queues the writes.
  void resolve_lines(const std::vector<size_t>& indices, bool first) {
    std::vector<ContractKey> pairs;
    for (size_t i : indices) pairs.push_back({*lines_[i].company_id, *lines_[i].product_id});
    ContractIndex index;
    try {
      index = read_contracts(call_, client_, pairs);
    } catch (const PluginError& e) {
      if (first && !sent_any_) throw;  // nothing written yet: the whole call fails cleanly
      for (size_t i : indices) fail(i, e.error_class(), e.what());
      return;
    }
    for (size_t i : indices) {
      const Line& l = lines_[i];
      Resolution r = index.resolve(*l.company_id, *l.product_id);
      if (!r.reason) {
        if (r.quantity && same_quantity(*r.quantity, *l.in.target))
          done(i, Outcome::kUnchanged, *l.in.target, "");
        else
          queue(i, r.agreement_id, r.addition_id, /*from_line_ref=*/false);
        continue;
      }
      switch (*r.reason) {
        case Reason::kNoContractLine:
          done(i, Outcome::kNoContractLine, std::nullopt, r.message);
          break;
        case Reason::kAmbiguousContractLine:
          done(i, Outcome::kAmbiguousContractLine, std::nullopt, r.message);
          break;
        case Reason::kAccountInactive:
          fail(i, MB_STATUS_CONFLICT, r.message);
          break;
        default:  // kNotFound
          fail(i, MB_STATUS_NOT_FOUND, r.message);
          break;
      }
    }
  }

  // Checks the record ConnectWise returned for a PATCH.
  void check_patched(const Write& w, const json::object& record) {
    std::optional<double> q = number(record.if_contains("quantity"));
    std::optional<int64_t> product_id = reference_id(record, "product");
    if (product_id && *product_id != w.product_id) {
      fail_write(w, MB_STATUS_CONFLICT,
                 w.name() + " is for catalog item " + std::to_string(*product_id) + ", not " +
                     std::to_string(w.product_id) + "; read the quantities again before applying");
    } else if (is_cancelled(record)) {
      fail_write(
          w, MB_STATUS_CONFLICT,
          w.name() + " was cancelled after it was read; the next sync finds the active addition");
    } else if (!q || !same_quantity(*q, w.target)) {
      fail_write(w, MB_STATUS_FATAL,
                 "ConnectWise answered 200 to the PATCH of " + w.name() +
                     " but the returned record has " + quantity_text(q) + ", not " +
                     std::to_string(w.target) + " (a false 200: nothing was changed)");
    } else {
      update_write(w, "");
    }
  }

  // Sends the writes; sorts each answer into done, unknown (re-read), or stale (resolve again).
  void patch(std::vector<Write>& writes, bool last_round) {
    std::vector<ApiRequest> requests;
    for (const Write& w : writes)
      requests.push_back(
          ApiRequest{"PATCH", w.path(), quantity_patch_body(w.target), "agreement_additions"});
    std::vector<HttpResponse> responses;
    try {
      responses = client_.execute(call_, requests);
    } catch (const PluginError& e) {
      if (!sent_any_) throw;  // the host refused before anything was written
      for (const Write& w : writes) fail_write(w, e.error_class(), e.what());
      return;
    }
    sent_any_ = true;
    std::vector<Write> unknown;
    std::vector<Write> stale;
    for (size_t k = 0; k < writes.size(); ++k) {
      Write& w = writes[k];
      const HttpResponse& r = responses[k];
      const std::string what = "update " + w.name();
      if (r.ok()) {
        if (auto record = parse_json_object(r.body)) {
          check_patched(w, *record);
        } else {
          w.unknown_reason =
              "ConnectWise answered " + std::to_string(r.status) + " with an unreadable body";
          unknown.push_back(std::move(w));
        }
      } else if (r.status == 404 && w.from_line_ref && !last_round) {
        stale.push_back(std::move(w));
      } else if ((r.status == 0 && r.error && r.error->sent) || r.status >= 500) {
        w.unknown_reason = failure_for(r, what).message;
        unknown.push_back(std::move(w));
      } else {
        HttpFailure f = failure_for(r, what);
        if (r.status == 404)
          f.message += "; the addition is gone, so the next sync resolves the line again";
        fail_write(w, f.status, f.message);
      }
    }
    if (!unknown.empty()) verify(unknown, last_round);
    if (!stale.empty()) {
      std::vector<size_t> indices;
      for (const Write& w : stale) indices.insert(indices.end(), w.lines.begin(), w.lines.end());
      call_.info(std::to_string(stale.size()) +
                 " addition(s) named by line_ref no longer exist; resolving again");
      resolve_lines(indices, /*first=*/false);
    }
  }

  // Re-reads additions whose PATCH outcome is unknown: the target there means updated; otherwise
  // the PATCH is queued again (not after the last round).
  void verify(std::vector<Write>& writes, bool last_round) {
    std::vector<ApiRequest> requests;
    for (const Write& w : writes)
      requests.push_back(ApiRequest{"GET", w.path(), "", "agreement_additions"});
    std::vector<HttpResponse> responses;
    try {
      responses = client_.execute(call_, requests);
    } catch (const PluginError& e) {
      for (const Write& w : writes)
        fail_write(w, MB_STATUS_RETRY,
                   w.unknown_reason + "; re-reading the addition was refused too (" + e.what() +
                       "); the next sync reads it again");
      return;
    }
    for (size_t k = 0; k < writes.size(); ++k) {
      Write& w = writes[k];
      const HttpResponse& r = responses[k];
      std::optional<json::object> record = r.ok() ? parse_json_object(r.body) : std::nullopt;
      if (!record) {
        std::string why = r.ok() ? "an unreadable body" : failure_for(r, "re-read").message;
        fail_write(w, MB_STATUS_RETRY,
                   w.unknown_reason + "; re-reading " + w.name() + " failed too (" + why +
                       "); the next sync reads it again");
        continue;
      }
      std::optional<double> q = number(record->if_contains("quantity"));
      if (q && same_quantity(*q, w.target)) {
        update_write(w, "confirmed by re-reading after: " + w.unknown_reason);
      } else if (!last_round) {
        call_.info(w.name() + " still holds " + quantity_text(q) +
                   " after an unanswered PATCH; sending it again");
        w.from_line_ref = false;
        add_write(pending_, std::move(w));
      } else {
        fail_write(w, MB_STATUS_RETRY,
                   w.unknown_reason + "; " + w.name() + " still holds " + quantity_text(q) +
                       "; the next sync writes it again");
      }
    }
  }

  Call& call_;
  Client& client_;
  const std::vector<Line> lines_;
  std::vector<ApplyLineResult> out_;
  std::vector<Write> pending_;
  bool sent_any_ = false;
};

}  // namespace

ApplyResult apply_quantities(Call& call, Client& client, const ApplyRequest& request) {
  client.begin_hook();

  // ConnectWise has no effective date on a quantity change: the PATCH takes effect when it is
  // made and the agreement's proration rules bill it. The addition's own effectiveDate (when it
  // started) is never rewritten.
  if (!request.effective_date.empty() && request.effective_date > utc_date(call.now_ms()))
    call.info("effective date " + request.effective_date +
              " is in the future; ConnectWise applies quantity changes when "
              "they are made, so the quantities are set now");
  if (request.idempotency_key && !request.idempotency_key->empty())
    call.debug("apply_quantities " + *request.idempotency_key + ": " +
               std::to_string(request.lines.size()) + " line(s)");

  client.ensure_discovered(call);
  return ApplyResult{Applier(call, client, request.lines).run()};
}

}  // namespace meterbridge::connectwise
