#include "sim/gradient/internal/seed_data.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "sim/gradient/internal/model.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

World load(const json::value& seed) {
  IdSource ids(1);
  return parse_world(seed, ids);
}

TEST(GradientSeed, TheDefaultSeedHoldsTheReferenceExamples) {
  const World world = load(default_gradient_seed());
  EXPECT_EQ(world.vendor.vendor_key, kDefaultVendorKey);
  ASSERT_EQ(world.partners.size(), 2u);
  const Partner& northwind = world.partners[0];
  EXPECT_EQ(northwind.partner_key, kDefaultPartnerKey);
  EXPECT_EQ(northwind.organization_id, "6650a1c2e4b0a1b2c3d4e5f6");
  EXPECT_EQ(northwind.account_to_client.size(), 1u);
  EXPECT_TRUE(northwind.is_service_mapped("6650a1c2e4b0a1b2c3d4e777"));
  EXPECT_EQ(world.partners[1].partner_key, kSecondPartnerKey);
  EXPECT_EQ(world.partners[1].status, "inactive");
}

TEST(GradientSeed, GenerationIsDeterministic) {
  const std::string spec = "partners=2,accounts=25,clients=30,services=3,seed=9";
  EXPECT_EQ(json::serialize(generate_gradient_seed(GenerateSpec::parse(spec))),
            json::serialize(generate_gradient_seed(GenerateSpec::parse(spec))));
  EXPECT_NE(json::serialize(generate_gradient_seed(GenerateSpec::parse(spec))),
            json::serialize(generate_gradient_seed(
                GenerateSpec::parse("partners=2,accounts=25,clients=30,services=3,seed=10"))));
}

TEST(GradientSeed, AGeneratedSeedLoadsWithItsMappings) {
  const World world = load(generate_gradient_seed(
      GenerateSpec::parse("partners=2,accounts=25,clients=30,services=3,seed=9")));
  ASSERT_EQ(world.partners.size(), 2u);
  EXPECT_EQ(world.vendor.services.size(), 3u);
  for (const Partner& partner : world.partners) {
    EXPECT_EQ(partner.accounts.size(), 25u);
    EXPECT_EQ(partner.clients.size(), 30u);
    // Every tenth account is left unmapped.
    EXPECT_EQ(partner.account_to_client.size(), 23u);
    EXPECT_EQ(partner.service_to_product.size(), 3u);
    EXPECT_EQ(partner.status, "pending");
  }
  EXPECT_EQ(world.partners[0].partner_key, "pk_gen_1");
  EXPECT_EQ(world.partners[1].partner_key, "pk_gen_2");
  // A mapped account's client has its very name.
  const Partner& first = world.partners[0];
  const Account& account = first.accounts[0];
  EXPECT_EQ(first.find_client(first.account_to_client.at(account.record_id))->name, account.name);
}

TEST(GradientSeed, UnknownKeysAndValuesOutOfRangeAreRefused) {
  EXPECT_THROW(generate_gradient_seed(GenerateSpec::parse("acounts=5")), SeedError);
  EXPECT_THROW(generate_gradient_seed(GenerateSpec::parse("partners=0")), SeedError);
  EXPECT_THROW(generate_gradient_seed(GenerateSpec::parse("accounts=-1")), SeedError);
}

TEST(GradientSeed, SeedMistakesAreNamed) {
  json::value seed = default_gradient_seed();
  seed.at("vendor").at("skus").at(0).as_object()["category"] = "Security";
  EXPECT_THROW(load(seed), SeedError);

  seed = default_gradient_seed();
  seed.at("partners").at(0).at("accountMappings").at(0).as_object()["accountId"] = "nobody";
  EXPECT_THROW(load(seed), SeedError);

  seed = default_gradient_seed();
  seed.at("partners").at(1).as_object()["partnerKey"] = kDefaultPartnerKey;
  EXPECT_THROW(load(seed), SeedError);

  seed = default_gradient_seed();
  seed.at("partners").at(0).as_object()["status"] = "Active";
  EXPECT_THROW(load(seed), SeedError);
}

}  // namespace
}  // namespace mb::sim::gradient
