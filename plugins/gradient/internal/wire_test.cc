#include "internal/wire.h"

#include <gtest/gtest.h>

namespace meterbridge::gradient {
namespace {

TEST(GradientWire, ReadsTheFlatIntegrationAndTheStatusRoutesEnvelope) {
  auto flat = parse_integration(
      R"({"organizationId":"6650a1c2e4b0a1b2c3d4e5f6","name":"Northwind IT","vendorId":"6650a1c2e4b0a1b2c3d4e501",
          "vendorName":"Acme Security","integrationId":"6650a1c2e4b0a1b2c3d4e5d2","status":"pending",
          "lastSyncedAt":"1900-06-18T17:11:28.553Z"})");
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->name, "Northwind IT");
  EXPECT_EQ(flat->status, "pending");
  EXPECT_EQ(flat->last_synced_at, "1900-06-18T17:11:28.553Z");

  auto wrapped = parse_integration(
      R"({"data":{"organizationId":"x","name":"Northwind IT","status":"inactive"},"status":200,
          "message":"Success - Updated Integration Status"})");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(wrapped->status, "inactive");

  EXPECT_FALSE(parse_integration("<html>login</html>"));
  EXPECT_FALSE(parse_integration(R"({"hello":"world"})"));
}

TEST(GradientWire, AccountsAreABareArrayWithStringIds) {
  auto accounts = parse_accounts(
      R"([{"id":"cust-7f3a","name":"Northwind Dental","description":""},{"id":42,"name":"Numeric"},{"name":"no id"},7])");
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ((*accounts)[0].id, "cust-7f3a");
  EXPECT_EQ((*accounts)[1].id, "42");
  EXPECT_TRUE(parse_accounts(R"({"data":[]})"));
  EXPECT_FALSE(parse_accounts(R"({"statusCode":404,"message":"Vendor Profile Not Found"})"));
}

TEST(GradientWire, SkusComeWrappedFromGetVendorAndUnwrappedFromCreateService) {
  auto wrapped = parse_vendor_skus(
      R"j({"status":200,"data":{"id":"v1","skus":[{"id":"6650a1c2e4b0a1b2c3d4e777","_id":"6650a1c2e4b0a1b2c3d4e777",
          "name":"Acme EDR","category":"security","subcategory":"endpoint detection and response (EDR)"}]},
          "message":"Success - Retrieved Vendor"})j");
  ASSERT_TRUE(wrapped);
  ASSERT_EQ(wrapped->size(), 1u);
  EXPECT_EQ((*wrapped)[0].id, "6650a1c2e4b0a1b2c3d4e777");
  EXPECT_EQ((*wrapped)[0].category, "security");

  auto unwrapped = parse_vendor_skus(R"({"id":"v1","skus":[{"_id":"legacy-only","name":"Old"}]})");
  ASSERT_TRUE(unwrapped);
  EXPECT_EQ((*unwrapped)[0].id, "legacy-only");
  EXPECT_FALSE(parse_vendor_skus(R"({"status":200,"data":{"name":"no skus"}})"));
}

TEST(GradientWire, ClientsAcceptObjectsOrTheSdksStrings) {
  auto objects = parse_clients(
      R"({"meta":{"count":2},"clients":[{"id":"c1","name":"Northwind"},{"_id":"c2"}]})");
  ASSERT_TRUE(objects);
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[1].name, "c2");
  auto strings = parse_clients(R"({"clients":["Northwind Dental"]})");
  ASSERT_TRUE(strings);
  EXPECT_EQ((*strings)[0].id, "Northwind Dental");
  EXPECT_FALSE(parse_clients(R"({"meta":{}})"));
}

TEST(GradientWire, ErrorTextTakesNestsMessageStringOrArray) {
  EXPECT_EQ(error_text(R"({"statusCode":404,"message":"No account map found with id: cust-7f3a"})"),
            "No account map found with id: cust-7f3a");
  EXPECT_EQ(
      error_text(
          R"({"statusCode":400,"message":["unitCount must be a number","accountId must be a string"],
                           "error":"Bad Request"})"),
      "unitCount must be a number; accountId must be a string");
  EXPECT_EQ(error_text(R"({"statusCode":401,"error":"Unauthorized"})"), "Unauthorized");
  EXPECT_EQ(error_text("Bad Gateway\n"), "Bad Gateway ");
  EXPECT_EQ(error_text(""), "");
  EXPECT_LE(error_text(std::string(5000, 'x')).size(), 303u);
}

}  // namespace
}  // namespace meterbridge::gradient
