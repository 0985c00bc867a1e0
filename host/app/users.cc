#include "host/app/users.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

namespace mb::users {

Result<std::string> hash_password(std::string_view password) {
  if (sodium_init() < 0) return Status::Fatal("libsodium could not be initialised");
  std::string hash(crypto_pwhash_STRBYTES, '\0');
  // Interactive costs: a sign-in is a person waiting, and failed sign-ins are rate-limited.
  if (crypto_pwhash_str(hash.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Status::Fatal("hashing the password ran out of memory");
  hash.resize(hash.find('\0'));
  return hash;
}

bool password_matches(const std::string& hash, std::string_view password) {
  if (sodium_init() < 0 || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Status check_password(std::string_view password) {
  if (password.size() < kMinPasswordBytes)
    return Status::ConfigInvalid("password: at least " + std::to_string(kMinPasswordBytes) +
                                 " characters are required");
  if (password.size() > kMaxPasswordBytes)
    return Status::ConfigInvalid("password: at most " + std::to_string(kMaxPasswordBytes) +
                                 " bytes are accepted");
  return Status::Ok();
}

namespace {

// Names are typed at sign-in and shown in lists: printable, no spaces, no surprises.
bool acceptable_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
  });
}

}  // namespace

Status check_new_user(const NewUser& user) {
  if (!acceptable_name(user.name))
    return Status::ConfigInvalid("name: 1 to 128 letters, digits or . _ - @ + are required, got '" +
                                 user.name + "'");
  if (user.role == kVendorAdmin) {
    if (!user.partner_id.empty())
      return Status::ConfigInvalid("partner_id: a vendor_admin sees every partner; give none");
    return Status::Ok();
  }
  if (user.role != kPartnerAdmin)
    return Status::ConfigInvalid("role: must be vendor_admin or partner_admin, got '" + user.role +
                                 "'");
  if (user.partner_id.empty())
    return Status::ConfigInvalid("partner_id: a partner_admin needs the partner they administer");
  return Status::Ok();
}

Result<UserRecord> add_user(app::App& app, const NewUser& user, std::string_view password) {
  MB_RETURN_IF_ERROR(check_new_user(user));
  MB_RETURN_IF_ERROR(check_password(password));
  auto store = app.store();
  if (!store) return store.status();
  auto hash = hash_password(password);
  if (!hash) return hash.status();
  UserRecord record{user.name, user.role, user.partner_id, *hash, ""};
  MB_RETURN_IF_ERROR((*store)->create_user(record));
  auto stored = (*store)->get_user(user.name);
  if (!stored) return stored.status();
  if (!*stored) return Status::Fatal("user '" + user.name + "' vanished after it was added");
  return **stored;
}

Result<std::vector<UserRecord>> list_users(app::App& app) {
  auto store = app.store();
  if (!store) return store.status();
  return (*store)->list_users();
}

Status remove_user(app::App& app, const std::string& name) {
  auto store = app.store();
  if (!store) return store.status();
  return (*store)->delete_user(name);
}

Status reset_password(app::App& app, const std::string& name, std::string_view password) {
  MB_RETURN_IF_ERROR(check_password(password));
  auto store = app.store();
  if (!store) return store.status();
  auto user = (*store)->get_user(name);
  if (!user) return user.status();
  if (!*user) return Status::NotFound("no user '" + name + "'");
  auto hash = hash_password(password);
  if (!hash) return hash.status();
  return (*store)->set_user_password(name, *hash);
}

}  // namespace mb::users
