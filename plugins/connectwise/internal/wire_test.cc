#include "internal/wire.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meterbridge::connectwise {
namespace {

boost::json::object object(std::string_view text) { return boost::json::parse(text).as_object(); }

TEST(ParseCompanyInfo, ReadsThePascalCaseBodyWithIsCloudAsAString) {
  CompanyInfoReply r = parse_company_info(
      R"({"CompanyName":"Northwind IT","Codebase":"v2025_1/","VersionCode":"v2025.1","VersionNumber":"v4.6.12345","CompanyID":"northwind","IsCloud":"True"})");
  ASSERT_EQ(r.kind, CompanyInfoReply::Kind::kFound);
  EXPECT_EQ(r.info.codebase, "v2025_1/");
  EXPECT_EQ(r.info.company_name, "Northwind IT");
  EXPECT_EQ(r.info.version_code, "v2025.1");
  EXPECT_TRUE(r.info.is_cloud);
}

TEST(ParseCompanyInfo, AddsAMissingTrailingSlashAndReadsOnPremise) {
  CompanyInfoReply r = parse_company_info(R"({"Codebase":"v4_6_release","IsCloud":"False"})");
  ASSERT_EQ(r.kind, CompanyInfoReply::Kind::kFound);
  EXPECT_EQ(r.info.codebase, "v4_6_release/");
  EXPECT_FALSE(r.info.is_cloud);
}

TEST(ParseCompanyInfo, NullMeansAnUnknownCompany) {
  EXPECT_EQ(parse_company_info("null").kind, CompanyInfoReply::Kind::kUnknownCompany);
}

TEST(ParseCompanyInfo, RefusesBodiesThatCannotNameACodebase) {
  for (const char* body :
       {"<html>login</html>", "[]", "{}", R"({"Codebase":"../x/"})", R"({"Codebase":"a/b/"})",
        R"({"Codebase":"v1?x=/"})", R"({"Codebase":"/"})"})
    EXPECT_EQ(parse_company_info(body).kind, CompanyInfoReply::Kind::kMalformed) << body;
}

TEST(ErrorText, JoinsTheMessageWithEachValidationError) {
  EXPECT_EQ(
      error_text(
          R"({"code":"InvalidObject","message":"pageSize object is invalid","errors":[{"code":"OutOfRange","message":"The field pageSize must be between 1 and 100.","resource":"pageSize","field":"pageSize"}]})"),
      "InvalidObject: pageSize object is invalid (The field pageSize must be between 1 and 100.)");
  EXPECT_EQ(error_text(R"({"code":"Security","message":"SSL is required.","errors":null})"),
            "Security: SSL is required.");
}

TEST(ErrorText, ReadsThe429BodyShape) {
  EXPECT_EQ(
      error_text(
          R"({"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."})"),
      "Too many requests. Please try again in 30 seconds.");
}

TEST(ErrorText, QuotesTheStartOfANonJsonBodyOnOneLine) {
  EXPECT_EQ(error_text("Bad\nRequest"), "Bad Request");
  EXPECT_EQ(error_text(""), "");
}

TEST(CompanyRow, ReadsReferencesAndFlags) {
  auto row = company_row(object(
      R"({"id":250,"identifier":"NWD","name":"Northwind Dental","status":{"id":1,"name":"Active","_info":{}},"types":[{"id":1,"name":"Client"}],"deletedFlag":false})"));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->id, 250);
  EXPECT_EQ(row->identifier, "NWD");
  EXPECT_EQ(row->status, "Active");
  ASSERT_EQ(row->types.size(), 1u);
  EXPECT_EQ(row->types[0], "Client");
  EXPECT_FALSE(row->deleted);
  EXPECT_FALSE(row->inactive());
  EXPECT_FALSE(company_row(object(R"({"name":"no id"})")));
  EXPECT_TRUE(company_row(object(R"({"id":1,"status":{"name":"INACTIVE"}})"))->inactive());
  EXPECT_FALSE(company_row(object(R"({"id":1,"status":{"name":"Inactive2"}})"))->inactive());
}

TEST(CatalogRow, ReadsIdentifierDescriptionAndClass) {
  auto row = catalog_row(object(
      R"({"id":55,"identifier":"EPP-DEVICE","description":"Endpoint protection per device","price":4.5,"recurringFlag":true,"productClass":"Service"})"));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->id, 55);
  EXPECT_EQ(row->identifier, "EPP-DEVICE");
  EXPECT_EQ(row->product_class, "Service");
  EXPECT_EQ(row->recurring, true);
}

TEST(AgreementRow, NeedsTheCompanyReference) {
  auto row = agreement_row(
      object(R"({"id":9001,"name":"Managed Services","company":{"id":250,"identifier":"NWD"}})"));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->company_id, 250);
  EXPECT_FALSE(agreement_row(object(R"({"id":9001,"name":"x"})")));
}

TEST(AdditionRow, ReadsQuantityAsADoubleAndCancellation) {
  auto row = addition_row(
      object(
          R"({"id":77,"product":{"id":55,"identifier":"EPP-DEVICE","_info":{}},"quantity":40.0,"cancelledDate":null,"agreementId":9001})"),
      9001);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->product_id, 55);
  EXPECT_EQ(row->agreement_id, 9001);
  EXPECT_EQ(row->quantity, 40.0);
  EXPECT_FALSE(row->cancelled);

  auto cancelled = addition_row(
      object(
          R"({"id":78,"product":{"id":55},"quantity":null,"cancelledDate":"2025-03-01T00:00:00Z"})"),
      9001);
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(cancelled->cancelled);
  EXPECT_EQ(cancelled->quantity, std::nullopt);
}

TEST(AdditionRow, RefusesARowOfAnotherAgreement) {
  EXPECT_FALSE(addition_row(object(R"({"id":77,"product":{"id":55},"agreementId":9002})"), 9001));
  EXPECT_FALSE(addition_row(object(R"({"id":77})"), 9001));
}

TEST(ParseId, AcceptsPositiveInt32DigitsOnly) {
  EXPECT_EQ(parse_id("250"), 250);
  EXPECT_EQ(parse_id("2147483647"), 2147483647);
  EXPECT_EQ(parse_id("2147483648"), std::nullopt);
  EXPECT_EQ(parse_id("0"), std::nullopt);
  EXPECT_EQ(parse_id("-1"), std::nullopt);
  EXPECT_EQ(parse_id("25a"), std::nullopt);
  EXPECT_EQ(parse_id(""), std::nullopt);
}

}  // namespace
}  // namespace meterbridge::connectwise
