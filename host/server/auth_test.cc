#include "host/server/auth.h"

#include <gtest/gtest.h>

#include "host/app/users.h"
#include "host/store/store.h"

namespace mb::server {
namespace {

constexpr int64_t kMinute = 60 * 1000;

TEST(SignInLimiterTest, FiveFailuresLockTheUserOutUntilTheOldestLeavesTheWindow) {
  FakeClock clock{1'000'000};
  SignInLimiter limiter(clock, {.per_user = 5, .per_address = 20, .window_ms = 15 * kMinute});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.wait_ms("ana", "10.0.0.1"), 0);
    limiter.record_failure("ana", "10.0.0.1");
    clock.advance_ms(kMinute);
  }
  // The first failure was 5 minutes ago: 10 more minutes until it leaves the window.
  EXPECT_EQ(limiter.wait_ms("ana", "10.0.0.2"), 10 * kMinute);
  EXPECT_EQ(limiter.wait_ms("bob", "10.0.0.2"), 0) << "another user from another address";
  clock.advance_ms(10 * kMinute);
  EXPECT_EQ(limiter.wait_ms("ana", "10.0.0.1"), 0);
}

TEST(SignInLimiterTest, ManyNamesFromOneAddressLockTheAddressOut) {
  FakeClock clock{1'000'000};
  SignInLimiter limiter(clock, {.per_user = 5, .per_address = 3, .window_ms = kMinute});
  limiter.record_failure("a", "10.0.0.9");
  limiter.record_failure("b", "10.0.0.9");
  limiter.record_failure("c", "10.0.0.9");
  EXPECT_GT(limiter.wait_ms("d", "10.0.0.9"), 0);
  EXPECT_EQ(limiter.wait_ms("d", "10.0.0.8"), 0);
}

TEST(SignInLimiterTest, ASuccessClearsTheUsersFailures) {
  FakeClock clock{1'000'000};
  SignInLimiter limiter(clock, {.per_user = 2, .per_address = 20, .window_ms = kMinute});
  limiter.record_failure("ana", "x");
  limiter.record_success("ana");
  limiter.record_failure("ana", "x");
  EXPECT_EQ(limiter.wait_ms("ana", "x"), 0);
}

TEST(CookieTest, TheSessionCookieIsReadAmongOthersAndSetStrictAndHttpOnly) {
  EXPECT_EQ(cookie_value("a=1; mb_session=abc; b=2", "mb_session"), "abc");
  EXPECT_EQ(cookie_value("mb_session_x=1", "mb_session"), std::nullopt);
  EXPECT_EQ(cookie_value("", "mb_session"), std::nullopt);
  std::string plain = session_cookie("v", false);
  EXPECT_NE(plain.find("HttpOnly"), std::string::npos);
  EXPECT_NE(plain.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(plain.find("Secure"), std::string::npos);
  EXPECT_NE(session_cookie("v", true).find("; Secure"), std::string::npos);
  EXPECT_NE(cleared_session_cookie(true).find("Max-Age=0"), std::string::npos);
}

class SessionKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({.path = ":memory:", .key_file = "", .clock = &clock_});
    ASSERT_TRUE(store) << store.status().message();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->create_user({"ana", "partner_admin", "msp-a", "$argon2id$x", ""}).ok());
  }
  UserRecord ana() { return **store_->get_user("ana"); }

  FakeClock clock_{1'000'000};
  std::unique_ptr<Store> store_;
  SessionKeeper keeper_{clock_, {.idle_ms = 30 * kMinute, .absolute_ms = 120 * kMinute}};
};

TEST_F(SessionKeeperTest, TheStoreKeepsAHashOfTheCookieAndTheSessionResumesAsItsUser) {
  auto started = keeper_.start(*store_, ana());
  ASSERT_TRUE(started) << started.status().message();
  EXPECT_EQ(started->cookie_value.size(), 64u);
  EXPECT_FALSE(store_->get_session(started->cookie_value)->has_value());
  auto resumed = keeper_.resume(*store_, started->cookie_value);
  ASSERT_TRUE(resumed && resumed->has_value());
  EXPECT_EQ((*resumed)->partner_id, "msp-a");
  EXPECT_TRUE((*resumed)->by_session);
  EXPECT_EQ((*resumed)->csrf_token, started->principal.csrf_token);
  EXPECT_NE((*resumed)->csrf_token, started->cookie_value);
  EXPECT_FALSE(keeper_.resume(*store_, "not-a-session")->has_value());
}

TEST_F(SessionKeeperTest, ASessionEndsWhenIdleTooLongOrTooOldHoweverBusy) {
  auto idle = keeper_.start(*store_, ana());
  auto busy = keeper_.start(*store_, ana());
  for (int i = 0; i < 4; ++i) {  // 100 minutes, a request every 25
    clock_.advance_ms(25 * kMinute);
    EXPECT_TRUE(keeper_.resume(*store_, busy->cookie_value)->has_value()) << i;
  }
  EXPECT_FALSE(keeper_.resume(*store_, idle->cookie_value)->has_value());
  EXPECT_FALSE(store_->get_session(session_hash(idle->cookie_value))->has_value())
      << "an expired session is deleted";
  clock_.advance_ms(20 * kMinute);
  EXPECT_FALSE(keeper_.resume(*store_, busy->cookie_value)->has_value()) << "past 120 minutes";
}

TEST_F(SessionKeeperTest, StartingASessionSweepsAwayExpiredOnes) {
  auto abandoned = keeper_.start(*store_, ana());
  clock_.advance_ms(31 * kMinute);
  auto fresh = keeper_.start(*store_, ana());
  EXPECT_FALSE(store_->get_session(session_hash(abandoned->cookie_value))->has_value());
  EXPECT_TRUE(store_->get_session(session_hash(fresh->cookie_value))->has_value());
}

TEST(SignInLimiterTest, ExpiredCountsOfManyNamesAreForgotten) {
  FakeClock clock{1'000'000};
  SignInLimiter limiter(clock, {.per_user = 1, .per_address = 1'000'000, .window_ms = kMinute});
  for (int i = 0; i < 20'000; ++i) limiter.record_failure("user" + std::to_string(i), "x");
  clock.advance_ms(2 * kMinute);
  limiter.record_failure("late", "x");
  EXPECT_EQ(limiter.wait_ms("user1", "y"), 0);
  EXPECT_GT(limiter.wait_ms("late", "y"), 0);
}

TEST_F(SessionKeeperTest, SigningOutOrRemovingTheUserEndsTheSession) {
  auto first = keeper_.start(*store_, ana());
  ASSERT_TRUE(keeper_.end(*store_, first->cookie_value).ok());
  EXPECT_FALSE(keeper_.resume(*store_, first->cookie_value)->has_value());
  auto second = keeper_.start(*store_, ana());
  ASSERT_TRUE(store_->delete_user("ana").ok());
  EXPECT_FALSE(keeper_.resume(*store_, second->cookie_value)->has_value());
}

TEST(UsersTest, PasswordsAreHashedWithArgon2idAndVerified) {
  auto hash = users::hash_password("correct horse battery");
  ASSERT_TRUE(hash) << hash.status().message();
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(users::password_matches(*hash, "correct horse battery"));
  EXPECT_FALSE(users::password_matches(*hash, "correct horse battery "));
  EXPECT_FALSE(users::password_matches("not a hash", "x"));
  EXPECT_FALSE(users::password_matches("", ""));
}

TEST(UsersTest, NewUsersAndPasswordsAreCheckedWithTheReason) {
  EXPECT_EQ(users::check_password("short").code(), ErrorClass::kConfigInvalid);
  EXPECT_TRUE(users::check_password("twelve chars").ok());
  EXPECT_TRUE(users::check_new_user({"ana", "partner_admin", "msp-a"}).ok());
  EXPECT_TRUE(users::check_new_user({"vera@vendor.example", "vendor_admin", ""}).ok());
  Status no_partner = users::check_new_user({"ana", "partner_admin", ""});
  EXPECT_NE(no_partner.message().find("partner_id"), std::string::npos);
  EXPECT_NE(users::check_new_user({"ana", "root", ""}).message().find("role"), std::string::npos);
  EXPECT_NE(users::check_new_user({"a b", "vendor_admin", ""}).message().find("name"),
            std::string::npos);
  EXPECT_FALSE(users::check_new_user({"vera", "vendor_admin", "msp-a"}).ok());
}

}  // namespace
}  // namespace mb::server
