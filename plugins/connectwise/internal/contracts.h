// Finding the contract line of a (company, catalog item) pair: the one non-cancelled addition
// of that catalog item on the company's active agreements.
//
// ContractIndex holds what was read and answers per pair; read_contracts fills it in bulk:
//   1. active agreements of all the companies at once (`company/id in (...)`, chunked to keep
//      URLs under 2,000 characters, every page);
//   2. then, in one concurrent round, the non-cancelled additions of each of those agreements
//      (filtered to the catalog items asked for), and the companies that turned out to have
//      no active agreement (to tell "no agreement" from "deleted" or "no such company").
//
//   ContractIndex index = read_contracts(call, client, {{250, 55}, {250, 56}, {251, 55}});
//   Resolution r = index.resolve(250, 55);   // kFound, quantity 40, agreement 9001, addition 77
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONTRACTS_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONTRACTS_H_

#include <meterbridge/documents.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "internal/client.h"
#include "internal/wire.h"

namespace meterbridge::connectwise {

struct ContractKey {
  int64_t company_id = 0;
  int64_t product_id = 0;  // catalog item id
  auto operator<=>(const ContractKey&) const = default;
};

// The addition a pair resolves to, or why there is none: no contract line, several
// (ambiguous), no such company (not found) or a deleted or inactive one (account inactive).
struct Resolution {
  std::optional<Reason> reason;    // nullopt: found
  std::optional<double> quantity;  // found; null when ConnectWise holds none
  int64_t agreement_id = 0;        // found
  int64_t addition_id = 0;         // found
  std::string message;             // why, when there is a reason
};

class ContractIndex {
 public:
  void add_agreement(const AgreementRow& agreement);
  void add_addition(const AdditionRow& addition);
  // A company looked up because it had no active agreement; `looked_up` lists every id asked
  // for, so an id missing from the answer is known not to exist.
  void add_company(const CompanyRow& company);
  void mark_looked_up(int64_t company_id) { looked_up_.insert(company_id); }

  bool has_agreements(int64_t company_id) const { return agreements_.count(company_id) > 0; }
  const std::vector<AgreementRow>* agreements_of(int64_t company_id) const;

  Resolution resolve(int64_t company_id, int64_t product_id) const;

 private:
  std::map<int64_t, std::vector<AgreementRow>> agreements_;  // by company
  std::map<int64_t, std::vector<AdditionRow>> additions_;    // by agreement
  std::map<int64_t, CompanyRow> companies_;
  std::set<int64_t> looked_up_;
};

// Reads agreements, additions and (when needed) companies for the pairs, in bulk.
ContractIndex read_contracts(Call& call, Client& client, const std::vector<ContractKey>& pairs);

// Splits `ids` so that every request for make(chunk) stays within kMaxUrlLength, given that
// make() puts `field in (...)` into the query. Exposed for tests.
std::vector<std::vector<int64_t>> chunk_ids_for_url(
    const std::string& api_base, const std::string& field, const std::vector<int64_t>& ids,
    const std::function<Query(const std::vector<int64_t>&)>& make);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_CONTRACTS_H_
