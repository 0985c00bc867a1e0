#include "internal/contract_lines.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace meterbridge::autotask {
namespace {

constexpr int64_t kEndpoint = 31;
constexpr int64_t kEmail = 32;
constexpr char kDate[] = "2025-06-15";

// Northwind (412) has one 2025 contract with both services; Harbor (977) has the endpoint
// service on two current contracts; Closed Co (500) is inactive; Expired Ltd (600) only has a
// 2024 contract; Empty Inc (700) has no contract at all.
ContractBook sample_book() {
  ContractBook book;
  book.add_company({412, "Northwind Dental", true});
  book.add_company({977, "Harbor Legal LLP", true});
  book.add_company({500, "Closed Co", false});
  book.add_company({600, "Expired Ltd", true});
  book.add_company({700, "Empty Inc", true});
  book.add_contract({9001, 412, "Managed 2025", "2025-01-01", "2025-12-31"});
  book.add_contract({9101, 977, "Security", "2025-01-01", "2025-12-31"});
  book.add_contract({9102, 977, "Security add-on", "2025-06-01", ""});
  book.add_contract({9201, 600, "Managed 2024", "2024-01-01", "2024-12-31"});
  book.add_contract_service({55120, 9001, kEndpoint});
  book.add_contract_service({55121, 9001, kEmail});
  book.add_contract_service({56001, 9101, kEndpoint});
  book.add_contract_service({56002, 9102, kEndpoint});
  book.add_contract_service({56003, 9102, kEmail});
  return book;
}

TEST(ContractBook, FindsTheOneLineOfTheServiceOnACoveringContract) {
  LineResolution r = sample_book().resolve(412, kEndpoint, kDate);
  EXPECT_EQ(r.reason, std::nullopt);
  EXPECT_EQ(r.contract_id, 9001);
  EXPECT_EQ(r.contract_service_id, 55120);
}

TEST(ContractBook, AcceptsTwoContractsWhenOnlyOneCarriesTheService) {
  LineResolution r = sample_book().resolve(977, kEmail, kDate);
  EXPECT_EQ(r.reason, std::nullopt);
  EXPECT_EQ(r.contract_service_id, 56003);
}

TEST(ContractBook, ReportsTwoLinesForOneServiceAsAmbiguousNamingBothContracts) {
  LineResolution r = sample_book().resolve(977, kEndpoint, kDate);
  EXPECT_EQ(r.reason, Reason::kAmbiguousContractLine);
  EXPECT_NE(r.message.find("9101 'Security'"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("9102 'Security add-on'"), std::string::npos) << r.message;
}

TEST(ContractBook, OnlyContractsCoveringTheDateCount) {
  // Before 9102 starts, 977's endpoint service has a single line.
  LineResolution r = sample_book().resolve(977, kEndpoint, "2025-05-31");
  EXPECT_EQ(r.reason, std::nullopt);
  EXPECT_EQ(r.contract_service_id, 56001);

  LineResolution expired = sample_book().resolve(600, kEndpoint, kDate);
  EXPECT_EQ(expired.reason, Reason::kNoContractLine);
  EXPECT_NE(expired.message.find("9201 'Managed 2024' (2024-01-01 to 2024-12-31)"),
            std::string::npos)
      << expired.message;
}

TEST(ContractBook, ExplainsAMissingLine) {
  ContractBook book = sample_book();
  LineResolution no_service = book.resolve(412, 99, kDate);
  EXPECT_EQ(no_service.reason, Reason::kNoContractLine);
  EXPECT_NE(no_service.message.find("service 99 is not on"), std::string::npos)
      << no_service.message;
  EXPECT_NE(no_service.message.find("9001 'Managed 2025'"), std::string::npos)
      << no_service.message;

  LineResolution no_contract = book.resolve(700, kEndpoint, kDate);
  EXPECT_EQ(no_contract.reason, Reason::kNoContractLine);
  EXPECT_NE(no_contract.message.find("no active Recurring Service contract"), std::string::npos);
}

TEST(ContractBook, ReportsUnknownAndInactiveCompanies) {
  ContractBook book = sample_book();
  EXPECT_EQ(book.resolve(1, kEndpoint, kDate).reason, Reason::kNotFound);
  LineResolution inactive = book.resolve(500, kEndpoint, kDate);
  EXPECT_EQ(inactive.reason, Reason::kAccountInactive);
  EXPECT_NE(inactive.message.find("Closed Co"), std::string::npos);
}

TEST(ContractBook, ListsOnlyWhatIsWorthFetchingNext) {
  ContractBook book = sample_book();
  EXPECT_EQ(book.active_company_ids(), (std::vector<int64_t>{412, 600, 700, 977}));
  EXPECT_EQ(book.contracts_covering(kDate), (std::vector<int64_t>{9001, 9101, 9102}));
}

TEST(UnitsOn, TakesThePeriodContainingTheDateWithTheLatestStart) {
  std::vector<UnitPeriod> periods = {
      {7001, 55120, "2025-05-01", "2025-05-31", 40},
      {7002, 55120, "2025-06-01", "2025-06-30", 43},
      {7003, 55120, "2025-06-15", "2025-06-30", 45},  // split by an adjustment on the 15th
  };
  EXPECT_EQ(units_on("2025-05-31", periods), 40);
  EXPECT_EQ(units_on("2025-06-14", periods), 43);
  EXPECT_EQ(units_on("2025-06-15", periods), 45);
  EXPECT_EQ(units_on("2025-07-01", periods), 0);
  EXPECT_EQ(units_on("2025-06-01", {}), 0);
}

TEST(Rows, ReadAutotasksCamelCaseAndDatetimes) {
  auto contract = contract_from_row(
      boost::json::parse(
          R"({"id":9001,"companyID":412,"contractName":"Managed","startDate":"2025-01-01T00:00:00Z",)"
          R"("endDate":"2025-12-31T00:00:00Z"})")
          .as_object());
  ASSERT_TRUE(contract.has_value());
  EXPECT_EQ(contract->start_date, "2025-01-01");
  EXPECT_EQ(contract->end_date, "2025-12-31");

  auto period = unit_period_from_row(
      boost::json::parse(
          R"({"id":7001,"contractID":9001,"contractServiceID":55120,"serviceID":31,"units":40.0,)"
          R"("startDate":"2025-05-01T00:00:00Z","endDate":"2025-05-31T00:00:00Z"})")
          .as_object());
  ASSERT_TRUE(period.has_value());
  EXPECT_EQ(period->units, 40);

  EXPECT_FALSE(
      company_from_row(boost::json::parse(R"({"companyName":"no id"})").as_object()).has_value());
}

}  // namespace
}  // namespace meterbridge::autotask
