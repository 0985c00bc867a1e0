#include "internal/contracts.h"

#include <algorithm>

namespace meterbridge::connectwise {
namespace {

// `9001 "Managed Services"`
std::string describe_agreement(const AgreementRow& a) {
  return a.name.empty() ? std::to_string(a.id) : std::to_string(a.id) + " \"" + a.name + "\"";
}

std::string describe_company(int64_t id, const CompanyRow* row) {
  std::string out = "company " + std::to_string(id);
  if (row != nullptr && !row->name.empty()) out += " (" + row->name + ")";
  return out;
}

Query agreements_query(const std::vector<int64_t>& companies) {
  Query q("finance/agreements");
  q.set("conditions", all_of({in_list("company/id", companies), "agreementStatus=\"Active\""}));
  q.set("fields", "id,name,company,agreementStatus");
  q.set("orderBy", "id asc");
  return q;
}

Query additions_query(int64_t agreement_id, const std::vector<int64_t>& products) {
  Query q("finance/agreements/" + std::to_string(agreement_id) + "/additions");
  q.set("conditions", products.empty()
                          ? std::string("cancelledDate=null")
                          : all_of({"cancelledDate=null", in_list("product/id", products)}));
  q.set("fields", "id,product,quantity,cancelledDate,agreementId");
  q.set("orderBy", "id asc");
  return q;
}

Query companies_query(const std::vector<int64_t>& companies) {
  Query q("company/companies");
  q.set("conditions", in_list("id", companies));
  q.set("fields", "id,identifier,name,status,deletedFlag");
  q.set("orderBy", "id asc");
  return q;
}

}  // namespace

void ContractIndex::add_agreement(const AgreementRow& agreement) {
  agreements_[agreement.company_id].push_back(agreement);
}

void ContractIndex::add_addition(const AdditionRow& addition) {
  additions_[addition.agreement_id].push_back(addition);
}

void ContractIndex::add_company(const CompanyRow& company) {
  companies_[company.id] = company;
  looked_up_.insert(company.id);
}

const std::vector<AgreementRow>* ContractIndex::agreements_of(int64_t company_id) const {
  auto it = agreements_.find(company_id);
  return it == agreements_.end() ? nullptr : &it->second;
}

Resolution ContractIndex::resolve(int64_t company_id, int64_t product_id) const {
  Resolution r;
  const std::vector<AgreementRow>* agreements = agreements_of(company_id);
  if (agreements == nullptr || agreements->empty()) {
    auto company = companies_.find(company_id);
    const CompanyRow* row = company == companies_.end() ? nullptr : &company->second;
    if (looked_up_.count(company_id) > 0 && row == nullptr) {
      r.reason = Reason::kNotFound;
      r.message = "ConnectWise has no company " + std::to_string(company_id);
    } else if (row != nullptr && row->deleted) {
      r.reason = Reason::kAccountInactive;
      r.message = describe_company(company_id, row) + " is deleted in ConnectWise";
    } else if (row != nullptr && row->inactive()) {
      r.reason = Reason::kAccountInactive;
      r.message = describe_company(company_id, row) +
                  " is inactive in ConnectWise and has no active agreement";
    } else {
      r.reason = Reason::kNoContractLine;
      r.message = describe_company(company_id, row) + " has no active agreement";
    }
    return r;
  }

  std::vector<std::pair<const AgreementRow*, const AdditionRow*>> matches;
  for (const AgreementRow& agreement : *agreements) {
    auto additions = additions_.find(agreement.id);
    if (additions == additions_.end()) continue;
    for (const AdditionRow& addition : additions->second)
      if (addition.product_id == product_id && !addition.cancelled)
        matches.emplace_back(&agreement, &addition);
  }

  if (matches.empty()) {
    std::string names;
    for (const AgreementRow& agreement : *agreements)
      names += (names.empty() ? "" : ", ") + describe_agreement(agreement);
    r.reason = Reason::kNoContractLine;
    r.message = "no active addition of catalog item " + std::to_string(product_id) +
                " on the active agreement" + (agreements->size() > 1 ? "s" : "") + " of company " +
                std::to_string(company_id) + ": " + names;
    return r;
  }
  if (matches.size() > 1) {
    std::string where;
    for (const auto& [agreement, addition] : matches)
      where += (where.empty() ? "" : ", ") + std::string("addition ") +
               std::to_string(addition->id) + " on agreement " + describe_agreement(*agreement);
    r.reason = Reason::kAmbiguousContractLine;
    r.message = "catalog item " + std::to_string(product_id) + " has " +
                std::to_string(matches.size()) + " active additions for company " +
                std::to_string(company_id) + ": " + where +
                "; keep exactly one (cancel the others) so meterbridge knows which to update";
    return r;
  }
  r.agreement_id = matches[0].first->id;
  r.addition_id = matches[0].second->id;
  r.quantity = matches[0].second->quantity;
  return r;
}

std::vector<std::vector<int64_t>> chunk_ids_for_url(
    const std::string& api_base, const std::string& field, const std::vector<int64_t>& ids,
    const std::function<Query(const std::vector<int64_t>&)>& make) {
  Query probe = make({});
  probe.set("pageSize", std::to_string(kPageSize));
  const size_t empty_list = encode_query_value(in_list(field, {})).size();
  // The page number is the only part that grows after this: leave room for a large one.
  const size_t fixed = api_base.size() + probe.target_for_page(99999).size() - empty_list;
  size_t budget = fixed < kMaxUrlLength ? kMaxUrlLength - fixed : 0;
  return chunk_for_in_list(field, ids, std::max(budget, empty_list));
}

ContractIndex read_contracts(Call& call, Client& client, const std::vector<ContractKey>& pairs) {
  ContractIndex index;
  if (pairs.empty()) return index;
  client.ensure_discovered(call);

  std::map<int64_t, std::set<int64_t>> products_by_company;
  for (const ContractKey& k : pairs) products_by_company[k.company_id].insert(k.product_id);
  std::vector<int64_t> companies;
  for (const auto& [company, products] : products_by_company) companies.push_back(company);

  // 1. Active agreements of every company, a few hundred companies per query.
  std::vector<ListQuery> agreement_lists;
  for (auto& chunk :
       chunk_ids_for_url(client.api_base(), "company/id", companies, agreements_query))
    agreement_lists.push_back(
        ListQuery{agreements_query(chunk), "agreements", "list active agreements", false});
  std::set<int64_t> agreement_ids;
  for (const auto& rows : fetch_all(call, client, agreement_lists)) {
    for (const auto& row : rows) {
      auto agreement = agreement_row(row);
      if (!agreement || products_by_company.count(agreement->company_id) == 0) continue;
      if (!agreement_ids.insert(agreement->id).second) continue;
      index.add_agreement(*agreement);
    }
  }

  // 2. One round: the additions of each agreement, and the companies without an agreement.
  std::vector<ListQuery> lists;
  std::vector<int64_t> list_agreement;  // agreement id per additions list
  for (int64_t company : companies) {
    const auto* agreements = index.agreements_of(company);
    if (agreements == nullptr) continue;
    std::vector<int64_t> products(products_by_company[company].begin(),
                                  products_by_company[company].end());
    for (const AgreementRow& agreement : *agreements) {
      Query q = additions_query(agreement.id, products);
      // Too many catalog items for one URL: read every non-cancelled addition instead.
      if (client.api_base().size() + q.target_for_page(99999).size() + 20 > kMaxUrlLength)
        q = additions_query(agreement.id, {});
      lists.push_back(ListQuery{std::move(q), "agreement_additions",
                                "list additions of agreement " + std::to_string(agreement.id),
                                true});
      list_agreement.push_back(agreement.id);
    }
  }
  const size_t additions_lists = lists.size();
  std::vector<int64_t> without_agreement;
  for (int64_t company : companies)
    if (!index.has_agreements(company)) without_agreement.push_back(company);
  for (auto& chunk : chunk_ids_for_url(client.api_base(), "id", without_agreement, companies_query))
    lists.push_back(ListQuery{companies_query(chunk), "companies", "look up companies", false});
  call.debug("contract lines of " + std::to_string(companies.size()) +
             " compan(ies): " + std::to_string(agreement_lists.size()) + " agreement quer(ies), " +
             std::to_string(additions_lists) + " active agreement(s), " +
             std::to_string(lists.size() - additions_lists) + " company look-up(s)");
  if (lists.empty()) return index;

  std::vector<std::vector<boost::json::object>> results = fetch_all(call, client, lists);
  for (size_t i = 0; i < additions_lists; ++i) {
    for (const auto& row : results[i]) {
      auto addition = addition_row(row, list_agreement[i]);
      if (addition) index.add_addition(*addition);
    }
  }
  for (int64_t company : without_agreement) index.mark_looked_up(company);
  for (size_t i = additions_lists; i < results.size(); ++i) {
    for (const auto& row : results[i]) {
      auto company = company_row(row);
      if (company) index.add_company(*company);
    }
  }
  return index;
}

}  // namespace meterbridge::connectwise
