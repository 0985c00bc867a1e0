// The hello example's hooks on the typed documents: see hello_session.h.
#include "hello_session.h"

#include <string>

namespace hello {

using meterbridge::Call;
using meterbridge::PluginError;

namespace {

constexpr const char* kServices[][2] = {{"hello-email", "Hello Email Protection"},
                                        {"hello-endpoint", "Hello Endpoint Protection"}};

std::string account_id(int64_t index) { return "hc-" + std::to_string(index + 1); }

}  // namespace

std::optional<int64_t> Ledger::get(const std::string& tenant, const std::string& account,
                                   const std::string& service) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = quantities_.find({tenant, account, service});
  if (it == quantities_.end()) return std::nullopt;
  return it->second;
}

void Ledger::set(const std::string& tenant, const std::string& account, const std::string& service,
                 int64_t quantity) {
  std::lock_guard<std::mutex> lock(mu_);
  quantities_[{tenant, account, service}] = quantity;
}

// A rejected key is a verdict, not an error: the check itself completed.
meterbridge::AuthenticateResult HelloSession::authenticate(
    Call& call, const meterbridge::AuthenticateRequest&) {
  const std::string& tenant = config_.tenant;
  meterbridge::AuthenticateResult result;
  if (key_accepted()) {
    call.info("tenant " + tenant + " accepted the API key");
    result.status = meterbridge::AuthStatus::kOk;
    result.message = "Hello tenant " + tenant;
  } else {
    call.info("tenant " + tenant + " rejected the API key");
    result.status = meterbridge::AuthStatus::kAuthFailed;
    result.message = "API key rejected by tenant " + tenant;
  }
  return result;
}

// Pages of `limit` accounts; the cursor is the index of the page's first account.
meterbridge::ListPage HelloSession::list_accounts(Call&, const meterbridge::ListRequest& request) {
  require_auth();
  int64_t start = 0;
  if (request.cursor) {
    try {
      start = std::stoll(*request.cursor);
    } catch (const std::exception&) {
      throw PluginError(MB_STATUS_CONFIG_INVALID, "not a cursor of this plugin");
    }
  }
  const int64_t limit = request.limit.value_or(100);
  meterbridge::ListPage page;
  int64_t i = start;
  for (; i < config_.accounts && i < start + limit; ++i)
    page.items.push_back({account_id(i), "Hello Customer " + std::to_string(i + 1), true, ""});
  if (i < config_.accounts) page.next_cursor = std::to_string(i);
  return page;
}

meterbridge::ListPage HelloSession::list_services(Call&, const meterbridge::ListRequest&) {
  require_auth();
  meterbridge::ListPage page;
  for (const auto& service : kServices)
    page.items.push_back({service[0], service[1], std::nullopt, ""});
  return page;
}

meterbridge::ReadResult HelloSession::read_quantities(Call&,
                                                      const meterbridge::ReadRequest& request) {
  require_auth();
  meterbridge::ReadResult result;
  for (const meterbridge::ReadLine& line : request.lines) {
    meterbridge::ReadLineResult& r = result.lines.emplace_back();
    r.key = line.key;
    if (!known_account(line.account_id)) {
      r.reason = meterbridge::Reason::kNotFound;
      r.message = "no company " + line.account_id + " in tenant " + config_.tenant;
    } else {
      r.quantity = ledger_.get(config_.tenant, line.account_id, line.service_id).value_or(0);
    }
  }
  return result;
}

meterbridge::ApplyResult HelloSession::apply_quantities(Call& call,
                                                        const meterbridge::ApplyRequest& request) {
  require_auth();
  meterbridge::ApplyResult result;
  for (const meterbridge::ApplyLine& line : request.lines) {
    meterbridge::ApplyLineResult& r = result.lines.emplace_back();
    r.key = line.key;
    if (!known_account(line.account_id)) {
      r.outcome = meterbridge::Outcome::kFailed;
      r.error_class = MB_STATUS_NOT_FOUND;
      r.message = "no company " + line.account_id + " in tenant " + config_.tenant;
    } else if (!line.target || *line.target < 0) {
      r.outcome = meterbridge::Outcome::kFailed;
      r.error_class = MB_STATUS_CONFIG_INVALID;
      r.message = "target must be a non-negative integer";
    } else {
      const int64_t current =
          ledger_.get(config_.tenant, line.account_id, line.service_id).value_or(0);
      // The write is absolute, so replaying it is harmless: the platform is idempotent.
      ledger_.set(config_.tenant, line.account_id, line.service_id, *line.target);
      r.outcome = current == *line.target ? meterbridge::Outcome::kUnchanged
                                          : meterbridge::Outcome::kUpdated;
      r.quantity = *line.target;
    }
  }
  call.debug("applied " + std::to_string(result.lines.size()) + " lines");
  return result;
}

std::string HelloSession::disconnect(Call& call, std::string_view) {
  call.info("tenant " + config_.tenant + " disconnected");
  return "{}";
}

bool HelloSession::key_accepted() const { return config_.api_key.rfind("hello-", 0) == 0; }

void HelloSession::require_auth() const {
  if (!key_accepted())
    throw PluginError(MB_STATUS_AUTH_FAILED, "API key rejected by tenant " + config_.tenant);
}

bool HelloSession::known_account(const std::string& id) const {
  if (id.rfind("hc-", 0) != 0) return false;
  try {
    const int64_t n = std::stoll(id.substr(3));
    return n >= 1 && n <= config_.accounts;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace hello
