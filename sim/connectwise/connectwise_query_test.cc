// Lists, counts and single records of the ConnectWise simulator with conditions, fields and
// orderBy, against the built-in seed (docs/simulators.md, "ConnectWise").
#include <gtest/gtest.h>

#include "sim/connectwise/connectwise_test_fixture.h"

namespace mb::sim::connectwise {
namespace {

using Ids = std::vector<int64_t>;

class ConnectWiseQueryTest : public ConnectWiseSimTest {
 protected:
  void SetUp() override { start(); }

  json::value where(const std::string& path, const std::string& conditions, int status = 200) {
    return get_json(api(path) + "?conditions=" + encode(conditions), status);
  }
};

TEST_F(ConnectWiseQueryTest, ListsAreBareArraysWithDecimalsWritten) {
  const RawResponse response = get(api("/company/companies"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(ids(json::parse(response.body)), (Ids{250, 251, 252, 253, 254}));
  const std::string additions = get(api("/finance/agreements/9001/additions")).body;
  EXPECT_NE(additions.find(R"("quantity":40.0)"), std::string::npos) << additions;
  const json::value addition = json::parse(additions).at(0);
  EXPECT_EQ(addition.at("product"),
            json::parse(R"({"id":55,"identifier":"EPP-DEVICE","_info":{}})"));
  EXPECT_EQ(addition.at("billCustomer"), "Billable");
  EXPECT_EQ(addition.at("agreementId"), 9001);
  EXPECT_EQ(addition.at("agreementStatus"), "Active");
}

TEST_F(ConnectWiseQueryTest, QuotedStringsWithApostrophesQuotesAndAmpersands) {
  EXPECT_EQ(ids(where("/company/companies", R"(name="Margie's Travel & Tours")")), Ids{252});
  EXPECT_EQ(ids(where("/company/companies", R"(name='The "Quoted" Company')")), Ids{253});
  EXPECT_EQ(ids(where("/company/companies", R"(name="The \"Quoted\" Company")")), Ids{253});
  EXPECT_EQ(ids(where("/company/companies", R"(identifier='nwd')")), Ids{250});  // ignoring case
}

TEST_F(ConnectWiseQueryTest, AnUnencodedAmpersandCutsTheConditions) {
  // "&" splits the query string, leaving an unterminated string: the platform answers 400.
  const json::value error = get_json(
      api("/company/companies") + "?conditions=name=%22Margie%27s%20Travel%20&%20Tours%22", 400);
  EXPECT_EQ(error.at("code"), "InvalidObject");
}

TEST_F(ConnectWiseQueryTest, NumbersNullAndNestedFields) {
  EXPECT_EQ(ids(where("/finance/agreements", "company/id=251")), (Ids{9002, 9004}));
  EXPECT_EQ(
      ids(where("/finance/agreements/9002/additions", "product/id=55 and cancelledDate=null")),
      Ids{80});
  EXPECT_EQ(ids(where("/finance/agreements/9002/additions", "cancelledDate != null")), Ids{79});
  EXPECT_EQ(ids(where("/finance/agreements", R"(company/identifier="MargiesTravel")")),
            (Ids{9003, 9005}));
  EXPECT_EQ(ids(where("/finance/agreements/9001/additions", "quantity > 12.5")), Ids{77});
}

TEST_F(ConnectWiseQueryTest, AndOrAndParentheses) {
  EXPECT_EQ(ids(where("/finance/agreements", R"(company/id=251 and agreementStatus="Active")")),
            Ids{9002});
  EXPECT_EQ(ids(where("/company/companies", "id=250 or id=254")), (Ids{250, 254}));
  EXPECT_EQ(ids(where("/company/companies", "(id=250 or id=254) and deletedFlag=false")), Ids{250});
}

TEST_F(ConnectWiseQueryTest, InContainsAndLike) {
  EXPECT_EQ(ids(where("/company/companies", "id in (250, 252, 999)")), (Ids{250, 252}));
  EXPECT_EQ(ids(where("/company/companies", R"(name contains "legal")")), Ids{251});
  EXPECT_EQ(ids(where("/company/companies", R"(name like "%Travel%")")), Ids{252});
  EXPECT_EQ(ids(where("/company/companies", R"(identifier like "N_D")")), Ids{250});
  EXPECT_EQ(ids(where("/procurement/catalog", R"(description like "Email & %")")), Ids{56});
}

TEST_F(ConnectWiseQueryTest, BooleansAndDateTimes) {
  EXPECT_EQ(ids(where("/procurement/catalog", "inactiveFlag=false")), (Ids{55, 56}));
  EXPECT_EQ(ids(where("/procurement/catalog", "inactiveFlag=True")), Ids{57});
  EXPECT_EQ(ids(where("/finance/agreements", "startDate < [2025-01-01T00:00:00Z]")), Ids{9004});
  EXPECT_EQ(ids(where("/finance/agreements/9002/additions", "cancelledDate < [2025-04-01]")),
            Ids{79});
}

TEST_F(ConnectWiseQueryTest, MalformedConditionsGive400WithThePlatformMessage) {
  const json::value unquoted = where("/company/companies", "name=Northwind", 400);
  EXPECT_EQ(unquoted.at("code"), "InvalidObject");
  EXPECT_NE(std::string(unquoted.at("message").as_string())
                .find("String values should be enclosed with double or single quotes"),
            std::string::npos);
  EXPECT_TRUE(unquoted.at("errors").is_null());
  const json::value wrong_type = where("/company/companies", "deletedFlag=1", 400);
  EXPECT_EQ(std::string(wrong_type.at("message").as_string())
                .rfind("Expected a boolean value, not a numeric. ", 0),
            0u);
  where("/company/companies", "nosuchfield=1", 400);
  where("/company/companies", "(id=1", 400);
}

TEST_F(ConnectWiseQueryTest, ChildAndCustomFieldConditions) {
  EXPECT_EQ(
      ids(get_json(api("/company/companies?childConditions=") + encode(R"(types/name="Client")")))
          .size(),
      5u);
  EXPECT_TRUE(get_json(api("/company/companies?childConditions=") + encode("types/id=2"))
                  .as_array()
                  .empty());
  EXPECT_TRUE(
      get_json(api("/company/companies?customFieldConditions=") + encode(R"(caption="Region")"))
          .as_array()
          .empty());
}

TEST_F(ConnectWiseQueryTest, FieldsGiveAPartialResponse) {
  const json::value companies =
      get_json(api("/company/companies?fields=id,identifier,name,status/id&pageSize=1"));
  EXPECT_EQ(companies,
            json::parse(
                R"([{"id":250,"identifier":"NWD","name":"Northwind Dental","status":{"id":1}}])"));
  EXPECT_EQ(get_json(api("/finance/agreements/9001/additions/77?fields=id,quantity")),
            json::parse(R"({"id":77,"quantity":40.0})"));
  EXPECT_EQ(get_json(api("/company/companies?fields=id,colour"), 400).at("code"), "InvalidObject");
}

TEST_F(ConnectWiseQueryTest, OrderByOneOrSeveralFields) {
  EXPECT_EQ(ids(get_json(api("/company/companies?orderBy=name%20desc"))),
            (Ids{253, 254, 250, 252, 251}));
  EXPECT_EQ(
      ids(get_json(api("/finance/agreements?orderBy=") + encode("company/name asc, id desc"))),
      (Ids{9004, 9002, 9005, 9003, 9001}));
  EXPECT_EQ(get_json(api("/company/companies?orderBy=nothing"), 400).at("code"), "InvalidObject");
}

TEST_F(ConnectWiseQueryTest, CountsUseTheSameConditions) {
  EXPECT_EQ(get_json(api("/company/companies/count")), json::parse(R"({"count":5})"));
  EXPECT_EQ(get_json(api("/company/companies/count?conditions=deletedFlag=false")).at("count"), 4);
  EXPECT_EQ(get_json(api("/procurement/catalog/count?conditions=inactiveFlag=false")).at("count"),
            2);
  EXPECT_EQ(
      get_json(api("/finance/agreements/count?conditions=") + encode(R"(agreementStatus="Active")"))
          .at("count"),
      4);
  EXPECT_EQ(get_json(api("/finance/agreements/9002/additions/count?conditions=cancelledDate=null"))
                .at("count"),
            1);
  get_json(api("/company/companies/count?conditions=name=x"), 400);
}

TEST_F(ConnectWiseQueryTest, SingleRecordsByIdAndUnderTheirParent) {
  EXPECT_EQ(get_json(api("/company/companies/251")).at("identifier"), "HarborLegal");
  EXPECT_EQ(get_json(api("/procurement/catalog/55")).at("price").as_double(), 4.5);
  EXPECT_EQ(get_json(api("/finance/agreements/9004")).at("agreementStatus"), "Cancelled");
  EXPECT_EQ(get_json(api("/finance/agreements/9001/additions/78")).at("product").at("identifier"),
            "EMAIL-USER");
  // An addition is only found under its own agreement.
  EXPECT_EQ(get_json(api("/finance/agreements/9002/additions/77"), 404).at("code"), "NotFound");
  EXPECT_EQ(get_json(api("/finance/agreements/1234/additions"), 404).at("message"),
            "Agreement 1234 not found");
}

}  // namespace
}  // namespace mb::sim::connectwise
