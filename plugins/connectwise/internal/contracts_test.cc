#include "internal/contracts.h"

#include <gtest/gtest.h>

namespace meterbridge::connectwise {
namespace {

AgreementRow agreement(int64_t id, std::string name, int64_t company) {
  return {id, std::move(name), company};
}
AdditionRow addition(int64_t id, int64_t agreement, int64_t product, std::optional<double> q,
                     bool cancelled = false) {
  return {id, agreement, product, q, cancelled};
}

TEST(ContractIndex, FindsTheOneAdditionOfTheProductOnAnActiveAgreement) {
  ContractIndex index;
  index.add_agreement(agreement(9001, "Managed Services", 250));
  index.add_addition(addition(77, 9001, 55, 40.0));
  index.add_addition(addition(78, 9001, 56, 3.0));
  Resolution r = index.resolve(250, 55);
  EXPECT_EQ(r.reason, std::nullopt);
  EXPECT_EQ(r.quantity, 40.0);
  EXPECT_EQ(r.agreement_id, 9001);
  EXPECT_EQ(r.addition_id, 77);
}

TEST(ContractIndex, ACompanyWithoutAnActiveAgreementHasNoContractLine) {
  ContractIndex index;
  Resolution r = index.resolve(250, 55);
  EXPECT_EQ(r.reason, Reason::kNoContractLine);
  EXPECT_EQ(r.message, "company 250 has no active agreement");
}

TEST(ContractIndex, NamesTheAgreementsWhenNoneHasTheProduct) {
  ContractIndex index;
  index.add_agreement(agreement(9001, "Managed Services", 250));
  index.add_agreement(agreement(9002, "Backup", 250));
  index.add_addition(addition(78, 9002, 56, 3.0));
  Resolution r = index.resolve(250, 55);
  EXPECT_EQ(r.reason, Reason::kNoContractLine);
  EXPECT_EQ(r.message,
            "no active addition of catalog item 55 on the active agreements of company 250: "
            "9001 \"Managed Services\", 9002 \"Backup\"");
}

TEST(ContractIndex, IgnoresCancelledAdditions) {
  ContractIndex index;
  index.add_agreement(agreement(9001, "Managed Services", 250));
  index.add_addition(addition(76, 9001, 55, 12.0, /*cancelled=*/true));
  index.add_addition(addition(77, 9001, 55, 40.0));
  Resolution r = index.resolve(250, 55);
  EXPECT_EQ(r.reason, std::nullopt);
  EXPECT_EQ(r.addition_id, 77);

  ContractIndex only_cancelled;
  only_cancelled.add_agreement(agreement(9001, "Managed Services", 250));
  only_cancelled.add_addition(addition(76, 9001, 55, 12.0, true));
  EXPECT_EQ(only_cancelled.resolve(250, 55).reason, Reason::kNoContractLine);
}

TEST(ContractIndex, TwoActiveAdditionsAreAmbiguousAndNamed) {
  ContractIndex index;
  index.add_agreement(agreement(9001, "Managed Services", 250));
  index.add_agreement(agreement(9002, "Backup", 250));
  index.add_addition(addition(77, 9001, 55, 40.0));
  index.add_addition(addition(79, 9002, 55, 2.0));
  Resolution r = index.resolve(250, 55);
  EXPECT_EQ(r.reason, Reason::kAmbiguousContractLine);
  EXPECT_NE(r.message.find("addition 77 on agreement 9001 \"Managed Services\""), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("addition 79 on agreement 9002 \"Backup\""), std::string::npos)
      << r.message;
}

TEST(ContractIndex, TwoAdditionsOnOneAgreementAreAmbiguousToo) {
  ContractIndex index;
  index.add_agreement(agreement(9001, "Managed Services", 250));
  index.add_addition(addition(77, 9001, 55, 40.0));
  index.add_addition(addition(80, 9001, 55, 1.0));
  EXPECT_EQ(index.resolve(250, 55).reason, Reason::kAmbiguousContractLine);
}

TEST(ContractIndex, TellsMissingDeletedAndInactiveCompaniesApart) {
  ContractIndex index;
  index.mark_looked_up(1);
  index.mark_looked_up(2);
  index.mark_looked_up(3);
  index.mark_looked_up(4);
  CompanyRow deleted{2, "GONE", "Gone Inc", "Active", {}, true};
  CompanyRow inactive{3, "OLD", "Old & Co", "Inactive", {}, false};
  CompanyRow active{4, "NEW", "New Co", "Active", {}, false};
  index.add_company(deleted);
  index.add_company(inactive);
  index.add_company(active);
  EXPECT_EQ(index.resolve(1, 55).reason, Reason::kNotFound);
  EXPECT_EQ(index.resolve(2, 55).reason, Reason::kAccountInactive);
  Resolution old = index.resolve(3, 55);
  EXPECT_EQ(old.reason, Reason::kAccountInactive);
  EXPECT_NE(old.message.find("Old & Co"), std::string::npos);
  Resolution fresh = index.resolve(4, 55);
  EXPECT_EQ(fresh.reason, Reason::kNoContractLine);
  EXPECT_EQ(fresh.message, "company 4 (New Co) has no active agreement");
}

TEST(ChunkIdsForUrl, KeepsEveryRequestUnderTwoThousandCharacters) {
  const std::string base = "https://api-na.myconnectwise.net/v2025_1/apis/3.0/";
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 3000; ++i) ids.push_back(1000000 + i * 7);
  auto make = [](const std::vector<int64_t>& chunk) {
    Query q("finance/agreements");
    q.set("conditions", all_of({in_list("company/id", chunk), "agreementStatus=\"Active\""}));
    q.set("fields", "id,name,company,agreementStatus");
    return q;
  };
  auto chunks = chunk_ids_for_url(base, "company/id", ids, make);
  ASSERT_GT(chunks.size(), 1u);
  size_t total = 0;
  for (const auto& chunk : chunks) {
    Query q = make(chunk);
    q.set("pageSize", "1000");
    EXPECT_LE(base.size() + q.target_for_page(99999).size(), kMaxUrlLength);
    total += chunk.size();
  }
  EXPECT_EQ(total, ids.size());
  // Lists are filled, not timid: each but the last is within one id of the limit.
  Query fuller = make([&] {
    auto c = chunks[0];
    c.push_back(chunks[1][0]);
    return c;
  }());
  fuller.set("pageSize", "1000");
  EXPECT_GT(base.size() + fuller.target_for_page(99999).size(), kMaxUrlLength);
}

}  // namespace
}  // namespace meterbridge::connectwise
