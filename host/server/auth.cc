#include "host/server/auth.h"

#include <sodium.h>

#include <algorithm>

#include "host/app/users.h"

namespace mb::server {
namespace {

std::string random_token() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char text[sizeof bytes * 2 + 1];
  sodium_bin2hex(text, sizeof text, bytes, sizeof bytes);
  return std::string(text, sizeof bytes * 2);
}

std::string cookie_attributes(bool secure) {
  return std::string("; Path=/; HttpOnly; SameSite=Strict") + (secure ? "; Secure" : "");
}

}  // namespace

int64_t SignInLimiter::wait_for(std::map<std::string, std::vector<int64_t>>& failures,
                                const std::string& key, size_t limit, int64_t now) {
  auto it = failures.find(key);
  if (it == failures.end()) return 0;
  auto& times = it->second;
  std::erase_if(times, [&](int64_t t) { return t <= now - limits_.window_ms; });
  if (times.empty()) {
    failures.erase(it);
    return 0;
  }
  if (times.size() < limit) return 0;
  // Allowed again once enough of the oldest failures have left the window.
  return times[times.size() - limit] + limits_.window_ms - now;
}

int64_t SignInLimiter::wait_ms(const std::string& user, const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_.now_ms();
  return std::max(wait_for(by_user_, user, limits_.per_user, now),
                  wait_for(by_address_, address, limits_.per_address, now));
}

void SignInLimiter::record_failure(const std::string& user, const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_.now_ms();
  // Names and addresses are the client's to choose: forget the expired ones before the maps
  // can grow without bound.
  // The next sweep waits until the map has doubled, so sweeping costs O(1) per failure.
  if (by_user_.size() + by_address_.size() >= prune_above_) {
    for (auto* failures : {&by_user_, &by_address_})
      std::erase_if(*failures, [&](const auto& entry) {
        return entry.second.empty() || entry.second.back() <= now - limits_.window_ms;
      });
    prune_above_ = std::max(kPruneAbove, 2 * (by_user_.size() + by_address_.size()));
  }
  by_user_[user].push_back(now);
  by_address_[address].push_back(now);
}

void SignInLimiter::record_success(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  by_user_.erase(user);
}

Principal principal_of(const UserRecord& user) {
  Principal p;
  p.name = user.name;
  p.role = user.role;
  p.partner_id = user.role == users::kVendorAdmin ? "" : user.partner_id;
  return p;
}

std::string session_hash(std::string_view cookie_value) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(cookie_value.data()),
                     cookie_value.size());
  char text[sizeof digest * 2 + 1];
  sodium_bin2hex(text, sizeof text, digest, sizeof digest);
  return std::string(text, sizeof digest * 2);
}

Result<StartedSession> SessionKeeper::start(Store& store, const UserRecord& user) {
  if (sodium_init() < 0) return Status::Fatal("libsodium could not be initialised");
  StartedSession started;
  started.cookie_value = random_token();
  started.principal = principal_of(user);
  started.principal.by_session = true;
  started.principal.session_hash = session_hash(started.cookie_value);
  started.principal.csrf_token = random_token();
  int64_t now = clock_.now_ms();
  SessionTimes times;
  {
    std::lock_guard<std::mutex> lock(mu_);
    times = times_;
  }
  // Sessions never resumed again (a closed browser) are swept here rather than by a timer.
  MB_RETURN_IF_ERROR(store.delete_expired_sessions(now - times.idle_ms, now - times.absolute_ms));
  MB_RETURN_IF_ERROR(store.create_session(
      {started.principal.session_hash, user.name, started.principal.csrf_token, now, now}));
  return started;
}

Result<std::optional<Principal>> SessionKeeper::resume(Store& store,
                                                       const std::string& cookie_value) {
  SessionTimes times;
  {
    std::lock_guard<std::mutex> lock(mu_);
    times = times_;
  }
  int64_t now = clock_.now_ms();
  std::string hash = session_hash(cookie_value);
  auto session = store.get_session(hash);
  if (!session) return session.status();
  if (!*session) return std::optional<Principal>();
  if ((*session)->last_seen_ms <= now - times.idle_ms ||
      (*session)->created_at_ms <= now - times.absolute_ms) {
    MB_RETURN_IF_ERROR(store.delete_session(hash));
    return std::optional<Principal>();
  }
  auto user = store.get_user((*session)->user_name);
  if (!user) return user.status();
  if (!*user) return std::optional<Principal>();
  MB_RETURN_IF_ERROR(store.touch_session(hash, now));
  Principal p = principal_of(**user);
  p.by_session = true;
  p.session_hash = hash;
  p.csrf_token = (*session)->csrf_token;
  return std::optional<Principal>(std::move(p));
}

Status SessionKeeper::end(Store& store, const std::string& cookie_value) {
  return store.delete_session(session_hash(cookie_value));
}

void SessionKeeper::set_times(SessionTimes times) {
  std::lock_guard<std::mutex> lock(mu_);
  times_ = times;
}

std::optional<std::string> cookie_value(const std::string& cookie_header, std::string_view name) {
  std::string_view rest = cookie_header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string session_cookie(const std::string& value, bool secure) {
  return std::string(kSessionCookie) + "=" + value + cookie_attributes(secure);
}

std::string cleared_session_cookie(bool secure) {
  return std::string(kSessionCookie) + "=" + cookie_attributes(secure) + "; Max-Age=0";
}

}  // namespace mb::server
