// Console users (docs/console.md, "Users and roles"): who may sign in to the web console and
// what they see. A vendor_admin sees and changes everything; a partner_admin only the connectors
// whose partner_id is theirs. Passwords are kept only as libsodium Argon2id hashes
// (crypto_pwhash_str). The CLI (`meterbridge users ...`) and the admin API's sign-in both call
// these.
//
//   auto added = users::add_user(app, {.name = "ana", .role = "partner_admin",
//                                      .partner_id = "msp-7"}, password);
//   bool ok = users::password_matches(stored_hash, typed);
#ifndef METERBRIDGE_HOST_APP_USERS_H_
#define METERBRIDGE_HOST_APP_USERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "host/app/app.h"
#include "host/store/model.h"

namespace mb::users {

inline constexpr std::string_view kVendorAdmin = "vendor_admin";
inline constexpr std::string_view kPartnerAdmin = "partner_admin";
// Shorter passwords are refused; longer ones are cut by nothing (Argon2id takes any length up to
// kMaxPasswordBytes).
inline constexpr size_t kMinPasswordBytes = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// Who a new user is; the password is passed apart so it never sits in a record.
struct NewUser {
  std::string name;
  std::string role;
  std::string partner_id;
};

// An Argon2id hash of `password` in libsodium's string format (salt and costs included).
Result<std::string> hash_password(std::string_view password);
// Constant-time in the password; false for a malformed hash.
bool password_matches(const std::string& hash, std::string_view password);
// ConfigInvalid naming the reason when the password is too short or too long.
Status check_password(std::string_view password);
// ConfigInvalid naming the field when the name, role or partner_id is not acceptable.
Status check_new_user(const NewUser& user);

Result<UserRecord> add_user(app::App& app, const NewUser& user, std::string_view password);
Result<std::vector<UserRecord>> list_users(app::App& app);
Status remove_user(app::App& app, const std::string& name);
// Sets a new password and signs the user out everywhere.
Status reset_password(app::App& app, const std::string& name, std::string_view password);

}  // namespace mb::users

#endif  // METERBRIDGE_HOST_APP_USERS_H_
