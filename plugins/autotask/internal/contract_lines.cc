#include "internal/contract_lines.h"

#include <meterbridge/json_fields.hpp>

#include <algorithm>
#include <utility>

#include "internal/dates.h"

namespace meterbridge::autotask {

namespace {

std::string date_field(const boost::json::object& row, std::string_view name) {
  auto written = text(field_any_case(row, name));
  return written ? calendar_date(*written).value_or("") : "";
}

std::string describe(const Company& company) {
  std::string s = "company " + std::to_string(company.id);
  if (!company.name.empty()) s += " (" + company.name + ")";
  return s;
}

std::string describe(const Contract& contract) {
  std::string s = std::to_string(contract.id);
  if (!contract.name.empty()) s += " '" + contract.name + "'";
  return s;
}

std::string describe_window(const Contract& contract) {
  return describe(contract) + " (" + (contract.start_date.empty() ? "?" : contract.start_date) +
         " to " + (contract.end_date.empty() ? "open end" : contract.end_date) + ")";
}

std::string contracts_phrase(const std::vector<const Contract*>& contracts) {
  std::string s = contracts.size() == 1 ? "contract " : "contracts ";
  for (size_t i = 0; i < contracts.size(); ++i) {
    if (i > 0) s += ", ";
    s += describe(*contracts[i]);
  }
  return s;
}

// Adds a row unless one with its id is there already (pages and chunks may overlap).
template <typename Row>
void add_once(std::vector<Row>& rows, Row row) {
  auto same_id = [&](const Row& r) { return r.id == row.id; };
  if (std::none_of(rows.begin(), rows.end(), same_id)) rows.push_back(std::move(row));
}

}  // namespace

std::optional<Company> company_from_row(const boost::json::object& row) {
  auto id = whole_number(field_any_case(row, "id"));
  if (!id) return std::nullopt;
  return Company{*id, text(field_any_case(row, "companyName")).value_or(""),
                 boolean(field_any_case(row, "isActive")).value_or(false)};
}

std::optional<Contract> contract_from_row(const boost::json::object& row) {
  auto id = whole_number(field_any_case(row, "id"));
  auto company = whole_number(field_any_case(row, "companyID"));
  if (!id || !company) return std::nullopt;
  return Contract{*id, *company, text(field_any_case(row, "contractName")).value_or(""),
                  date_field(row, "startDate"), date_field(row, "endDate")};
}

std::optional<ContractService> contract_service_from_row(const boost::json::object& row) {
  auto id = whole_number(field_any_case(row, "id"));
  auto contract = whole_number(field_any_case(row, "contractID"));
  auto service = whole_number(field_any_case(row, "serviceID"));
  if (!id || !contract || !service) return std::nullopt;
  return ContractService{*id, *contract, *service};
}

std::optional<UnitPeriod> unit_period_from_row(const boost::json::object& row) {
  auto id = whole_number(field_any_case(row, "id"));
  auto contract_service = whole_number(field_any_case(row, "contractServiceID"));
  std::string start = date_field(row, "startDate");
  std::string end = date_field(row, "endDate");
  if (!id || !contract_service || start.empty() || end.empty()) return std::nullopt;
  return UnitPeriod{*id, *contract_service, std::move(start), std::move(end),
                    whole_number(field_any_case(row, "units")).value_or(0)};
}

void ContractBook::add_company(Company company) { companies_[company.id] = std::move(company); }

void ContractBook::add_contract(Contract contract) {
  add_once(contracts_by_company_[contract.company_id], std::move(contract));
}

void ContractBook::add_contract_service(ContractService line) {
  add_once(lines_by_contract_[line.contract_id], line);
}

std::vector<int64_t> ContractBook::active_company_ids() const {
  std::vector<int64_t> ids;
  for (const auto& [id, company] : companies_)
    if (company.active) ids.push_back(id);
  return ids;
}

std::vector<int64_t> ContractBook::contracts_covering(std::string_view date) const {
  std::vector<int64_t> ids;
  for (const auto& [company_id, contracts] : contracts_by_company_) {
    auto company = companies_.find(company_id);
    if (company == companies_.end() || !company->second.active) continue;
    for (const auto& c : contracts)
      if (covers(c, date)) ids.push_back(c.id);
  }
  return ids;
}

LineResolution ContractBook::resolve(int64_t company_id, int64_t service_id,
                                     std::string_view date) const {
  auto company_it = companies_.find(company_id);
  if (company_it == companies_.end())
    return {Reason::kNotFound, "Autotask has no company " + std::to_string(company_id), 0, 0};
  const Company& company = company_it->second;
  if (!company.active)
    return {Reason::kAccountInactive, describe(company) + " is inactive in Autotask", 0, 0};

  auto contracts_it = contracts_by_company_.find(company_id);
  if (contracts_it == contracts_by_company_.end() || contracts_it->second.empty())
    return {Reason::kNoContractLine,
            describe(company) + " has no active Recurring Service contract", 0, 0};

  std::vector<const Contract*> covering;
  for (const auto& c : contracts_it->second)
    if (covers(c, date)) covering.push_back(&c);
  if (covering.empty()) {
    std::string windows;
    for (const auto& c : contracts_it->second)
      windows += (windows.empty() ? "" : ", ") + describe_window(c);
    return {Reason::kNoContractLine,
            "no active Recurring Service contract of " + describe(company) + " covers " +
                std::string(date) + "; its contracts: " + windows,
            0, 0};
  }

  std::vector<std::pair<const Contract*, const ContractService*>> matches;
  for (const Contract* c : covering) {
    auto lines = lines_by_contract_.find(c->id);
    if (lines == lines_by_contract_.end()) continue;
    for (const auto& l : lines->second)
      if (l.service_id == service_id) matches.emplace_back(c, &l);
  }
  std::string service = "service " + std::to_string(service_id);
  if (matches.empty())
    return {Reason::kNoContractLine,
            service + " is not on the active Recurring Service " + contracts_phrase(covering) +
                " of " + describe(company),
            0, 0};
  if (matches.size() > 1) {
    std::string where;
    for (const auto& [contract, line] : matches)
      where += (where.empty() ? "" : ", ") +
               ("contract " + describe(*contract) + " line " + std::to_string(line->id));
    return {Reason::kAmbiguousContractLine,
            service + " is on " + std::to_string(matches.size()) +
                " lines of active Recurring Service contracts of " + describe(company) + ": " +
                where + "; keep it on exactly one",
            0, 0};
  }
  return {std::nullopt, "", matches.front().first->id, matches.front().second->id};
}

bool covers(const Contract& contract, std::string_view date) {
  if (!contract.start_date.empty() && date < contract.start_date) return false;
  if (!contract.end_date.empty() && date > contract.end_date) return false;
  return true;
}

int64_t units_on(std::string_view date, const std::vector<UnitPeriod>& periods) {
  const UnitPeriod* best = nullptr;
  for (const auto& p : periods) {
    if (date < p.start_date || date > p.end_date) continue;
    if (best == nullptr || p.start_date > best->start_date ||
        (p.start_date == best->start_date && p.id > best->id))
      best = &p;
  }
  return best == nullptr ? 0 : best->units;
}

}  // namespace meterbridge::autotask
