// Finding the contract line that bills a (company, service) pair, and its units on a date.
//
// In Autotask a company is billed for a service through a ContractService row on one of its
// Recurring Service contracts (contractType 7, status 1 = active), and the unit count lives in
// ContractServiceUnits rows, one per billing period, split at every adjustment. A line is
// usable only when exactly one ContractService for the service sits on an active Recurring
// Service contract of the company whose window covers the date; none or several are reported
// with the contracts named, never guessed. Pure functions over rows already fetched, so the
// rules are tested without HTTP.
//
//   ContractBook book;
//   book.add_company(company_from_row(row));  // ... contracts, contract services
//   LineResolution r = book.resolve(412, 31, "2025-06-01");
//   if (!r.reason) units_on("2025-06-01", periods_of[r.contract_service_id]);
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONTRACT_LINES_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONTRACT_LINES_H_

#include <meterbridge/documents.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::autotask {

// Autotask picklist values integrations rely on (the defaults every tenant ships with).
inline constexpr int64_t kRecurringServiceContractType = 7;
inline constexpr int64_t kActiveContractStatus = 1;

struct Company {
  int64_t id = 0;
  std::string name;
  bool active = false;
};

struct Contract {
  int64_t id = 0;
  int64_t company_id = 0;
  std::string name;
  std::string start_date;  // "YYYY-MM-DD"; empty when Autotask gave none
  std::string end_date;    // "YYYY-MM-DD"; empty: open-ended
};

struct ContractService {
  int64_t id = 0;
  int64_t contract_id = 0;
  int64_t service_id = 0;
};

struct UnitPeriod {
  int64_t id = 0;
  int64_t contract_service_id = 0;
  std::string start_date;  // "YYYY-MM-DD"
  std::string end_date;    // "YYYY-MM-DD"
  int64_t units = 0;
};

// Rows as Autotask sends them; nullopt when a row lacks its id or a key it needs.
std::optional<Company> company_from_row(const boost::json::object& row);
std::optional<Contract> contract_from_row(const boost::json::object& row);
std::optional<ContractService> contract_service_from_row(const boost::json::object& row);
std::optional<UnitPeriod> unit_period_from_row(const boost::json::object& row);

// The contract line of a (company, service) pair, or why there is none: the read reason of
// the SDK (not_found for an unknown company, account_inactive, no_contract_line,
// ambiguous_contract_line).
struct LineResolution {
  std::optional<Reason> reason;  // nullopt: found
  std::string message;           // why, naming company, service and contracts; empty when found
  int64_t contract_id = 0;
  int64_t contract_service_id = 0;
};

// What Autotask said about the companies of one batch of lines: the companies, their active
// Recurring Service contracts, and those contracts' lines for the services asked about.
class ContractBook {
 public:
  void add_company(Company company);
  void add_contract(Contract contract);
  void add_contract_service(ContractService line);

  // Active companies among those added (whose contracts are worth fetching).
  std::vector<int64_t> active_company_ids() const;
  // Contracts of active companies whose window covers `date`.
  std::vector<int64_t> contracts_covering(std::string_view date) const;

  LineResolution resolve(int64_t company_id, int64_t service_id, std::string_view date) const;

 private:
  std::map<int64_t, Company> companies_;
  std::map<int64_t, std::vector<Contract>> contracts_by_company_;
  std::map<int64_t, std::vector<ContractService>> lines_by_contract_;
};

// Whether the contract's window [start, end] contains `date` (an empty end is open).
bool covers(const Contract& contract, std::string_view date);

// The units billed on `date`: the period containing it with the latest start (the day of a
// split lies in both rows), the later row on a tie, or 0 when no period contains it.
int64_t units_on(std::string_view date, const std::vector<UnitPeriod>& periods);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_CONTRACT_LINES_H_
