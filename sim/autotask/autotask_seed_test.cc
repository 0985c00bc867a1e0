// Seed documents and the --generate tenant (docs/simulators.md, "Autotask").
#include <algorithm>
#include <cstdio>
#include <map>

#include "sim/autotask/autotask_test_fixture.h"

namespace mb::sim::autotask_testing {
namespace {

class AutotaskSeedTest : public AutotaskSimTest {};

bool starts(const std::string& platform_options_seed) {
  mb::sim::SimOptions options;
  options.seed_json = platform_options_seed;
  try {
    mb::sim::Simulator::start("autotask", options);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::string start_error(const std::string& seed_json) {
  mb::sim::SimOptions options;
  options.seed_json = seed_json;
  try {
    mb::sim::Simulator::start("autotask", options);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "<started>";
}

// What the generator made for each client company, read back through /_sim/state.
struct ClientView {
  json::object company;
  std::vector<json::object> contracts;
  std::map<int64_t, std::vector<int64_t>> services_by_contract;
};

std::map<std::string, ClientView> clients_by_number(const json::value& state) {
  std::map<int64_t, std::string> number_of;
  std::map<std::string, ClientView> clients;
  for (const json::value& company : state.at("companies").as_array()) {
    const std::string number(company.at("companyNumber").as_string());
    number_of[company.at("id").as_int64()] = number;
    clients[number].company = company.as_object();
  }
  std::map<int64_t, std::string> owner_of_contract;
  for (const json::value& contract : state.at("contracts").as_array()) {
    const std::string& number = number_of.at(contract.at("companyID").as_int64());
    clients[number].contracts.push_back(contract.as_object());
    owner_of_contract[contract.at("id").as_int64()] = number;
  }
  for (const json::value& line : state.at("contractServices").as_array()) {
    const int64_t contract = line.at("contractID").as_int64();
    clients[owner_of_contract.at(contract)].services_by_contract[contract].push_back(
        line.at("serviceID").as_int64());
  }
  return clients;
}

std::string client_number(int k) {
  char number[16];
  std::snprintf(number, sizeof number, "CUST%05d", k);
  return number;
}

TEST_F(AutotaskSeedTest, TheGeneratedTenantFollowsTheDocumentedRules) {
  start_generated("companies=50,services=4,seed=3");
  const std::map<std::string, ClientView> clients = clients_by_number(state());
  ASSERT_EQ(clients.size(), 52u);
  EXPECT_EQ(clients.at("0").company.at("id"), 0);
  EXPECT_TRUE(clients.at("0").contracts.empty());
  EXPECT_EQ(clients.at("VEND174").company.at("companyType"), 7);

  for (int k = 1; k <= 50; ++k) {
    const ClientView& client = clients.at(client_number(k));
    SCOPED_TRACE("client " + std::to_string(k));
    switch (k % 25) {
      case 5:
        EXPECT_EQ(client.company.at("isActive"), false);
        EXPECT_TRUE(client.contracts.empty());
        continue;
      case 10:
        EXPECT_EQ(client.company.at("isActive"), true);
        EXPECT_TRUE(client.contracts.empty());
        continue;
      case 23:
        EXPECT_EQ(client.company.at("companyType"), 3);
        EXPECT_TRUE(client.contracts.empty());
        continue;
      case 15:
        ASSERT_EQ(client.contracts.size(), 1u);
        EXPECT_EQ(client.contracts[0].at("endDate"), "2025-12-31T00:00:00Z");
        EXPECT_EQ(client.contracts[0].at("status"), 1);
        continue;
      case 20: {
        ASSERT_EQ(client.contracts.size(), 2u);
        for (const json::object& contract : client.contracts) {
          EXPECT_LE(std::string(contract.at("startDate").as_string()), "2026-01-01T00:00:00Z");
          const auto& services = client.services_by_contract.at(contract.at("id").as_int64());
          EXPECT_NE(std::find(services.begin(), services.end(), 31), services.end());
        }
        continue;
      }
      default:
        break;
    }
    EXPECT_EQ(client.company.at("companyType"), 1);
    EXPECT_EQ(client.company.at("isActive"), true);
    ASSERT_EQ(client.contracts.size(), 1u);
    const json::object& contract = client.contracts[0];
    EXPECT_EQ(contract.at("contractType"), 7);
    EXPECT_EQ(contract.at("status"), 1);
    EXPECT_EQ(std::string(contract.at("startDate").as_string()).substr(0, 4), "2025");
    EXPECT_EQ(contract.at("endDate"), "2028-12-31T00:00:00Z");
    const size_t expected_lines = k % 10 == 3 ? 3u : 4u;
    EXPECT_EQ(client.services_by_contract.at(contract.at("id").as_int64()).size(), expected_lines);
  }
}

TEST_F(AutotaskSeedTest, GenerationIsDeterministic) {
  start_generated("companies=40,services=3,seed=9");
  const json::value first = mb::sim::testing::control_json(port(), "GET", "/_sim/seed");
  start_generated("companies=40,services=3,seed=9");
  EXPECT_EQ(mb::sim::testing::control_json(port(), "GET", "/_sim/seed"), first);
  start_generated("companies=40,services=3,seed=10");
  EXPECT_NE(mb::sim::testing::control_json(port(), "GET", "/_sim/seed"), first);
}

TEST_F(AutotaskSeedTest, TheAnchorYearMovesEveryContract) {
  start_generated("companies=3,services=1,year=2030");
  const json::value current = state();
  for (const json::value& contract : current.at("contracts").as_array()) {
    EXPECT_EQ(contract.at("endDate"), "2032-12-31T00:00:00Z");
  }
}

TEST_F(AutotaskSeedTest, GenerateRejectsUnknownKeysAndBadCounts) {
  for (const char* spec : {"items=5", "companies=-1", "services=0", "year=1900"}) {
    mb::sim::SimOptions options;
    options.generate = spec;
    EXPECT_THROW(mb::sim::Simulator::start("autotask", options), std::runtime_error) << spec;
  }
}

constexpr char kSmallSeed[] = R"({
  "users": [{"userName": "meterbridge-api@acme-it.example", "secret": "sim-secret",
             "integrationCode": "MBSIMINTEGRATIONCODE", "zoneName": "UK 1", "ci": 12}],
  "companies": [{"id": 10, "companyName": "Only Client",
                 "userDefinedFields": [{"name": "Workspace", "value": "only"}]}],
  "services": [{"id": 5, "name": "Seat", "unitPrice": 2.5}],
  "contracts": [{"id": 20, "companyID": 10, "startDate": "2026-01-15",
                 "endDate": "2026-07-14", "contractPeriodType": 2}],
  "contractServices": [{"id": 30, "contractID": 20, "serviceID": 5, "units": 7,
                        "unitHistory": [{"effectiveDate": "2026-05-01", "unitChange": 2}]}],
})";

TEST_F(AutotaskSeedTest, ASeedDocumentDefinesTheTenant) {
  mb::sim::SimOptions options;
  options.seed_json = kSmallSeed;
  start(options);
  EXPECT_EQ(
      call_json("GET", api("ZoneInformation?user=meterbridge-api@acme-it.example"), 200, "", {})
          .at("zoneName"),
      "UK 1");
  const json::object contract = call_json("GET", api("Contracts/20"), 200).at("item").as_object();
  EXPECT_EQ(contract.at("contractType"), 7);  // defaults for a seeded contract
  EXPECT_EQ(contract.at("status"), 1);
  EXPECT_EQ(contract.at("contractName"), "Contract 20");
  // Quarterly periods anchored at the start date, the second split by the history.
  const json::value rows = query(
      "ContractServiceUnits", R"({"Filter":[{"op":"eq","field":"contractServiceID","value":30}]})");
  std::vector<std::string> periods;
  for (const json::value& row : rows.at("items").as_array()) {
    periods.push_back(std::string(row.at("startDate").as_string()).substr(0, 10) + ".." +
                      std::string(row.at("endDate").as_string()).substr(0, 10) + "=" +
                      std::to_string(row.at("units").as_int64()));
  }
  EXPECT_EQ(periods,
            (std::vector<std::string>{"2026-01-15..2026-04-14=7", "2026-04-15..2026-04-30=7",
                                      "2026-05-01..2026-07-14=9"}));
  EXPECT_EQ(rows.at("items").at(0).at("price"), 2.5);  // the service's price by default
}

TEST_F(AutotaskSeedTest, ABadSeedStopsTheStartWithAReason) {
  EXPECT_NE(
      start_error(R"({"companies":[{"id":1,"companyName":"A","colour":"red"}]})").find("colour"),
      std::string::npos);
  EXPECT_NE(start_error(R"({"clients":[]})").find("clients"), std::string::npos);
  EXPECT_NE(start_error(R"({"companies":[{"id":1,"companyName":"A"}],
      "services":[{"id":2,"name":"S"}],
      "contracts":[{"id":3,"companyID":1,"contractType":4,
                    "startDate":"2026-01-01","endDate":"2026-12-31"}],
      "contractServices":[{"id":4,"contractID":3,"serviceID":2}]})")
                .find("Recurring Service"),
            std::string::npos);
  EXPECT_NE(start_error(R"({"companies":[{"id":1,"companyName":"A"}],
      "services":[{"id":2,"name":"S"}],
      "contracts":[{"id":3,"companyID":1,"startDate":"2026-01-01","endDate":"2026-12-31"}],
      "contractServices":[{"id":4,"contractID":3,"serviceID":2,"units":1,
                           "unitHistory":[{"effectiveDate":"2026-03-01","unitChange":-2}]}]})")
                .find("negative"),
            std::string::npos);
  EXPECT_NE(start_error(R"({"contracts":[{"id":3,"companyID":99,"startDate":"2026-01-01",
      "endDate":"2026-12-31"}]})")
                .find("companyID"),
            std::string::npos);
  EXPECT_FALSE(starts(R"({"users":[{"userName":"a"}]})"));
}

TEST_F(AutotaskSeedTest, TheDefaultSeedHasEveryEdgeCase) {
  start();
  const json::value current = state();
  EXPECT_EQ(current.at("companies").as_array().size(), 7u);
  EXPECT_EQ(current.at("contracts").as_array().size(), 5u);
  EXPECT_EQ(current.at("users").as_array().size(), 4u);
  EXPECT_FALSE(current.at("users").at(0).as_object().contains("secret"));
  EXPECT_EQ(state_of_contract_service(55120).at("finalUnits"), 43);
}

}  // namespace
}  // namespace mb::sim::autotask_testing
