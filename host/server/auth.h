// Who an admin API request comes from, and what it may reach (docs/console.md, "Who may see
// what"). A request is authenticated by a bearer token (the vendor's api.token, or one of
// api.partner_tokens) or by a console session cookie; either way it becomes a Principal, and a
// partner-scoped principal reaches only the connectors whose partner_id is its own.
//
// Sessions are server-side: the cookie holds 32 random bytes, the store a SHA-256 of them, so a
// copy of the database signs nobody in. Each session has a CSRF token that every state-changing
// request made with the cookie must repeat in X-CSRF-Token.
//
//   SessionKeeper sessions(clock, {.idle_ms = ..., .absolute_ms = ...});
//   auto started = sessions.start(store, user);              // Set-Cookie: session_cookie(...)
//   auto principal = sessions.resume(store, cookie_value);   // nullopt: expired or unknown
#ifndef METERBRIDGE_HOST_SERVER_AUTH_H_
#define METERBRIDGE_HOST_SERVER_AUTH_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/store/model.h"
#include "host/store/store.h"

namespace mb::server {

inline constexpr std::string_view kSessionCookie = "mb_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// Who a request comes from.
struct Principal {
  std::string name = {};        // the user's name, or "api token" / "partner token"
  std::string role = {};        // vendor_admin | partner_admin
  std::string partner_id = {};  // the only partner reached; empty: every partner
  bool by_session = false;      // a session cookie, so CSRF applies
  std::string session_hash = {};
  std::string csrf_token = {};

  bool vendor_wide() const { return partner_id.empty(); }
  // Whether a connector of this partner is within reach.
  bool reaches(std::string_view connector_partner_id) const {
    return partner_id.empty() || partner_id == connector_partner_id;
  }
};

// Failed sign-ins, counted per user name and per client address over a sliding window: past the
// limit, further attempts are refused until the oldest failure leaves the window. In memory:
// a restart forgets the counts (docs/console.md says why that is acceptable).
class SignInLimiter {
 public:
  struct Limits {
    size_t per_user = 5;
    size_t per_address = 20;
    int64_t window_ms = 15 * 60 * 1000;
  };
  SignInLimiter(const Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}
  // How long until an attempt for this user from this address may be tried; 0: now.
  int64_t wait_ms(const std::string& user, const std::string& address);
  void record_failure(const std::string& user, const std::string& address);
  // A successful sign-in clears the user's failures (not the address's).
  void record_success(const std::string& user);

 private:
  int64_t wait_for(std::map<std::string, std::vector<int64_t>>& failures, const std::string& key,
                   size_t limit, int64_t now);
  static constexpr size_t kPruneAbove = 10'000;
  const Clock& clock_;
  Limits limits_;
  std::mutex mu_;
  size_t prune_above_ = kPruneAbove;
  std::map<std::string, std::vector<int64_t>> by_user_, by_address_;
};

struct SessionTimes {
  int64_t idle_ms = 30 * 60 * 1000;
  int64_t absolute_ms = 12 * 60 * 60 * 1000;
};

// A session just started: the cookie's value goes to the browser once, never to the store.
struct StartedSession {
  std::string cookie_value;
  Principal principal;
};

class SessionKeeper {
 public:
  SessionKeeper(const Clock& clock, SessionTimes times) : clock_(clock), times_(times) {}
  Result<StartedSession> start(Store& store, const UserRecord& user);
  // Also deletes every expired session (of anyone): sessions of closed browsers do not pile up.
  // The session's principal, its idle timer restarted; nullopt when the cookie names no live
  // session (unknown, idle too long, too old, or its user removed). Expired sessions are deleted.
  Result<std::optional<Principal>> resume(Store& store, const std::string& cookie_value);
  Status end(Store& store, const std::string& cookie_value);
  void set_times(SessionTimes times);

 private:
  const Clock& clock_;
  std::mutex mu_;
  SessionTimes times_;
};

// The Principal of a stored user.
Principal principal_of(const UserRecord& user);
// Hex SHA-256 of a cookie value: what the store keeps.
std::string session_hash(std::string_view cookie_value);
// The value of cookie `name` in a Cookie header; nullopt when absent.
std::optional<std::string> cookie_value(const std::string& cookie_header, std::string_view name);
// Set-Cookie values: HttpOnly and SameSite=Strict always, Secure when the listener has TLS.
std::string session_cookie(const std::string& value, bool secure);
std::string cleared_session_cookie(bool secure);

}  // namespace mb::server

#endif  // METERBRIDGE_HOST_SERVER_AUTH_H_
