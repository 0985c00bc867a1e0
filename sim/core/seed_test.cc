#include "sim/core/seed.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

TEST(SimGenerateSpecTest, ParsesCountsAndSeed) {
  GenerateSpec spec = GenerateSpec::parse("companies=2000, services=10,seed=42");
  EXPECT_EQ(spec.get("companies", 0), 2000);
  EXPECT_EQ(spec.get("services", 0), 10);
  EXPECT_EQ(spec.seed(), 42u);
  EXPECT_EQ(spec.get("contracts", 7), 7);
}

TEST(SimGenerateSpecTest, SeedDefaultsToOne) {
  EXPECT_EQ(GenerateSpec::parse("items=5").seed(), 1u);
}

TEST(SimGenerateSpecTest, RejectsMalformedItems) {
  EXPECT_THROW(GenerateSpec::parse("companies"), SeedError);
  EXPECT_THROW(GenerateSpec::parse("companies=many"), SeedError);
  EXPECT_THROW(GenerateSpec::parse("companies=-1"), SeedError);
}

TEST(SimGenerateSpecTest, RequireOnlyNamesTheUnknownKey) {
  GenerateSpec spec = GenerateSpec::parse("itmes=5");
  try {
    spec.require_only({"items", "seed"});
    FAIL() << "expected SeedError";
  } catch (const SeedError& error) {
    EXPECT_NE(std::string(error.what()).find("itmes"), std::string::npos);
  }
}

TEST(SimDeterministicRandomTest, SameSeedSameSequence) {
  DeterministicRandom a(42);
  DeterministicRandom b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(SimDeterministicRandomTest, KnownFirstValueKeepsGeneratedDataStableAcrossBuilds) {
  // SplitMix64's published first output for seed 0; if this changes, every generated data set
  // changes with it.
  DeterministicRandom random(0);
  EXPECT_EQ(random.next(), 0xE220A8397B1DCDAFULL);
}

TEST(SimDeterministicRandomTest, UniformStaysInRange) {
  DeterministicRandom random(7);
  for (int i = 0; i < 1000; ++i) {
    const int64_t value = random.uniform(-3, 3);
    EXPECT_GE(value, -3);
    EXPECT_LE(value, 3);
    const double unit = random.unit();
    EXPECT_GE(unit, 0.0);
    EXPECT_LT(unit, 1.0);
  }
}

TEST(SimGeneratedCompanyNameTest, IsDeterministicAndIndexed) {
  DeterministicRandom a(3);
  DeterministicRandom b(3);
  const std::string name = generated_company_name(a, 12);
  EXPECT_EQ(name, generated_company_name(b, 12));
  EXPECT_TRUE(name.ends_with(" 0012")) << name;
}

}  // namespace
}  // namespace mb::sim
