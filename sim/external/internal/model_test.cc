// Links stay one-to-one, and counts belong to the customer, not to the link.
#include "sim/external/internal/model.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sim/external/internal/api_error.h"
#include "sim/external/internal/seed_data.h"

namespace mb::sim::external {
namespace {

constexpr const char* kNow = "2026-11-21T02:00:07Z";

Ledger seeded() { return load_seed_document(default_seed_document(), kNow); }

TEST(Ledger, ALinkIsCreatedOnceThenKeptOrMoved) {
  Ledger ledger = seeded();
  EXPECT_TRUE(ledger.put_link("ws-1", "c-1001", "One", kNow));
  EXPECT_FALSE(ledger.put_link("ws-1", "c-1001", std::nullopt, "2027-01-01T00:00:00Z"));
  EXPECT_EQ(ledger.links.at("ws-1").linked_at, kNow);  // same customer: not re-linked
  EXPECT_FALSE(ledger.links.at("ws-1").vendor_customer_name.has_value());

  EXPECT_FALSE(ledger.put_link("ws-1", "c-1002", std::nullopt, kNow));  // moves
  EXPECT_EQ(ledger.link_for_customer("c-1001"), nullptr);
  ASSERT_NE(ledger.link_for_customer("c-1002"), nullptr);
  EXPECT_EQ(ledger.link_for_customer("c-1002")->vendor_customer_id, "ws-1");
}

TEST(Ledger, RefusesACustomerLinkedElsewhereAndAnUnknownCustomer) {
  Ledger ledger = seeded();
  ledger.put_link("ws-1", "c-1001", std::nullopt, kNow);
  try {
    ledger.put_link("ws-2", "c-1001", std::nullopt, kNow);
    FAIL() << "linked twice";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.status(), 409);
    EXPECT_EQ(error.code(), "customer_already_linked");
    EXPECT_EQ(error.details().at("vendor_customer_id").as_string(), "ws-1");
  }
  try {
    ledger.put_link("ws-2", "c-404", std::nullopt, kNow);
    FAIL() << "linked to nothing";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.status(), 422);
    EXPECT_EQ(error.code(), "unknown_customer");
  }
  EXPECT_EQ(ledger.links.size(), 1u);
  EXPECT_EQ(ledger.linked_vendor_ids.size(), 1u);
}

TEST(Ledger, UnlinkingKeepsTheCustomersCounts) {
  Ledger ledger = seeded();
  ledger.put_link("ws-1", "c-1001", std::nullopt, kNow);
  ledger.counts[CountKey{"c-1001", "coro-edr", "devices"}] = Count{7, "2026-11-21", kNow, 1};
  ledger.delete_link("ws-1");
  ledger.delete_link("ws-1");  // harmless
  EXPECT_TRUE(ledger.links.empty());
  EXPECT_EQ(ledger.counts_of("c-1001").size(), 1u);
}

TEST(Identifiers, AreBoundedAndFreeOfControlCharacters) {
  EXPECT_TRUE(valid_id("c-1001"));
  EXPECT_TRUE(valid_id("O'Brien & Sons/42"));
  EXPECT_FALSE(valid_id(""));
  EXPECT_FALSE(valid_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_id("tab\there"));
  EXPECT_TRUE(valid_vendor_customer_id("ws:88@eu"));
  EXPECT_FALSE(valid_vendor_customer_id("ws/88"));
}

}  // namespace
}  // namespace mb::sim::external
