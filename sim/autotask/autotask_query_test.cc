// The query grammar of POST {Entity}/query and /query/count (Autotask's REST API
// documentation), against the built-in tenant's companies:
//   0 Acme IT Services (type 1)          174 Example Security Vendor (type 7)
//   412 Northwind Dental (Portland)      977 Harbor Legal LLP (Boston)
//   1203 Blue Ridge Veterinary           1317 Old Mill Bakery (inactive)
//   1450 Summit Accounting Group
#include <algorithm>

#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

using Ids = std::vector<int64_t>;

const Ids kAllCompanies = {0, 174, 412, 977, 1203, 1317, 1450};

class AutotaskQueryTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start(); }

  // The companies matching one filter condition.
  Ids companies_where(const std::string& condition) {
    return query_ids("Companies", R"({"Filter":[)" + condition + "]}");
  }

  std::string query_error(const std::string& entity, const std::string& body) {
    return error_text(call_json("POST", api(entity + "/query"), 500, body));
  }
};

TEST_F(AutotaskQueryTest, EqMatchesTheValue) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"companyType","value":7})"), Ids{174});
}

TEST_F(AutotaskQueryTest, NotEqExcludesTheValue) {
  EXPECT_EQ(companies_where(R"({"op":"noteq","field":"companyType","value":1})"), Ids{174});
}

TEST_F(AutotaskQueryTest, GtGteLtLteCompareNumbers) {
  EXPECT_EQ(companies_where(R"({"op":"gt","field":"id","value":977})"), (Ids{1203, 1317, 1450}));
  EXPECT_EQ(companies_where(R"({"op":"gte","field":"id","value":977})"),
            (Ids{977, 1203, 1317, 1450}));
  EXPECT_EQ(companies_where(R"({"op":"lt","field":"id","value":412})"), (Ids{0, 174}));
  EXPECT_EQ(companies_where(R"({"op":"lte","field":"id","value":412})"), (Ids{0, 174, 412}));
}

TEST_F(AutotaskQueryTest, GteIdZeroSelectsEveryRow) {
  EXPECT_EQ(companies_where(R"({"op":"gte","field":"id","value":0})"), kAllCompanies);
}

TEST_F(AutotaskQueryTest, NumbersMayBeSentAsStrings) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"id","value":"412"})"), Ids{412});
}

TEST_F(AutotaskQueryTest, BeginsWithEndsWithAndContainsIgnoreCase) {
  EXPECT_EQ(companies_where(R"({"op":"beginsWith","field":"companyName","value":"north"})"),
            Ids{412});
  EXPECT_EQ(companies_where(R"({"op":"endsWith","field":"companyName","value":"llp"})"), Ids{977});
  EXPECT_EQ(companies_where(R"({"op":"contains","field":"companyName","value":"VETER"})"),
            Ids{1203});
}

TEST_F(AutotaskQueryTest, EqOnTextIgnoresCase) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"companyName","value":"northwind DENTAL"})"),
            Ids{412});
}

TEST_F(AutotaskQueryTest, ExistAndNotExistTestForNull) {
  EXPECT_EQ(companies_where(R"({"op":"exist","field":"city"})"), (Ids{412, 977}));
  EXPECT_EQ(companies_where(R"({"op":"notExist","field":"city"})"),
            (Ids{0, 174, 1203, 1317, 1450}));
}

TEST_F(AutotaskQueryTest, InAndNotInTakeAList) {
  EXPECT_EQ(companies_where(R"({"op":"in","field":"id","value":[977,412,5]})"), (Ids{412, 977}));
  EXPECT_EQ(companies_where(R"({"op":"notIn","field":"id","value":[977,412,5]})"),
            (Ids{0, 174, 1203, 1317, 1450}));
}

TEST_F(AutotaskQueryTest, InAcceptsALongList) {
  std::string values;
  for (int id = 0; id < 2000; ++id) values += (values.empty() ? "" : ",") + std::to_string(id);
  EXPECT_EQ(companies_where(R"({"op":"in","field":"id","value":[)" + values + "]}"),
            (Ids{0, 174, 412, 977, 1203, 1317, 1450}));
}

TEST_F(AutotaskQueryTest, InNeedsAnArray) {
  EXPECT_NE(query_error("Companies", R"({"Filter":[{"op":"in","field":"id","value":412}]})")
                .find("array"),
            std::string::npos);
}

TEST_F(AutotaskQueryTest, BooleansMatchRealJsonBooleans) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"isActive","value":false})"), Ids{1317});
}

TEST_F(AutotaskQueryTest, ABooleanSentAsAStringIsRejected) {
  const std::string message =
      query_error("Companies", R"({"Filter":[{"op":"eq","field":"isActive","value":"true"}]})");
  EXPECT_NE(message.find("isActive"), std::string::npos) << message;
}

TEST_F(AutotaskQueryTest, DatetimesCompareAsInstants) {
  EXPECT_EQ(
      query_ids("Contracts", R"({"Filter":[{"op":"lt","field":"endDate","value":"2026-01-01"}]})"),
      Ids{9003});
  EXPECT_EQ(
      query_ids("Contracts",
                R"({"Filter":[{"op":"gte","field":"startDate","value":"2026-01-01T00:00:00Z"}]})"),
      Ids{9004});
  EXPECT_EQ(
      query_ids(
          "Contracts",
          R"({"Filter":[{"op":"eq","field":"startDate","value":"2025-04-30T20:00:00-04:00"}]})"),
      Ids{9001});
}

TEST_F(AutotaskQueryTest, TopLevelConditionsAreAnded) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"companyType","value":1},
                               {"op":"gt","field":"id","value":1000},
                               {"op":"eq","field":"isActive","value":true})"),
            (Ids{1203, 1450}));
}

TEST_F(AutotaskQueryTest, OrGroupsMatchAnyItem) {
  // The reference's own example.
  EXPECT_EQ(query_ids("Companies", R"({"MaxRecords":500,
      "IncludeFields":["id","companyName","isActive"],
      "Filter":[{"op":"eq","field":"isActive","value":true},
                {"op":"or","items":[{"op":"eq","field":"companyType","value":7},
                                    {"op":"in","field":"id","value":[412,977]}]}]})"),
            (Ids{174, 412, 977}));
}

TEST_F(AutotaskQueryTest, GroupsNest) {
  EXPECT_EQ(companies_where(R"({"op":"or","items":[
                                 {"op":"and","items":[{"op":"eq","field":"companyType","value":1},
                                                      {"op":"eq","field":"city","value":"Boston"}]},
                                 {"op":"eq","field":"id","value":0}]})"),
            (Ids{0, 977}));
}

TEST_F(AutotaskQueryTest, FieldNamesOperatorsAndModelKeysMatchInAnyCase) {
  const json::value page = query("Companies", R"({"filter":[{"OP":"EQ","Field":"COMPANYNAME",
      "Value":"Northwind Dental"}],"includefields":["ID","companyname"],"maxrecords":5})");
  EXPECT_EQ(page.at("items"), json::parse(R"([{"id":412,"companyName":"Northwind Dental",
      "userDefinedFields":[{"name":"Security Workspace","value":"northwind-dental"}]}])"));
  EXPECT_EQ(page.at("pageDetails").at("requestCount"), 5);
}

TEST_F(AutotaskQueryTest, IncludeFieldsLimitsTheFieldsReturned) {
  const json::value page =
      query("Services", R"({"IncludeFields":["id","name","unitPrice","userDefinedFields"],
      "Filter":[{"op":"eq","field":"id","value":31}]})");
  EXPECT_EQ(page.at("items"), json::parse(R"([{"id":31,"name":"Endpoint Protection - per device",
      "unitPrice":4.5,"userDefinedFields":[]}])"));
}

TEST_F(AutotaskQueryTest, WithoutIncludeFieldsEveryFieldComesBackInCamelCase) {
  const json::object company =
      query("Companies", R"({"Filter":[{"op":"eq","field":"id","value":412}]})")
          .at("items")
          .at(0)
          .as_object();
  for (const char* field : {"id", "companyName", "companyNumber", "companyType", "isActive",
                            "parentCompanyID", "ownerResourceID", "phone", "userDefinedFields"}) {
    EXPECT_TRUE(company.contains(field)) << field;
  }
  EXPECT_TRUE(company.at("parentCompanyID").is_null());
}

TEST_F(AutotaskQueryTest, UserDefinedFieldsAreFilteredWithUdfTrue) {
  EXPECT_EQ(companies_where(R"({"op":"eq","field":"Security Workspace","udf":true,
                                "value":"northwind-dental"})"),
            Ids{412});
}

TEST_F(AutotaskQueryTest, AMissingOrEmptyFilterIsRejected) {
  for (const char* body : {R"({})", R"({"Filter":[]})", R"({"IncludeFields":["id"]})", "",
                           "not json", R"({"Filter":null})"}) {
    const std::string message = query_error("Companies", body);
    EXPECT_EQ(message.rfind("Value cannot be null", 0), 0u) << body << " -> " << message;
  }
}

TEST_F(AutotaskQueryTest, AnUnknownOperatorIsSilentlyDroppedSoEveryRowComesBack) {
  // "ne" is not an Autotask operator ("noteq" is): the condition vanishes.
  EXPECT_EQ(companies_where(R"({"op":"ne","field":"companyType","value":1})"), kAllCompanies);
}

TEST_F(AutotaskQueryTest, AnUnknownOperatorInsideAGroupIsDroppedFromTheGroup) {
  EXPECT_EQ(companies_where(R"({"op":"or","items":[{"op":"ne","field":"id","value":0},
                                                    {"op":"eq","field":"id","value":412}]})"),
            Ids{412});
}

TEST_F(AutotaskQueryTest, AnUnknownFieldIsHttp500NamingTheSingularEntity) {
  EXPECT_EQ(query_error("Companies", R"({"Filter":[{"op":"eq","field":"projectID","value":1}]})"),
            "Unable to find projectID in the Company Entity");
  EXPECT_EQ(query_error("ContractServiceUnits",
                        R"({"Filter":[{"op":"eq","field":"quantity","value":1}]})"),
            "Unable to find quantity in the ContractServiceUnit Entity");
}

TEST_F(AutotaskQueryTest, AnUnknownIncludeFieldIsRejectedLikeAnUnknownFilterField) {
  EXPECT_EQ(query_error("Companies", R"({"IncludeFields":["id","sku"],
      "Filter":[{"op":"gte","field":"id","value":0}]})"),
            "Unable to find sku in the Company Entity");
}

TEST_F(AutotaskQueryTest, AtMost500OrConditionsAreAccepted) {
  auto or_group = [](int conditions) {
    std::string items;
    for (int id = 0; id < conditions; ++id) {
      items += std::string(items.empty() ? "" : ",") + R"({"op":"eq","field":"id","value":)" +
               std::to_string(id) + "}";
    }
    return R"({"Filter":[{"op":"or","items":[)" + items + "]}]}";
  };
  EXPECT_EQ(query_ids("Companies", or_group(500)), (Ids{0, 174, 412}));
  EXPECT_NE(query_error("Companies", or_group(501)).find("500"), std::string::npos);
}

TEST_F(AutotaskQueryTest, TheUrlFormTakesTheModelInSearch) {
  const std::string model = R"({"filter":[{"op":"in","field":"id","value":[412,977]}]})";
  const json::value page =
      call_json("GET", api("Companies/query?search=") + mb::sim::url_encode_component(model), 200);
  EXPECT_EQ(ids_of(page), (Ids{412, 977}));
}

TEST_F(AutotaskQueryTest, CountReturnsQueryCount) {
  const std::string model = R"({"Filter":[{"op":"eq","field":"isActive","value":true}]})";
  EXPECT_EQ(call_json("POST", api("Companies/query/count"), 200, model),
            json::parse(R"({"queryCount":6})"));
  EXPECT_EQ(
      call_json("GET", api("Companies/query/count?search=") + mb::sim::url_encode_component(model),
                200),
      json::parse(R"({"queryCount":6})"));
}

TEST_F(AutotaskQueryTest, CountIgnoresMaxRecordsAndPaging) {
  EXPECT_EQ(
      call_json(
          "POST", api("ContractServiceUnits/query/count"), 200,
          R"({"MaxRecords":1,"Filter":[{"op":"eq","field":"contractServiceID","value":55120}]})")
          .at("queryCount"),
      24);
}

TEST_F(AutotaskQueryTest, CountWithoutAFilterIsRejected) {
  const json::value body = call_json("POST", api("Companies/query/count"), 500, R"({})");
  EXPECT_EQ(error_text(body).rfind("Value cannot be null", 0), 0u);
}

TEST_F(AutotaskQueryTest, ContractServiceUnitsAreFoundByContractService) {
  const json::value page = query("ContractServiceUnits", R"({"Filter":[
      {"op":"eq","field":"contractServiceID","value":55120},
      {"op":"lte","field":"startDate","value":"2025-06-15"},
      {"op":"gte","field":"endDate","value":"2025-06-15"}]})");
  EXPECT_EQ(ids_of(page), Ids{7002});
  EXPECT_EQ(page.at("items").at(0).at("units"), 43);
}

TEST_F(AutotaskQueryTest, ContractServiceUnitsAreFoundByAnInListOfContractServices) {
  // The bulk read: one `in` list of contract services, rows back in id order, unknown ids
  // simply match nothing.
  const Ids by_equality = ids_of(query("ContractServiceUnits", R"({"Filter":[
      {"op":"eq","field":"contractServiceID","value":55120}]})"));
  ASSERT_GE(by_equality.size(), 2u);
  EXPECT_EQ(by_equality.front(), 7001);
  EXPECT_TRUE(std::is_sorted(by_equality.begin(), by_equality.end()));
  const json::value page = query("ContractServiceUnits", R"({"Filter":[
      {"op":"in","field":"contractServiceID","value":[999999,55120,55120]}]})");
  EXPECT_EQ(ids_of(page), by_equality);
  const json::value none = query("ContractServiceUnits", R"({"Filter":[
      {"op":"in","field":"contractServiceID","value":[999999]}]})");
  EXPECT_EQ(ids_of(none), Ids{});
}

}  // namespace
}  // namespace mb::sim::autotask_testing
