// Seeds: the built-in one loads, generated ones are deterministic, broken ones are refused.
#include "sim/external/internal/seed_data.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace mb::sim::external {
namespace {

namespace json = boost::json;

constexpr const char* kNow = "2026-11-21T02:00:07Z";

std::string load_error(const std::string& seed) {
  try {
    load_seed_document(json::parse(seed), kNow);
  } catch (const SeedError& error) {
    return error.what();
  }
  return "(loaded)";
}

TEST(ExternalSeed, TheBuiltInSeedHasServicesAndCustomersButNoLinks) {
  Ledger ledger = load_seed_document(default_seed_document(), kNow);
  EXPECT_EQ(ledger.services.size(), 5u);
  EXPECT_EQ(ledger.customers.size(), 5u);
  EXPECT_FALSE(ledger.customers.at("c-1005").active);
  EXPECT_EQ(ledger.customers.at("c-1004").name, "O'Brien & Sons Plumbing");
  EXPECT_TRUE(ledger.links.empty());
  EXPECT_EQ(ledger.integration.platform_name, "Example Distribution");
  EXPECT_EQ(ledger.services.at("coro-email-security").metrics, std::vector<std::string>{"users"});
}

TEST(ExternalSeed, GenerationIsDeterministicAndLinksTheFirstCustomers) {
  GenerateSpec spec = GenerateSpec::parse("customers=30,links=10,seed=7");
  EXPECT_EQ(json::serialize(generate_seed_document(spec)),
            json::serialize(generate_seed_document(spec)));
  Ledger ledger = load_seed_document(generate_seed_document(spec), kNow);
  EXPECT_EQ(ledger.customers.size(), 30u);
  EXPECT_EQ(ledger.links.size(), 10u);
  EXPECT_EQ(ledger.links.at("ws-00001").customer_id, "c-00001");
  EXPECT_EQ(ledger.link_for_customer("c-00011"), nullptr);
  EXPECT_FALSE(ledger.counts.empty());
  for (const auto& [key, count] : ledger.counts) {
    EXPECT_NE(ledger.link_for_customer(std::get<0>(key)), nullptr);
  }
  EXPECT_NE(json::serialize(generate_seed_document(GenerateSpec::parse("customers=30,seed=8"))),
            json::serialize(generate_seed_document(GenerateSpec::parse("customers=30,seed=7"))));
}

TEST(ExternalSeed, GenerateRefusesUnknownKeysAndImpossibleCounts) {
  EXPECT_THROW(generate_seed_document(GenerateSpec::parse("companies=3")), SeedError);
  EXPECT_THROW(generate_seed_document(GenerateSpec::parse("customers=3,links=4")), SeedError);
  EXPECT_THROW(generate_seed_document(GenerateSpec::parse("customers=-1")), SeedError);
}

TEST(ExternalSeed, RefusesInconsistentDocumentsNamingTheProblem) {
  const std::string services = R"("services":[{"id":"s","name":"S","metrics":["users"]}])";
  const std::string customers =
      R"("customers":[{"id":"c1","name":"One"},{"id":"c2","name":"Two"}])";
  EXPECT_EQ(load_error("{" + services + "," + customers + "}"), "(loaded)");
  EXPECT_NE(load_error("{" + customers + "}").find("\"services\" must be an array"),
            std::string::npos);
  EXPECT_NE(
      load_error(R"({"services":[{"id":"s","name":"S","metrics":["seats"]}],)" + customers + "}")
          .find("services[0].metrics"),
      std::string::npos);
  EXPECT_NE(
      load_error(R"({"services":[],"customers":[{"id":"c1","name":"A"},{"id":"c1","name":"B"}]})")
          .find("customer c1 appears twice"),
      std::string::npos);
  EXPECT_NE(load_error("{" + services + "," + customers +
                       R"(,"links":[{"vendor_customer_id":"w1","customer_id":"c9"}]})")
                .find("unknown customer c9"),
            std::string::npos);
  EXPECT_NE(load_error("{" + services + "," + customers +
                       R"(,"links":[{"vendor_customer_id":"w1","customer_id":"c1"},
                                    {"vendor_customer_id":"w2","customer_id":"c1"}]})")
                .find("customer c1 is linked twice"),
            std::string::npos);
  EXPECT_NE(load_error("{" + services + "," + customers +
                       R"(,"links":[{"vendor_customer_id":"w/1","customer_id":"c1"}]})")
                .find("without '/'"),
            std::string::npos);
  EXPECT_NE(
      load_error(
          "{" + services + "," + customers +
          R"(,"counts":[{"customer_id":"c1","service_id":"s","metric":"devices","quantity":1}]})")
          .find("not counted in devices"),
      std::string::npos);
}

}  // namespace
}  // namespace mb::sim::external
