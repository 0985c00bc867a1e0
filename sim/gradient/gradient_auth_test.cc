// GRADIENT-TOKEN decoding and the 401 for anything but a known vendor key with a connected
// partner's key (reference §1.2, §1.3, §11.1).
#include <gtest/gtest.h>

#include "sim/gradient/gradient_test_fixture.h"

namespace mb::sim::gradient_testing {
namespace {

TEST_F(GradientSimTest, TheReferenceExampleTokenReadsTheFlatIntegrationData) {
  start();
  // base64("vk_live_123:pk_456"), as printed in the reference.
  const Headers headers = {{"GRADIENT-TOKEN", "dmtfbGl2ZV8xMjM6cGtfNDU2"},
                           {"Accept", "application/json"}};
  const json::value integration = call_json("GET", api("/organization"), 200, "", headers);
  EXPECT_EQ(integration, json::parse(R"({
      "organizationId": "6650a1c2e4b0a1b2c3d4e5f6", "name": "Northwind IT",
      "vendorId": "6650a1c2e4b0a1b2c3d4e501", "vendorName": "Acme Security",
      "integrationId": "6650a1c2e4b0a1b2c3d4e5d2", "status": "pending",
      "lastSyncedAt": "1900-06-18T17:11:28.553Z"})"));
}

TEST_F(GradientSimTest, TheHeaderNameIsReadInAnyCase) {
  start();
  const std::string token = "dmtfbGl2ZV8xMjM6cGtfNDU2";
  for (const char* name : {"Gradient-Token", "gradient-token", "GRADIENT-TOKEN"}) {
    call_json("GET", api("/organization"), 200, "", {{name, token}});
  }
}

TEST_F(GradientSimTest, EachPartnerKeyOpensItsOwnOrganization) {
  start();
  const json::value contoso = as_partner(kContosoKey, "GET", "/organization", 200);
  EXPECT_EQ(contoso.at("organizationId"), kContosoOrganization);
  EXPECT_EQ(contoso.at("name"), "Contoso Managed Services");
  EXPECT_EQ(contoso.at("status"), "inactive");
}

TEST_F(GradientSimTest, AnUnknownPartnerKeyIs401) {
  start();
  EXPECT_EQ(as_partner("pk_wrong", "GET", "/organization", 401), nest_error(401, "Unauthorized"));
}

TEST_F(GradientSimTest, AnUnknownVendorKeyIs401) {
  start();
  EXPECT_EQ(call_json("GET", api("/organization"), 401, "",
                      token_headers(kNorthwindKey, "vk_someone_else")),
            nest_error(401, "Unauthorized"));
}

TEST_F(GradientSimTest, AMissingTokenIs401) {
  start();
  EXPECT_EQ(call_json("GET", api("/organization"), 401, "", {{"Accept", "application/json"}}),
            nest_error(401, "Unauthorized"));
}

TEST_F(GradientSimTest, ATokenThatIsNotPlainStandardBase64Is401) {
  start();
  // 26 bytes encode with one '=' of padding.
  const std::string token = gradient::encode_gradient_token(kVendorKey, kContosoKey);
  ASSERT_EQ(token.back(), '=');
  call_json("GET", api("/organization"), 200, "", {{"GRADIENT-TOKEN", token}});
  const std::string unpadded = token.substr(0, token.size() - 1);
  for (const std::string& wrong : {"Basic " + token, unpadded, std::string("not base64!"),
                                   std::string("dmtfbGl2ZV8xMjM6cGtfNDU2 extra")}) {
    EXPECT_EQ(call_json("GET", api("/organization"), 401, "", {{"GRADIENT-TOKEN", wrong}}),
              nest_error(401, "Unauthorized"))
        << wrong;
  }
}

TEST_F(GradientSimTest, ATokenWithoutTheColonSeparatorIs401) {
  start();
  // "vk_live_123pk_456": the keys run together.
  call_json("GET", api("/organization"), 401, "", {{"GRADIENT-TOKEN", "dmtfbGl2ZV8xMjNwa180NTY="}});
}

TEST_F(GradientSimTest, GetVendorAlsoChecksTheToken) {
  start();
  as_partner("pk_wrong", "GET", "", 401);
  EXPECT_EQ(as_partner(kNorthwindKey, "GET", "", 200).at("status"), 200);
}

TEST_F(GradientSimTest, AnUnknownRouteIsExpress404) {
  start();
  EXPECT_EQ(call_json("GET", api("/organisation"), 404),
            nest_error(404, "Cannot GET /api/vendor-api/organisation"));
  EXPECT_EQ(call_json("DELETE", api("/organization"), 404),
            nest_error(404, "Cannot DELETE /api/vendor-api/organization"));
}

}  // namespace
}  // namespace mb::sim::gradient_testing
