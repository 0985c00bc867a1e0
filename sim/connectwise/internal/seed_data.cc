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

constexpr const char* kDefaultPublicKey = "Pk7hQ2";
constexpr const char* kDefaultPrivateKey = "Sx9mR4";

// ---------------------------------------------------------------------------------------------
// Reading a seed

const json::object& expect_object(const json::value& value, const std::string& what) {
  if (!value.is_object()) throw SeedError(what + " must be a JSON object");
  return value.get_object();
}

const json::array& expect_array(const json::object& parent, std::string_view key,
                                const std::string& what) {
  static const json::array kEmpty;
  const json::value* value = parent.if_contains(key);
  if (value == nullptr) return kEmpty;
  if (!value->is_array()) throw SeedError(what + " must be an array");
  return value->get_array();
}

std::string expect_string(const json::object& parent, std::string_view key, const std::string& what,
                          std::string fallback) {
  const json::value* value = parent.if_contains(key);
  if (value == nullptr) return fallback;
  if (!value->is_string()) throw SeedError(what + "." + std::string(key) + " must be a string");
  return std::string(value->get_string());
}

void require_known_keys(const json::object& object, std::initializer_list<std::string_view> known,
                        const std::string& what) {
  for (const auto& [key, value] : object) {
    bool found = false;
    for (std::string_view candidate : known) found = found || candidate == key;
    if (!found) throw SeedError(what + " has an unknown member '" + std::string(key) + "'");
  }
}

bool valid_codebase(std::string_view codebase) {
  if (codebase.size() < 2 || codebase.back() != '/') return false;
  for (size_t i = 0; i + 1 < codebase.size(); ++i) {
    const char c = codebase[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

SiteInfo load_site(const json::object& seed) {
  SiteInfo site;
  const json::value* value = seed.if_contains("site");
  if (value == nullptr) return site;
  const json::object& object = expect_object(*value, "site");
  require_known_keys(object,
                     {"companyId", "companyName", "codebase", "versionCode", "versionNumber",
                      "isCloud", "serverTimeZone", "cloudRegion"},
                     "site");
  site.company_id = expect_string(object, "companyId", "site", site.company_id);
  site.company_name = expect_string(object, "companyName", "site", site.company_name);
  site.codebase = expect_string(object, "codebase", "site", site.codebase);
  site.version_code = expect_string(object, "versionCode", "site", site.version_code);
  site.version_number = expect_string(object, "versionNumber", "site", site.version_number);
  site.server_time_zone = expect_string(object, "serverTimeZone", "site", site.server_time_zone);
  site.cloud_region = expect_string(object, "cloudRegion", "site", site.cloud_region);
  if (const json::value* is_cloud = object.if_contains("isCloud")) {
    if (!is_cloud->is_bool()) throw SeedError("site.isCloud must be true or false");
    site.is_cloud = is_cloud->get_bool();
  }
  if (site.company_id.empty()) throw SeedError("site.companyId must not be empty");
  if (!valid_codebase(site.codebase)) {
    throw SeedError("site.codebase must look like \"v2025_1/\" (one path segment ending in /)");
  }
  return site;
}

std::vector<ApiMember> load_api_members(const json::object& seed) {
  if (!seed.contains("apiMembers")) return {ApiMember{kDefaultPublicKey, kDefaultPrivateKey, {}}};
  std::vector<ApiMember> members;
  for (const json::value& value : expect_array(seed, "apiMembers", "apiMembers")) {
    const std::string what = "apiMembers[" + std::to_string(members.size()) + "]";
    const json::object& object = expect_object(value, what);
    require_known_keys(object, {"publicKey", "privateKey", "forbidden"}, what);
    ApiMember member;
    member.public_key = expect_string(object, "publicKey", what, "");
    member.private_key = expect_string(object, "privateKey", what, "");
    if (member.public_key.empty() || member.private_key.empty()) {
      throw SeedError(what + " needs a publicKey and a privateKey");
    }
    for (const json::value& entry : expect_array(object, "forbidden", what + ".forbidden")) {
      if (!entry.is_string()) throw SeedError(what + ".forbidden must hold strings");
      member.forbidden.emplace_back(entry.get_string());
    }
    members.push_back(std::move(member));
  }
  return members;
}

// The records of one table, by id, in the order the completion should see them.
std::map<int64_t, json::object> read_table(const json::object& seed, std::string_view key) {
  std::map<int64_t, json::object> table;
  size_t index = 0;
  for (const json::value& value : expect_array(seed, key, std::string(key))) {
    const std::string what = std::string(key) + "[" + std::to_string(index++) + "]";
    const json::object& object = expect_object(value, what);
    const json::value* id = object.if_contains("id");
    if (id == nullptr || !id->is_int64() || id->get_int64() < 1 ||
        id->get_int64() > std::numeric_limits<int32_t>::max()) {
      throw SeedError(what + " needs an integer id between 1 and 2147483647");
    }
    if (!table.emplace(id->get_int64(), object).second) {
      throw SeedError(std::string(key) + ": id " + std::to_string(id->get_int64()) +
                      " appears twice");
    }
  }
  return table;
}

template <typename Complete>
void load_table(const json::object& seed, std::string_view key, RecordTable& into,
                Complete complete) {
  for (auto& [id, record] : read_table(seed, key)) {
    try {
      complete(record);
    } catch (const RecordError& error) {
      throw SeedError(std::string(key) + " id " + std::to_string(id) + ": " + error.what());
    }
    into.emplace(id, std::move(record));
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

json::value site_to_json(const SiteInfo& site) {
  return json::object{{"companyId", site.company_id},
                      {"companyName", site.company_name},
                      {"codebase", site.codebase},
                      {"versionCode", site.version_code},
                      {"versionNumber", site.version_number},
                      {"isCloud", site.is_cloud},
                      {"serverTimeZone", site.server_time_zone},
                      {"cloudRegion", site.cloud_region}};
}

json::array table_to_json(const RecordTable& table) {
  json::array records;
  records.reserve(table.size());
  for (const auto& [id, record] : table) records.push_back(record);
  return records;
}

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

Dataset load_dataset(const json::value& seed) {
  const json::object& document = expect_object(seed, "the connectwise seed");
  require_known_keys(
      document,
      {"site", "apiMembers", "clientIds", "companies", "catalog", "agreements", "additions"},
      "the connectwise seed");
  Dataset data;
  data.site = load_site(document);
  data.api_members = load_api_members(document);
  for (const json::value& client_id : expect_array(document, "clientIds", "clientIds")) {
    if (!client_id.is_string() || client_id.get_string().empty()) {
      throw SeedError("clientIds must hold non-empty strings");
    }
    data.client_ids.emplace_back(client_id.get_string());
  }
  load_table(document, "catalog", data.catalog,
             [](json::object& item) { complete_catalog_item(item); });
  load_table(document, "companies", data.companies,
             [](json::object& company) { complete_company(company); });
  load_table(document, "agreements", data.agreements,
             [&](json::object& agreement) { complete_agreement(agreement, data); });
  // Additions are numbered within their agreement in id order, as lines are added.
  std::map<int64_t, double> next_sequence;
  load_table(document, "additions", data.additions, [&](json::object& addition) {
    complete_addition(addition, data, AdditionDefaults::kForSeed);
    double& sequence = next_sequence[addition.at("agreementId").get_int64()];
    sequence += 1;
    if (!addition.contains("sequenceNumber")) {
      addition["sequenceNumber"] = sequence;
      refresh_computed_addition_fields(addition, data);  // puts the member in its place
    }
  });
  return data;
}

json::value dataset_to_json(const Dataset& data) {
  json::array members;
  for (const ApiMember& member : data.api_members) {
    json::array forbidden;
    for (const std::string& entry : member.forbidden) forbidden.emplace_back(entry);
    members.push_back(json::object{{"publicKey", member.public_key},
                                   {"privateKey", member.private_key},
                                   {"forbidden", std::move(forbidden)}});
  }
  json::array client_ids;
  for (const std::string& client_id : data.client_ids) client_ids.emplace_back(client_id);
  return json::object{
      {"site", site_to_json(data.site)},           {"apiMembers", std::move(members)},
      {"clientIds", std::move(client_ids)},        {"companies", table_to_json(data.companies)},
      {"catalog", table_to_json(data.catalog)},    {"agreements", table_to_json(data.agreements)},
      {"additions", table_to_json(data.additions)}};
}

json::value default_seed_document() {
  // Small and readable; the tests and docs/simulators.md refer to these records.
  return json::parse(R"seed({
    "site": {"companyId": "northwind", "companyName": "Northwind IT", "codebase": "v2025_1/",
             "versionCode": "v2025.1", "versionNumber": "v4.6.12345", "isCloud": true},
    "apiMembers": [{"publicKey": "Pk7hQ2", "privateKey": "Sx9mR4"}],
    "clientIds": [],
    "catalog": [
      {"id": 55, "identifier": "EPP-DEVICE", "description": "Endpoint protection per device",
       "price": 4.5, "cost": 1.2, "recurringFlag": true, "productClass": "Service"},
      {"id": 56, "identifier": "EMAIL-USER",
       "description": "Email & collaboration security per user",
       "price": 3.0, "cost": 0.8, "recurringFlag": true, "productClass": "Service"},
      {"id": 57, "identifier": "LEGACY-AV", "description": "Legacy antivirus seat (retired)",
       "price": 2.0, "cost": 0.5, "recurringFlag": true, "productClass": "Service",
       "inactiveFlag": true}
    ],
    "companies": [
      {"id": 250, "identifier": "NWD", "name": "Northwind Dental",
       "website": "www.northwind-dental.example"},
      {"id": 251, "identifier": "HarborLegal", "name": "Harbor Legal LLP"},
      {"id": 252, "identifier": "MargiesTravel", "name": "Margie's Travel & Tours"},
      {"id": 253, "identifier": "QuotedCo", "name": "The \"Quoted\" Company"},
      {"id": 254, "identifier": "OldClient", "name": "Old Client Ltd", "deletedFlag": true,
       "dateDeleted": "2025-05-15T00:00:00Z", "deletedBy": "Admin"}
    ],
    "agreements": [
      {"id": 9001, "name": "Managed Security", "company": {"id": 250}, "agreementStatus": "Active"},
      {"id": 9002, "name": "Managed Security", "company": {"id": 251}, "agreementStatus": "Active"},
      {"id": 9003, "name": "Managed Security", "company": {"id": 252}, "agreementStatus": "Active"},
      {"id": 9004, "name": "Managed Security (2024)", "company": {"id": 251},
       "agreementStatus": "Cancelled", "startDate": "2024-01-01T00:00:00Z",
       "endDate": "2024-12-31T00:00:00Z"},
      {"id": 9005, "name": "Managed Security - Add-on", "company": {"id": 252},
       "agreementStatus": "Active"}
    ],
    "additions": [
      {"id": 77, "agreementId": 9001, "product": {"id": 55}, "quantity": 40,
       "billCustomer": "Billable"},
      {"id": 78, "agreementId": 9001, "product": {"id": 56}, "quantity": 12,
       "billCustomer": "Billable"},
      {"id": 79, "agreementId": 9002, "product": {"id": 55}, "quantity": 5,
       "billCustomer": "Billable", "cancelledDate": "2025-03-31T00:00:00Z"},
      {"id": 80, "agreementId": 9002, "product": {"id": 55}, "quantity": 7,
       "billCustomer": "Billable", "effectiveDate": "2025-04-01T00:00:00Z"},
      {"id": 81, "agreementId": 9003, "product": {"id": 55}, "quantity": 18,
       "billCustomer": "Billable"},
      {"id": 82, "agreementId": 9003, "product": {"id": 56}, "quantity": 9,
       "billCustomer": "Billable"},
      {"id": 83, "agreementId": 9004, "product": {"id": 55}, "quantity": 3,
       "billCustomer": "Billable"},
      {"id": 84, "agreementId": 9005, "product": {"id": 55}, "quantity": 2,
       "billCustomer": "Billable"}
    ]
  })seed");
}

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
