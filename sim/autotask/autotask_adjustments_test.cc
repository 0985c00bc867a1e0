// ContractServiceAdjustments and their effect on ContractServiceUnits
// (Autotask's REST API documentation), against the built-in tenant: contract 9001
// (2025-05-01..2027-04-30) has contract service 55120 (service 31) at 40 units, 43 from
// 2025-06-01.
#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

class AutotaskAdjustmentsTest : public AutotaskSimTest {
 protected:
  void SetUp() override { start(); }

  // The unit rows of a contract service, in id order.
  json::array unit_rows(int64_t contract_service_id) {
    return query("ContractServiceUnits",
                 R"({"Filter":[{"op":"eq","field":"contractServiceID","value":)" +
                     std::to_string(contract_service_id) + "}]}")
        .at("items")
        .as_array();
  }

  // The row whose period contains `date` ("2026-06-15").
  json::object row_on(int64_t contract_service_id, const std::string& date) {
    const json::value page = query(
        "ContractServiceUnits",
        R"({"Filter":[{"op":"eq","field":"contractServiceID","value":)" +
            std::to_string(contract_service_id) + R"(},{"op":"lte","field":"startDate","value":")" +
            date + R"("},{"op":"gte","field":"endDate","value":")" + date + R"("}]})");
    const json::array& items = page.at("items").as_array();
    EXPECT_EQ(items.size(), 1u) << "rows covering " << date;
    return items.empty() ? json::object{} : items[0].as_object();
  }

  std::string refused(const std::string& body) {
    return error_text(call_json("POST", api("ContractServiceAdjustments"), 500, body));
  }
};

TEST_F(AutotaskAdjustmentsTest, AnAdjustmentSplitsTheRowAtTheEffectiveDateAndCarriesForward) {
  const json::value created =
      call_json("POST", api("ContractServiceAdjustments"), 200,
                R"({"contractID":9001,"contractServiceID":55120,"serviceID":31,
          "effectiveDate":"2026-06-15T00:00:00Z","unitChange":-3})");
  EXPECT_TRUE(created.at("itemId").is_int64());

  const json::object before = row_on(55120, "2026-06-14");
  EXPECT_EQ(before.at("startDate"), "2026-06-01T00:00:00Z");
  EXPECT_EQ(before.at("endDate"), "2026-06-14T00:00:00Z");
  EXPECT_EQ(before.at("units"), 43);
  const json::object split = row_on(55120, "2026-06-15");
  EXPECT_EQ(split.at("startDate"), "2026-06-15T00:00:00Z");
  EXPECT_EQ(split.at("endDate"), "2026-06-30T00:00:00Z");
  EXPECT_EQ(split.at("units"), 40);
  EXPECT_GT(split.at("id").as_int64(), before.at("id").as_int64());
  EXPECT_EQ(row_on(55120, "2026-07-01").at("units"), 40);
  EXPECT_EQ(row_on(55120, "2027-04-30").at("units"), 40);
  EXPECT_EQ(row_on(55120, "2026-05-31").at("units"), 43);
  EXPECT_EQ(unit_rows(55120).size(), 25u);
}

TEST_F(AutotaskAdjustmentsTest, AnAdjustmentOnAPeriodStartChangesRowsWithoutSplitting) {
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractServiceID":55120,"effectiveDate":"2026-07-01","unitChange":5})");
  EXPECT_EQ(unit_rows(55120).size(), 24u);
  EXPECT_EQ(row_on(55120, "2026-06-30").at("units"), 43);
  EXPECT_EQ(row_on(55120, "2026-07-01").at("units"), 48);
  EXPECT_EQ(row_on(55120, "2027-04-01").at("units"), 48);
}

TEST_F(AutotaskAdjustmentsTest, TheChildRouteOfTheContractCreatesAdjustmentsToo) {
  call_json("POST", api("Contracts/9001/ServiceAdjustments"), 200,
            R"({"contractServiceID":55121,"effectiveDate":"2026-08-01","unitChange":2})");
  EXPECT_EQ(row_on(55121, "2026-08-01").at("units"), 27);
}

TEST_F(AutotaskAdjustmentsTest, AChildRouteAdjustmentMustBelongToThatContract) {
  const json::value body =
      call_json("POST", api("Contracts/9002/ServiceAdjustments"), 500,
                R"({"contractServiceID":55121,"effectiveDate":"2026-08-01","unitChange":2})");
  EXPECT_NE(error_text(body).find("9002"), std::string::npos);
}

TEST_F(AutotaskAdjustmentsTest, ContractAndServiceIdsIdentifyTheContractService) {
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractID":9002,"serviceID":32,"effectiveDate":"2026-09-01","unitChange":-8})");
  EXPECT_EQ(row_on(55131, "2026-09-01").at("units"), 40);
}

TEST_F(AutotaskAdjustmentsTest, AnAdjustmentCreatesAMissingContractService) {
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractID":9001,"serviceID":33,"effectiveDate":"2026-10-01","unitChange":12})");
  const json::value lines =
      query("ContractServices", R"({"Filter":[{"op":"eq","field":"contractID","value":9001},
                                        {"op":"eq","field":"serviceID","value":33}]})");
  ASSERT_EQ(lines.at("items").as_array().size(), 1u);
  const int64_t line = lines.at("items").at(0).at("id").as_int64();
  EXPECT_EQ(row_on(line, "2026-09-30").at("units"), 0);
  EXPECT_EQ(row_on(line, "2026-10-01").at("units"), 12);
  EXPECT_EQ(lines.at("items").at(0).at("unitPrice"), 1.5);  // the catalog price
}

TEST_F(AutotaskAdjustmentsTest, AnEffectiveDateOutsideTheContractIsRejected) {
  for (const char* date : {"2027-05-01", "2025-04-30"}) {
    const std::string message = refused(R"({"contractServiceID":55120,"effectiveDate":")" +
                                        std::string(date) + R"(","unitChange":1})");
    EXPECT_EQ(message.rfind("effectiveDate must be between", 0), 0u) << message;
  }
  // A missing contract service is not created by a refused adjustment.
  refused(R"({"contractID":9001,"serviceID":33,"effectiveDate":"2030-01-01","unitChange":1})");
  EXPECT_TRUE(
      query("ContractServices", R"({"Filter":[{"op":"eq","field":"serviceID","value":33}]})")
          .at("items")
          .as_array()
          .empty());
  EXPECT_EQ(row_on(55120, "2027-04-30").at("units"), 43);
}

TEST_F(AutotaskAdjustmentsTest, AChangeTakingUnitsBelowZeroIsRejectedAsNegative) {
  const std::string message =
      refused(R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":-44})");
  EXPECT_NE(message.find("negative"), std::string::npos) << message;
  EXPECT_EQ(row_on(55120, "2026-06-01").at("units"), 43);
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":-43})");
  EXPECT_EQ(row_on(55120, "2026-06-01").at("units"), 0);
}

TEST_F(AutotaskAdjustmentsTest, ALaterLowerRowAlsoGuardsAgainstNegativeUnits) {
  // 55130 has 60 units, 55 from 2026-03-01: -58 on 2025-06-01 would leave -3 from March 2026.
  const std::string message =
      refused(R"({"contractServiceID":55130,"effectiveDate":"2025-06-01","unitChange":-58})");
  EXPECT_NE(message.find("negative"), std::string::npos) << message;
}

TEST_F(AutotaskAdjustmentsTest, ASecondAdjustmentOnTheSameDateIsADuplicate) {
  const std::string body =
      R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":1})";
  call_json("POST", api("ContractServiceAdjustments"), 200, body);
  EXPECT_EQ(refused(body), "Attempt to insert duplicate data into contract_service_period");
  EXPECT_EQ(row_on(55120, "2026-06-01").at("units"), 44);
}

TEST_F(AutotaskAdjustmentsTest, TheDuplicateRuleCanBeSwitchedOff) {
  set_settings(R"({"reject_duplicate_adjustments":false})");
  const std::string body =
      R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":1})";
  call_json("POST", api("ContractServiceAdjustments"), 200, body);
  call_json("POST", api("ContractServiceAdjustments"), 200, body);
  EXPECT_EQ(row_on(55120, "2026-06-01").at("units"), 45);
}

TEST_F(AutotaskAdjustmentsTest, EffectiveDateAndUnitChangeAreRequired) {
  EXPECT_NE(refused(R"({"contractServiceID":55120,"unitChange":1})").find("effectiveDate"),
            std::string::npos);
  EXPECT_NE(
      refused(R"({"contractServiceID":55120,"effectiveDate":"2026-06-01"})").find("unitChange"),
      std::string::npos);
  EXPECT_NE(refused(R"({"effectiveDate":"2026-06-01","unitChange":1})").find("contractID"),
            std::string::npos);
}

TEST_F(AutotaskAdjustmentsTest, UnitChangeIsAnInteger) {
  EXPECT_NE(refused(R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":1.5})")
                .find("unitChange"),
            std::string::npos);
}

TEST_F(AutotaskAdjustmentsTest, AnUnknownContractServiceIsAReferenceError) {
  EXPECT_EQ(
      refused(R"({"contractServiceID":1,"effectiveDate":"2026-06-01","unitChange":1})"),
      "Reference value on field: contractServiceID of type: ContractService does not exist or "
      "is invalid.");
}

TEST_F(AutotaskAdjustmentsTest, AContractServiceOfAnotherContractIsRejected) {
  refused(R"({"contractID":9002,"contractServiceID":55120,
              "effectiveDate":"2026-06-01","unitChange":1})");
}

TEST_F(AutotaskAdjustmentsTest, OnlyRecurringServiceContractsTakeAdjustments) {
  refused(R"({"contractID":9005,"serviceID":31,"effectiveDate":"2026-06-01","unitChange":1})");
}

TEST_F(AutotaskAdjustmentsTest, AnAdjustedUnitPriceAppliesFromTheEffectiveDate) {
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractServiceID":55120,"effectiveDate":"2026-06-01","unitChange":0,
                "adjustedUnitPrice":4.0})");
  EXPECT_EQ(row_on(55120, "2026-05-31").at("price"), 4.5);
  EXPECT_EQ(row_on(55120, "2026-06-01").at("price"), 4.0);
}

TEST_F(AutotaskAdjustmentsTest, StateReportsUnitsAndThePostedAdjustments) {
  const json::value created =
      call_json("POST", api("ContractServiceAdjustments"), 200,
                R"({"contractServiceID":55120,"effectiveDate":"2026-06-15","unitChange":-3})");
  const json::object line = state_of_contract_service(55120);
  EXPECT_EQ(line.at("finalUnits"), 40);
  EXPECT_EQ(line.at("unitTimeline"), json::parse(R"([
      {"startDate":"2025-05-01","endDate":"2025-05-31","units":40},
      {"startDate":"2025-06-01","endDate":"2026-06-14","units":43},
      {"startDate":"2026-06-15","endDate":"2027-04-30","units":40}])"));
  const json::value current = state();
  const json::array& adjustments = current.at("adjustments").as_array();
  const json::value& posted = adjustments.back();
  EXPECT_EQ(posted.at("id"), created.at("itemId"));
  EXPECT_EQ(posted.at("contractServiceID"), 55120);
  EXPECT_EQ(posted.at("effectiveDate"), "2026-06-15T00:00:00Z");
  EXPECT_EQ(posted.at("unitChange"), -3);
  EXPECT_EQ(posted.at("fromSeed"), false);
}

TEST_F(AutotaskAdjustmentsTest, AResetRestoresTheSeededUnits) {
  call_json("POST", api("ContractServiceAdjustments"), 200,
            R"({"contractServiceID":55120,"effectiveDate":"2026-06-15","unitChange":-3})");
  mb::sim::testing::control_json(port(), "POST", "/_sim/reset");
  EXPECT_EQ(state_of_contract_service(55120).at("finalUnits"), 43);
  EXPECT_EQ(unit_rows(55120).size(), 24u);
}

}  // namespace
}  // namespace mb::sim::autotask_testing
