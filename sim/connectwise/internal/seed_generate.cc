// generate_seed_document: the --generate data set (docs/simulators.md, "Generated data").
#include "sim/connectwise/internal/seed_data.h"

#include <boost/json.hpp>

#include <array>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultCompanies = 25;
constexpr int64_t kDefaultProducts = 4;
constexpr int64_t kMaxCompanies = 200000;
constexpr int64_t kMaxProducts = 500;

// First ids of each table, as in the reference's examples (company 250, catalog item 55,
// agreement 9001, addition 77), so no two tables share ids by accident.
constexpr int64_t kFirstCompanyId = 250;
constexpr int64_t kFirstCatalogId = 55;
constexpr int64_t kFirstAgreementId = 9001;
constexpr int64_t kFirstAdditionId = 77;

// ---------------------------------------------------------------------------------------------
// Generating

struct VendorProduct {
  std::string_view identifier;
  std::string_view description;
  double price;
  double cost;
};

// The vendor's modules and add-ons, the way an MSP names them in its catalog. One description
// carries an "&" on purpose, to exercise URL encoding of conditions.
constexpr std::array<VendorProduct, 10> kVendorProducts = {{
    {"SEC-EP-DEVICE", "Endpoint Security (per device)", 4.5, 1.2},
    {"SEC-EMAIL-USER", "Email & Collaboration Security (per user)", 3.0, 0.8},
    {"SEC-EDR-DEVICE", "Endpoint Detection and Response (per device)", 6.0, 2.1},
    {"SEC-DATA-USER", "User Data Governance (per user)", 2.0, 0.5},
    {"SEC-NET-DEVICE", "Network Security (per device)", 2.5, 0.7},
    {"SEC-MSG-USER", "Secure Messages (per user)", 1.5, 0.3},
    {"SEC-WEB-USER", "Secure Web Gateway (per user)", 2.0, 0.6},
    {"SEC-WIFI-DEVICE", "WiFi Security (per device)", 1.0, 0.2},
    {"SEC-MDM-DEVICE", "Mobile Device Management (per device)", 2.5, 0.9},
    {"SEC-SAT-USER", "Security Awareness Training (per user)", 1.75, 0.4},
}};

struct GeneratedProduct {
  int64_t id;
  std::string identifier;
  std::string description;
  double price;
  double cost;
  bool per_device;
};

std::vector<GeneratedProduct> vendor_products(int64_t count) {
  std::vector<GeneratedProduct> products;
  for (int64_t i = 0; i < count; ++i) {
    GeneratedProduct product;
    product.id = kFirstCatalogId + i;
    if (i < static_cast<int64_t>(kVendorProducts.size())) {
      const VendorProduct& known = kVendorProducts[static_cast<size_t>(i)];
      product.identifier = known.identifier;
      product.description = known.description;
      product.price = known.price;
      product.cost = known.cost;
    } else {
      const std::string number = std::to_string(i + 1);
      product.identifier = "SEC-ADDON-" + number + "-USER";
      product.description = "Security Add-on " + number + " (per user)";
      product.price = 1.0;
      product.cost = 0.25;
    }
    product.per_device = product.identifier.ends_with("-DEVICE");
    products.push_back(std::move(product));
  }
  return products;
}

json::object catalog_item(int64_t id, std::string_view identifier, std::string_view description,
                          double price, double cost, std::string_view product_class, bool recurring,
                          bool inactive) {
  return json::object{{"id", id},
                      {"identifier", identifier},
                      {"description", description},
                      {"inactiveFlag", inactive},
                      {"productClass", product_class},
                      {"price", price},
                      {"cost", cost},
                      {"customerDescription", description},
                      {"recurringFlag", recurring}};
}

// "Margie's Dental & Co 0042" -> "MargiesDental0042": the short key ConnectWise users type (at
// most 25 characters).
std::string identifier_from_name(std::string_view name, int64_t index) {
  constexpr size_t kMaxIdentifier = 25;  // the platform's limit
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "%04lld", static_cast<long long>(index));
  const size_t room = kMaxIdentifier - std::string_view(suffix).size();
  std::string identifier;
  int words = 0;
  bool in_word = false;
  for (char c : name) {
    if (c == ' ') {
      if (in_word && ++words == 2) break;
      in_word = false;
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) && identifier.size() < room) {
      identifier += c;
      in_word = true;
    }
  }
  return identifier + suffix;
}

// Some customers are known by a nickname in double quotes, which breaks naive condition
// building: Northwind "Dental" Group 0042.
std::string quote_second_word(const std::string& name) {
  const size_t first_space = name.find(' ');
  const size_t second_space =
      first_space == std::string::npos ? first_space : name.find(' ', first_space + 1);
  if (second_space == std::string::npos) return name;
  return name.substr(0, first_space + 1) + '"' +
         name.substr(first_space + 1, second_space - first_space - 1) + '"' +
         name.substr(second_space);
}

class SeedBuilder {
 public:
  SeedBuilder(int64_t companies, int64_t products, uint64_t seed)
      : company_count_(companies), products_(vendor_products(products)), random_(seed) {}

  json::value build() {
    add_catalog();
    for (int64_t index = 1; index <= company_count_; ++index) add_company(index);
    return json::object{
        {"site", site_to_json(SiteInfo{})},
        {"apiMembers", json::array{json::object{{"publicKey", kDefaultPublicKey},
                                                {"privateKey", kDefaultPrivateKey}}}},
        {"clientIds", json::array{}},
        {"companies", std::move(companies_)},
        {"catalog", std::move(catalog_)},
        {"agreements", std::move(agreements_)},
        {"additions", std::move(additions_)}};
  }

 private:
  void add_catalog() {
    for (const GeneratedProduct& product : products_) {
      catalog_.push_back(catalog_item(product.id, product.identifier, product.description,
                                      product.price, product.cost, "Service", true, false));
    }
    int64_t id = kFirstCatalogId + static_cast<int64_t>(products_.size());
    // What else sits in a real MSP catalog: things that are not the vendor's, and a retired
    // vendor SKU that must not be offered for mapping.
    catalog_.push_back(catalog_item(id++, "LABOR-REMOTE", "Remote support labor (hourly)", 125.0,
                                    60.0, "Service", false, false));
    catalog_.push_back(catalog_item(id++, "BACKUP-1TB", "Cloud backup 1 TB", 40.0, 18.0,
                                    "NonInventory", true, false));
    catalog_.push_back(catalog_item(id, "SEC-LEGACY-AV", "Legacy Antivirus (retired)", 2.0, 0.5,
                                    "Service", true, true));
  }

  // One customer. The draw decides its shape (rates in docs/simulators.md):
  //   deleted company 2% | no agreement 4% | two active agreements 3% |
  //   a cancelled and a replacement addition 5% | one product missing 10% |
  //   an old cancelled agreement besides the active one 5% | otherwise the plain case.
  void add_company(int64_t index) {
    const int64_t company_id = kFirstCompanyId + index - 1;
    std::string name = generated_company_name(random_, index);
    if (random_.chance(0.03)) name = quote_second_word(name);
    const double shape = random_.unit();
    const int64_t users = random_.uniform(2, 250);
    const int64_t devices = users + random_.uniform(0, users / 2 + 1);

    json::object company{{"id", company_id},
                         {"identifier", identifier_from_name(name, index)},
                         {"name", name},
                         {"phoneNumber", "555-01" + std::to_string(10 + index % 90)},
                         {"website", "www.example-" + std::to_string(index) + ".com"}};
    if (shape < 0.02) {
      company["deletedFlag"] = true;
      company["dateDeleted"] = "2025-05-15T00:00:00Z";
      company["deletedBy"] = "Admin";
      companies_.push_back(std::move(company));
      return;
    }
    companies_.push_back(std::move(company));
    if (shape < 0.06) return;  // a customer without an agreement

    const int64_t agreement_id = add_agreement(company_id, "Managed Security", "Active");
    std::optional<size_t> missing_product;
    if (shape >= 0.14 && shape < 0.24 && !products_.empty()) {
      missing_product =
          static_cast<size_t>(random_.uniform(0, static_cast<int64_t>(products_.size()) - 1));
    }
    for (size_t p = 0; p < products_.size(); ++p) {
      if (missing_product == p) continue;
      const double quantity = static_cast<double>(products_[p].per_device ? devices : users);
      if (p == 0 && shape >= 0.09 && shape < 0.14) {
        // Replaced during the year: the old line is cancelled, a new one carries on.
        add_addition(agreement_id, products_[p], quantity - 1, "2025-01-01T00:00:00Z",
                     "2025-06-30T00:00:00Z");
        add_addition(agreement_id, products_[p], quantity, "2025-07-01T00:00:00Z", nullptr);
      } else {
        add_addition(agreement_id, products_[p], quantity, "2025-01-01T00:00:00Z", nullptr);
      }
    }
    if (shape >= 0.06 && shape < 0.09 && !products_.empty()) {
      // A second active agreement with the same product: the ambiguity clients must report.
      const int64_t second = add_agreement(company_id, "Managed Security - Add-on", "Active");
      add_addition(second, products_[0], static_cast<double>(random_.uniform(1, 10)),
                   "2025-01-01T00:00:00Z", nullptr);
    }
    if (shape >= 0.24 && shape < 0.29) {
      const int64_t old = add_agreement(company_id, "Managed Security (2024)", "Cancelled");
      for (const GeneratedProduct& product : products_) {
        add_addition(old, product, static_cast<double>(users), "2024-01-01T00:00:00Z", nullptr);
      }
    }
  }

  int64_t add_agreement(int64_t company_id, std::string_view name, std::string_view status) {
    const int64_t id = kFirstAgreementId + static_cast<int64_t>(agreements_.size());
    const bool cancelled = status == "Cancelled";
    json::object agreement{
        {"id", id},
        {"name", name},
        {"type", json::object{{"id", 1}, {"name", "Managed Services"}}},
        {"company", json::object{{"id", company_id}}},
        {"contact", json::object{{"id", 5000 + company_id}, {"name", "Primary Contact"}}},
        {"startDate", cancelled ? "2024-01-01T00:00:00Z" : "2025-01-01T00:00:00Z"},
        {"cancelledFlag", cancelled},
        {"agreementStatus", status}};
    if (cancelled) {
      agreement["endDate"] = "2024-12-31T00:00:00Z";
      agreement["dateCancelled"] = "2024-12-31T00:00:00Z";
      agreement["reasonCancelled"] = "Renewed as a new agreement";
    }
    agreements_.push_back(std::move(agreement));
    return id;
  }

  void add_addition(int64_t agreement_id, const GeneratedProduct& product, double quantity,
                    const char* effective_date, const char* cancelled_date) {
    json::object addition{{"id", kFirstAdditionId + static_cast<int64_t>(additions_.size())},
                          {"product", json::object{{"id", product.id}}},
                          {"quantity", quantity},
                          {"billCustomer", "Billable"},
                          {"effectiveDate", effective_date},
                          {"agreementId", agreement_id}};
    if (cancelled_date != nullptr) addition["cancelledDate"] = cancelled_date;
    additions_.push_back(std::move(addition));
  }

  int64_t company_count_;
  std::vector<GeneratedProduct> products_;
  DeterministicRandom random_;
  json::array companies_, catalog_, agreements_, additions_;
};

}  // namespace

json::value generate_seed_document(const GenerateSpec& spec) {
  spec.require_only({"companies", "products", "seed"});
  const int64_t companies = spec.get("companies", kDefaultCompanies);
  const int64_t products = spec.get("products", kDefaultProducts);
  if (companies > kMaxCompanies) {
    throw SeedError("companies must be at most " + std::to_string(kMaxCompanies));
  }
  if (products > kMaxProducts)
    throw SeedError("products must be at most " + std::to_string(kMaxProducts));
  return SeedBuilder(companies, products, spec.seed()).build();
}

}  // namespace mb::sim::connectwise
