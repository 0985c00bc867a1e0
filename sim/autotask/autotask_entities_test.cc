// Entities, GET by id, child routes, field metadata and the verb matrix
// (Autotask's REST API documentation), against the built-in tenant.
#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

class AutotaskEntitiesTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start(); }

  int status_of(const std::string& method, const std::string& target,
                const std::string& body = "") {
    RawResult result = call(method, target, body);
    EXPECT_TRUE(result.response) << result.error;
    return result.response ? result.response->status : 0;
  }
};

TEST_F(AutotaskEntitiesTest, GetByIdWrapsTheEntityInItem) {
  const json::value body = call_json("GET", api("Companies/412"), 200);
  const json::object& company = body.at("item").as_object();
  EXPECT_EQ(company.at("id"), 412);
  EXPECT_EQ(company.at("companyName"), "Northwind Dental");
  EXPECT_EQ(company.at("companyNumber"), "NWD001");
  EXPECT_EQ(company.at("companyType"), 1);
  EXPECT_EQ(company.at("isActive"), true);
  EXPECT_TRUE(company.at("parentCompanyID").is_null());
  EXPECT_EQ(company.at("userDefinedFields"),
            json::parse(R"([{"name":"Security Workspace","value":"northwind-dental"}])"));
}

TEST_F(AutotaskEntitiesTest, GetByAnUnknownIdIs404) {
  const json::value body = call_json("GET", api("Companies/999999"), 404);
  EXPECT_NE(error_text(body).find("999999"), std::string::npos);
  call_json("GET", api("ContractServiceUnits/1"), 404);
}

TEST_F(AutotaskEntitiesTest, AnIdThatIsNotANumberMatchesNoRoute) {
  EXPECT_TRUE(call_json("GET", api("Companies/abc"), 404).as_object().contains("Message"));
}

TEST_F(AutotaskEntitiesTest, ServicesCarryPriceAndPeriodType) {
  const json::object service = call_json("GET", api("Services/31"), 200).at("item").as_object();
  EXPECT_EQ(service.at("name"), "Endpoint Protection - per device");
  EXPECT_EQ(service.at("unitPrice"), 4.5);
  EXPECT_EQ(service.at("unitCost"), 1.2);
  EXPECT_EQ(service.at("periodType"), 1);
  EXPECT_EQ(service.at("isActive"), true);
  EXPECT_EQ(service.at("vendorCompanyID"), 174);
  EXPECT_EQ(service.at("sku"), "SEC-EPP-DEV");
}

TEST_F(AutotaskEntitiesTest, DecimalsAreWrittenAsPlainNumbers) {
  RawResult result = call("GET", api("Services/31"));
  ASSERT_TRUE(result.response);
  EXPECT_NE(result.response->body.find(R"("unitPrice":4.5,)"), std::string::npos)
      << result.response->body;
}

TEST_F(AutotaskEntitiesTest, ContractsAreRecurringServiceType7WithDates) {
  const json::object contract = call_json("GET", api("Contracts/9001"), 200).at("item").as_object();
  EXPECT_EQ(contract.at("companyID"), 412);
  EXPECT_EQ(contract.at("contractType"), 7);
  EXPECT_EQ(contract.at("status"), 1);
  EXPECT_EQ(contract.at("contractPeriodType"), 1);
  EXPECT_EQ(contract.at("startDate"), "2025-05-01T00:00:00Z");
  EXPECT_EQ(contract.at("endDate"), "2027-04-30T00:00:00Z");
}

TEST_F(AutotaskEntitiesTest, ContractServicesLinkAServiceToAContractWithoutAnyUnitField) {
  const json::object line =
      call_json("GET", api("ContractServices/55120"), 200).at("item").as_object();
  EXPECT_EQ(line.at("contractID"), 9001);
  EXPECT_EQ(line.at("serviceID"), 31);
  EXPECT_EQ(line.at("unitPrice"), 4.5);
  EXPECT_FALSE(line.contains("units"));
}

TEST_F(AutotaskEntitiesTest, ContractServiceUnitsHaveOneRowPerMonthlyPeriod) {
  const json::value page =
      query("ContractServiceUnits",
            R"({"Filter":[{"op":"eq","field":"contractServiceID","value":55120}]})");
  const json::array& rows = page.at("items").as_array();
  ASSERT_EQ(rows.size(), 24u);  // May 2025 to April 2027
  EXPECT_EQ(rows[0], json::parse(R"({"id":7001,"approveAndPostDate":null,"contractID":9001,
      "contractServiceID":55120,"cost":1.2,"endDate":"2025-05-31T00:00:00Z",
      "internalCurrencyPrice":4.5,"organizationalLevelAssociationID":null,"price":4.5,
      "serviceID":31,"startDate":"2025-05-01T00:00:00Z","units":40,"vendorCompanyID":174})"));
  EXPECT_EQ(rows[1].at("id"), 7002);
  EXPECT_EQ(rows[1].at("units"), 43);
  EXPECT_EQ(rows[1].at("startDate"), "2025-06-01T00:00:00Z");
  EXPECT_EQ(rows[1].at("endDate"), "2025-06-30T00:00:00Z");
  EXPECT_EQ(rows[23].at("endDate"), "2027-04-30T00:00:00Z");
}

TEST_F(AutotaskEntitiesTest, ContractServiceUnitsAreReadOnly) {
  for (const char* method : {"POST", "PATCH", "PUT"}) {
    EXPECT_EQ(status_of(method, api("ContractServiceUnits"), R"({"id":7001,"units":1})"), 405)
        << method;
  }
  EXPECT_EQ(
      query_ids("ContractServiceUnits", R"({"Filter":[{"op":"eq","field":"id","value":7001}]})")
          .size(),
      1u);
  EXPECT_EQ(call_json("GET", api("ContractServiceUnits/7001"), 200).at("item").at("units"), 40);
}

TEST_F(AutotaskEntitiesTest, ContractServiceAdjustmentsAreCreateOnly) {
  EXPECT_EQ(status_of("GET", api("ContractServiceAdjustments")), 405);
  EXPECT_EQ(status_of("PATCH", api("ContractServiceAdjustments"), R"({"id":1})"), 405);
  EXPECT_EQ(status_of("DELETE", api("ContractServiceAdjustments")), 405);
  EXPECT_EQ(status_of("POST", api("ContractServiceAdjustments/query"),
                      R"({"Filter":[{"op":"gte","field":"id","value":0}]})"),
            404);
  EXPECT_EQ(status_of("GET", api("ContractServiceAdjustments/880311")), 404);
}

TEST_F(AutotaskEntitiesTest, ThereIsNoRootPostForContractServices) {
  EXPECT_EQ(status_of("POST", api("ContractServices"), R"({"contractID":9001,"serviceID":33})"),
            405);
}

TEST_F(AutotaskEntitiesTest, ContractServicesAreCreatedThroughTheContract) {
  const json::value created = call_json("POST", api("Contracts/9001/Services"), 200,
                                        R"({"contractID":9001,"serviceID":33,"unitPrice":1.4})");
  const int64_t id = created.at("itemId").as_int64();
  const json::object line =
      call_json("GET", api("ContractServices/" + std::to_string(id)), 200).at("item").as_object();
  EXPECT_EQ(line.at("serviceID"), 33);
  EXPECT_EQ(line.at("unitPrice"), 1.4);
  // Its unit rows exist, every period at zero units.
  const json::value units =
      query("ContractServiceUnits",
            R"({"Filter":[{"op":"eq","field":"contractServiceID","value":)" + std::to_string(id) +
                R"(},{"op":"noteq","field":"units","value":0}]})");
  EXPECT_TRUE(units.at("items").as_array().empty());
  EXPECT_EQ(call_json("POST", api("ContractServiceUnits/query/count"), 200,
                      R"({"Filter":[{"op":"eq","field":"contractServiceID","value":)" +
                          std::to_string(id) + "}]}")
                .at("queryCount"),
            24);
}

TEST_F(AutotaskEntitiesTest, AServiceCanBeOnAContractOnlyOnce) {
  const json::value body =
      call_json("POST", api("Contracts/9001/Services"), 500, R"({"serviceID":31})");
  EXPECT_NE(error_text(body).find("already"), std::string::npos);
}

TEST_F(AutotaskEntitiesTest, ContractServicesNeedARecurringServiceContract) {
  call_json("POST", api("Contracts/9005/Services"), 500, R"({"serviceID":31})");
}

TEST_F(AutotaskEntitiesTest, AnUnknownServiceIsAReferenceError) {
  EXPECT_EQ(
      error_text(call_json("POST", api("Contracts/9001/Services"), 500, R"({"serviceID":99})")),
      "Reference value on field: serviceID of type: Service does not exist or is invalid.");
}

TEST_F(AutotaskEntitiesTest, PatchCarriesTheIdInTheBodyAndReturnsItemId) {
  EXPECT_EQ(
      call_json("PATCH", api("Contracts/9001/Services"), 200, R"({"id":55120,"unitPrice":4.25})"),
      json::parse(R"({"itemId":55120})"));
  EXPECT_EQ(call_json("GET", api("ContractServices/55120"), 200).at("item").at("unitPrice"), 4.25);
  const json::value missing =
      call_json("PATCH", api("Contracts/9001/Services"), 500, R"({"unitPrice":1.0})");
  EXPECT_NE(error_text(missing).find("id"), std::string::npos);
  call_json("PATCH", api("Contracts/9002/Services"), 404, R"({"id":55120,"unitPrice":1.0})");
}

TEST_F(AutotaskEntitiesTest, ChildRoutesListAContractsServicesAndUnits) {
  EXPECT_EQ(ids_of(call_json("GET", api("Contracts/9001/Services"), 200)),
            (std::vector<int64_t>{55120, 55121}));
  EXPECT_EQ(call_json("GET", api("Contracts/9001/Services/55121"), 200).at("item").at("serviceID"),
            32);
  call_json("GET", api("Contracts/9002/Services/55121"), 404);
  EXPECT_EQ(call_json("GET", api("Contracts/9001/ServiceUnits"), 200).at("items").as_array().size(),
            48u);
  EXPECT_EQ(call_json("GET", api("Contracts/9001/ServiceUnits/7002"), 200).at("item").at("units"),
            43);
  call_json("GET", api("Contracts/9002/ServiceUnits/7002"), 404);
}

TEST_F(AutotaskEntitiesTest, CompaniesAreCreatedAndPatched) {
  const json::value created =
      call_json("POST", api("Companies"), 200, R"({"companyName":"New Client Co",
      "companyType":1,"phone":"555-2000","ownerResourceID":29682885})");
  const int64_t id = created.at("itemId").as_int64();
  EXPECT_EQ(id, 1451);
  call_json("PATCH", api("Companies"), 200, R"({"id":1451,"city":"Salem"})");
  const json::object company = call_json("GET", api("Companies/1451"), 200).at("item").as_object();
  EXPECT_EQ(company.at("companyName"), "New Client Co");
  EXPECT_EQ(company.at("city"), "Salem");
  EXPECT_EQ(company.at("isActive"), true);
}

TEST_F(AutotaskEntitiesTest, ACreateWithoutARequiredFieldIsRejected) {
  const json::value body = call_json("POST", api("Companies"), 500, R"({"companyName":"No Type"})");
  EXPECT_NE(error_text(body).find("companyType"), std::string::npos);
}

TEST_F(AutotaskEntitiesTest, ABadReferenceUsesAutotasksWording) {
  const json::value body = call_json("POST", api("Contracts"), 500, R"({"companyID":5,
      "contractName":"X","contractType":7,"status":1,
      "startDate":"2026-01-01","endDate":"2026-12-31"})");
  EXPECT_EQ(error_text(body),
            "Reference value on field: companyID of type: Company does not exist or is invalid.");
}

TEST_F(AutotaskEntitiesTest, FieldMetadataListsPicklistValues) {
  const json::value fields = call_json("GET", api("Contracts/entityInformation/fields"), 200);
  bool found = false;
  for (const json::value& field : fields.at("fields").as_array()) {
    if (field.at("name") != "contractType") continue;
    found = true;
    EXPECT_EQ(field.at("isPickList"), true);
    EXPECT_EQ(field.at("dataType"), "integer");
    bool recurring = false;
    for (const json::value& value : field.at("picklistValues").as_array()) {
      if (value.at("value") == "7") recurring = value.at("label") == "Recurring Service";
    }
    EXPECT_TRUE(recurring);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(call_json("GET", api("ContractServiceAdjustments/entityInformation"), 200)
                .at("info")
                .at("canQuery"),
            false);
}

TEST_F(AutotaskEntitiesTest, UserDefinedFieldMetadataListsTheTenantsUdfs) {
  const json::value fields =
      call_json("GET", api("Companies/entityInformation/userDefinedFields"), 200);
  ASSERT_EQ(fields.at("fields").as_array().size(), 1u);
  EXPECT_EQ(fields.at("fields").at(0).at("name"), "Security Workspace");
}

}  // namespace
}  // namespace mb::sim::autotask_testing
