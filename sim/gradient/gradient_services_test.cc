// The vendor profile with its skus, and services: the exact category and subcategory values,
// the unwrapped create answer and the wrapped reads (reference §5, §11.6).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

constexpr char kNewService[] = R"({
    "name": "Acme DNS Filter - protected users", "description": "Users behind Acme DNS filtering",
    "category": "security", "subcategory": "DNS filtering",
    "supportArticle": "https://acme.example/kb/dns", "supportContact": "support@acme.example"})";

json::value sku_named(const json::value& skus, const std::string& name) {
  for (const json::value& sku : skus.as_array()) {
    if (sku.at("name") == name.c_str()) return sku;
  }
  return nullptr;
}

TEST_F(GradientSimTest, TheVendorProfileIsWrappedAndListsTheSkus) {
  start();
  const json::value vendor = as_partner(kNorthwindKey, "GET", "", 200);
  EXPECT_EQ(vendor.at("status"), 200);
  EXPECT_EQ(vendor.at("message"), "Success - Retrieved Vendor");
  const json::value& data = vendor.at("data");
  EXPECT_EQ(data.at("integrationType"), "custom");
  EXPECT_EQ(data.at("_id"), data.at("id"));
  ASSERT_EQ(data.at("skus").as_array().size(), 2u);
  const json::value edr = data.at("skus").at(0);
  EXPECT_EQ(edr.at("id"), kEdrService);
  EXPECT_EQ(edr.at("_id"), kEdrService);
  EXPECT_EQ(edr.at("category"), "security");
  EXPECT_EQ(edr.at("subcategory"), "endpoint detection and response (EDR)");
}

TEST_F(GradientSimTest, CreateAnswersTheWholeVendorUnwrapped) {
  start();
  const json::value vendor = as_partner(kNorthwindKey, "POST", "/service", 201, kNewService);
  EXPECT_FALSE(vendor.as_object().contains("data"));
  const json::value sku = sku_named(vendor.at("skus"), "Acme DNS Filter - protected users");
  ASSERT_FALSE(sku.is_null()) << json::serialize(vendor);
  const std::string id(sku.at("id").as_string());
  EXPECT_EQ(id.size(), 24u);
  EXPECT_EQ(sku.at("_id"), sku.at("id"));
  EXPECT_EQ(sku.at("supportArticle"), "https://acme.example/kb/dns");
  // Reads wrap it again.
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "", 200).at("data").at("skus").as_array().size(), 3u);
  const json::value read = as_partner(kNorthwindKey, "GET", "/service/" + id, 200);
  EXPECT_EQ(read.at("status"), 200);
  EXPECT_EQ(read.at("data"), sku);
}

TEST_F(GradientSimTest, TheCategoryIsCaseSensitive) {
  start();
  const json::value error = as_partner(kNorthwindKey, "POST", "/service", 400, R"({
      "name": "X", "description": "X", "category": "Security", "subcategory": "DNS filtering"})");
  EXPECT_TRUE(has_message(error,
                          "category must be one of the following values: security, backup, "
                          "productivity, infrastructure, service delivery, consulting, other"))
      << json::serialize(error);
}

TEST_F(GradientSimTest, TheSubcategoryUsesGradientsOwnSpelling) {
  start();
  const std::string correct_english = R"json({"name": "Acme PAM", "description": "PAM",
      "category": "security",
      "subcategory": "privileged access and identity management (PAM/PIM)"})json";
  const json::value error = as_partner(kNorthwindKey, "POST", "/service", 400, correct_english);
  EXPECT_EQ(error.at("message").as_array().size(), 1u) << json::serialize(error);
  as_partner(kNorthwindKey, "POST", "/service", 201, R"json({"name": "Acme PAM",
      "description": "PAM", "category": "security",
      "subcategory": "priviledged access and identity management (PAM/PIM)"})json");
  as_partner(kNorthwindKey, "POST", "/service", 400, R"({"name": "Acme DNS", "description": "D",
      "category": "security", "subcategory": "dns filtering"})");
}

TEST_F(GradientSimTest, CreateChecksEveryRequiredField) {
  start();
  const json::value error = as_partner(kNorthwindKey, "POST", "/service", 400, "{}");
  for (const char* field : {"name", "description", "category", "subcategory"}) {
    EXPECT_TRUE(has_message(error, std::string(field) + " should not be empty")) << field;
  }
}

TEST_F(GradientSimTest, TheSameNameTwiceMakesTwoServices) {
  start();
  as_partner(kNorthwindKey, "POST", "/service", 201, kNewService);
  const json::value vendor = as_partner(kNorthwindKey, "POST", "/service", 201, kNewService);
  const json::array& skus = vendor.at("skus").as_array();
  ASSERT_EQ(skus.size(), 4u);
  EXPECT_EQ(skus[2].at("name"), skus[3].at("name"));
  EXPECT_NE(skus[2].at("id"), skus[3].at("id"));
}

TEST_F(GradientSimTest, AServiceIdThatIsNotAnObjectIdIs400AndAnUnknownOneIs404) {
  start();
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/service/edr", 400),
            nest_error(400, "You have provided an invalid Id type"));
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "/service/6650a1c2e4b0a1b2c3d4e000", 404),
            nest_error(404, "No service found with id: 6650a1c2e4b0a1b2c3d4e000"));
}

TEST_F(GradientSimTest, UpdateServiceTakesAnEmptyBodyOrNewFields) {
  start();
  const std::string path = std::string("/service/") + kEmailService;
  EXPECT_EQ(as_partner(kNorthwindKey, "PATCH", path, 200).at("data").at("name"),
            "Acme Email Security - protected users");
  const json::value updated =
      as_partner(kNorthwindKey, "PATCH", path, 200, R"({"description": "Protected mailboxes"})");
  EXPECT_EQ(updated.at("data").at("description"), "Protected mailboxes");
  as_partner(kNorthwindKey, "PATCH", path, 400, R"({"category": "Backup"})");
}

TEST_F(GradientSimTest, UpdateVendorNeedsAtLeastOneField) {
  start();
  as_partner(kNorthwindKey, "PATCH", "", 400, "{}");
  const json::value updated = as_partner(kNorthwindKey, "PATCH", "", 200,
                                         R"({"vendorSupportPageUrl": "https://x.example"})");
  EXPECT_EQ(updated.at("status"), 200);
  EXPECT_EQ(updated.at("data").at("vendorSupportPageUrl"), "https://x.example");
}

}  // namespace
}  // namespace mb::sim::gradient_testing
