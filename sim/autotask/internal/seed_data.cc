#include "sim/autotask/internal/seed_data.h"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>

namespace mb::sim::autotask {
namespace {

namespace json = boost::json;

// The API users every built-in data set has: two sharing one integration code (so they share
// thread-limit buckets), one tied to another code, and one whose security level may read
// tickets but not create or edit them, nor add notes.
json::array standard_users() {
  return json::array{
      json::object{{"userName", "meterbridge-api@acme-it.example"},
                   {"secret", "sim-secret"},
                   {"integrationCode", "MBSIMINTEGRATIONCODE"},
                   {"zoneName", "America East 3"},
                   {"ci", 5}},
      json::object{{"userName", "second-api@acme-it.example"},
                   {"secret", "second-secret"},
                   {"integrationCode", "MBSIMINTEGRATIONCODE"}},
      json::object{{"userName", "other-integration@acme-it.example"},
                   {"secret", "other-secret"},
                   {"integrationCode", "OTHERVENDORCODE"},
                   {"zoneName", "America West 2"},
                   {"ci", 8}},
      json::object{
          {"userName", "billing-only-api@acme-it.example"},
          {"secret", "billing-only-secret"},
          {"integrationCode", "MBSIMINTEGRATIONCODE"},
          {"access", json::object{{"Tickets", json::object{{"create", "None"}, {"update", "None"}}},
                                  {"TicketNotes", json::object{{"create", "None"}}}}}},
  };
}

constexpr std::string_view kDefaultSeed = R"json({
  "description": "meterbridge-sim Autotask default tenant (docs/simulators.md, Autotask)",
  "companies": [
    {"id": 0, "companyName": "Acme IT Services", "companyNumber": "0", "companyType": 1,
     "phone": "555-0100", "ownerResourceID": 29682885},
    {"id": 174, "companyName": "Example Security Vendor", "companyNumber": "VEND174",
     "companyType": 7, "phone": "555-0174", "ownerResourceID": 29682885},
    {"id": 412, "companyName": "Northwind Dental", "companyNumber": "NWD001", "companyType": 1,
     "phone": "555-0412", "city": "Portland", "state": "OR", "ownerResourceID": 29682885,
     "userDefinedFields": [{"name": "Security Workspace", "value": "northwind-dental"}]},
    {"id": 977, "companyName": "Harbor Legal LLP", "companyNumber": "HLL", "companyType": 1,
     "phone": "555-0977", "city": "Boston", "state": "MA", "ownerResourceID": 29682885},
    {"id": 1203, "companyName": "Blue Ridge Veterinary", "companyNumber": "BRV", "companyType": 1,
     "phone": "555-1203", "ownerResourceID": 29682885},
    {"id": 1317, "companyName": "Old Mill Bakery", "companyNumber": "OMB", "companyType": 1,
     "isActive": false, "phone": "555-1317", "ownerResourceID": 29682885},
    {"id": 1450, "companyName": "Summit Accounting Group", "companyNumber": "SAG",
     "companyType": 1, "phone": "555-1450", "ownerResourceID": 29682885}
  ],
  "services": [
    {"id": 31, "name": "Endpoint Protection - per device", "description": "",
     "invoiceDescription": "Endpoint Protection", "unitPrice": 4.5, "unitCost": 1.2,
     "periodType": 1, "billingCodeID": 29682801, "vendorCompanyID": 174, "sku": "SEC-EPP-DEV"},
    {"id": 32, "name": "Email Security - per user", "description": "",
     "invoiceDescription": "Email Security", "unitPrice": 3.0, "unitCost": 0.9,
     "periodType": 1, "billingCodeID": 29682801, "vendorCompanyID": 174, "sku": "SEC-EML-USR"},
    {"id": 33, "name": "Secure Messages - per user", "description": "",
     "invoiceDescription": "Secure Messages", "unitPrice": 1.5, "unitCost": 0.4,
     "periodType": 1, "billingCodeID": 29682801, "vendorCompanyID": 174, "sku": "SEC-MSG-USR"}
  ],
  "contracts": [
    {"id": 9001, "companyID": 412, "contractName": "Northwind Dental - Managed Security",
     "contractNumber": "RS-9001", "contractType": 7, "contractCategory": 2,
     "contractPeriodType": 1, "status": 1, "startDate": "2025-05-01T00:00:00Z",
     "endDate": "2027-04-30T00:00:00Z", "isDefaultContract": false},
    {"id": 9002, "companyID": 977, "contractName": "Harbor Legal - Managed Security",
     "contractNumber": "RS-9002", "contractType": 7, "contractCategory": 2,
     "contractPeriodType": 1, "status": 1, "startDate": "2025-01-01T00:00:00Z",
     "endDate": "2027-12-31T00:00:00Z", "isDefaultContract": false},
    {"id": 9003, "companyID": 1450,
     "contractName": "Summit Accounting - Managed Security 2023-2025",
     "contractNumber": "RS-9003", "contractType": 7, "contractCategory": 2,
     "contractPeriodType": 1, "status": 1, "startDate": "2023-01-01T00:00:00Z",
     "endDate": "2025-12-31T00:00:00Z", "isDefaultContract": false},
    {"id": 9004, "companyID": 977, "contractName": "Harbor Legal - Remote Office",
     "contractNumber": "RS-9004", "contractType": 7, "contractCategory": 2,
     "contractPeriodType": 1, "status": 1, "startDate": "2026-01-01T00:00:00Z",
     "endDate": "2027-12-31T00:00:00Z", "isDefaultContract": false},
    {"id": 9005, "companyID": 412, "contractName": "Northwind Dental - Block Hours",
     "contractNumber": "BH-9005", "contractType": 4, "contractCategory": 1, "status": 1,
     "startDate": "2025-01-01T00:00:00Z", "endDate": "2026-12-31T00:00:00Z",
     "isDefaultContract": true}
  ],
  "contractServices": [
    {"id": 55120, "contractID": 9001, "serviceID": 31, "unitPrice": 4.5, "unitCost": 1.2,
     "units": 40, "unitHistory": [{"id": 880311, "effectiveDate": "2025-06-01", "unitChange": 3}]},
    {"id": 55121, "contractID": 9001, "serviceID": 32, "units": 25},
    {"id": 55130, "contractID": 9002, "serviceID": 31, "units": 60,
     "unitHistory": [{"id": 880312, "effectiveDate": "2026-03-01", "unitChange": -5}]},
    {"id": 55131, "contractID": 9002, "serviceID": 32, "units": 48},
    {"id": 55140, "contractID": 9003, "serviceID": 31, "units": 15},
    {"id": 55150, "contractID": 9004, "serviceID": 31, "unitPrice": 4.25, "units": 7}
  ]
})json";

struct CatalogEntry {
  std::string_view name;
  std::string_view sku;
  double unit_price;
  double unit_cost;
};

constexpr CatalogEntry kCatalog[] = {
    {"Endpoint Protection - per device", "SEC-EPP-DEV", 4.5, 1.2},
    {"Email Security - per user", "SEC-EML-USR", 3.0, 0.9},
    {"Secure Messages - per user", "SEC-MSG-USR", 1.5, 0.4},
    {"EDR - per device", "SEC-EDR-DEV", 6.0, 2.0},
    {"Data Governance - per user", "SEC-DGV-USR", 2.5, 0.7},
    {"Network Security - per device", "SEC-NET-DEV", 5.0, 1.5},
    {"Cloud App Security - per user", "SEC-CAS-USR", 3.5, 1.0},
    {"Security Awareness Training - per user", "SEC-SAT-USR", 2.0, 0.5},
    {"Mobile Device Security - per device", "SEC-MDS-DEV", 2.75, 0.8},
    {"Inbound Gateway - per user", "SEC-IGW-USR", 1.25, 0.3},
};
constexpr int64_t kCatalogSize = static_cast<int64_t>(std::size(kCatalog));

constexpr int64_t kDefaultCompanies = 50;
constexpr int64_t kDefaultServices = 6;
constexpr int64_t kDefaultYear = 2026;
constexpr int64_t kMaxCompanies = 100'000;
constexpr int64_t kMaxServices = 50;
constexpr int64_t kOurCompanyId = 0;
constexpr int64_t kVendorCompanyId = 174;
constexpr int64_t kOwnerResourceId = 29682885;
constexpr int64_t kBillingCodeId = 29682801;

// What a generated client company is; positions are fixed so every tenant of 25 or more
// companies has each edge case (docs/simulators.md lists the rule).
enum class CompanyKind {
  kContracted,          // one Recurring Service contract with every service (most)
  kMissingLine,         // one contract lacking one service
  kInactive,            // isActive false, no contract
  kNoContract,          // active customer without any contract
  kExpiredContract,     // only a contract that ended before the anchor year
  kTwoActiveContracts,  // two overlapping active contracts sharing services
  kProspect,            // companyType 3, no contract
};

CompanyKind kind_of(int64_t k) {
  switch (k % 25) {
    case 5:
      return CompanyKind::kInactive;
    case 10:
      return CompanyKind::kNoContract;
    case 15:
      return CompanyKind::kExpiredContract;
    case 20:
      return CompanyKind::kTwoActiveContracts;
    case 23:
      return CompanyKind::kProspect;
    default:
      return k % 10 == 3 ? CompanyKind::kMissingLine : CompanyKind::kContracted;
  }
}

std::string iso_date(int64_t year, int64_t month, int64_t day) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT00:00:00Z", static_cast<int>(year),
                static_cast<int>(month), static_cast<int>(day));
  return text;
}

double cents(double amount) { return std::round(amount * 100.0) / 100.0; }

class TenantGenerator {
 public:
  explicit TenantGenerator(const GenerateSpec& spec)
      : random_(spec.seed()),
        company_count_(spec.get("companies", kDefaultCompanies)),
        service_count_(spec.get("services", kDefaultServices)),
        year_(spec.get("year", kDefaultYear)) {
    if (company_count_ < 0 || company_count_ > kMaxCompanies) {
      throw SeedError("companies must be between 0 and " + std::to_string(kMaxCompanies));
    }
    if (service_count_ < 1 || service_count_ > kMaxServices) {
      throw SeedError("services must be between 1 and " + std::to_string(kMaxServices));
    }
    if (year_ < 2003 || year_ > 2097) throw SeedError("year must be between 2003 and 2097");
  }

  json::value generate() {
    add_fixed_companies();
    add_services();
    int64_t company_id = 400;
    for (int64_t k = 1; k <= company_count_; ++k) {
      company_id += random_.uniform(1, 4);
      add_client(k, company_id);
    }
    return json::object{{"description", "meterbridge-sim Autotask generated tenant"},
                        {"users", standard_users()},
                        {"companies", std::move(companies_)},
                        {"services", std::move(services_)},
                        {"contracts", std::move(contracts_)},
                        {"contractServices", std::move(lines_)}};
  }

 private:
  void add_fixed_companies() {
    companies_.push_back(json::object{{"id", kOurCompanyId},
                                      {"companyName", "Acme IT Services"},
                                      {"companyNumber", "0"},
                                      {"companyType", 1},
                                      {"isActive", true},
                                      {"phone", "555-0100"},
                                      {"ownerResourceID", kOwnerResourceId}});
    companies_.push_back(json::object{{"id", kVendorCompanyId},
                                      {"companyName", "Example Security Vendor"},
                                      {"companyNumber", "VEND174"},
                                      {"companyType", 7},
                                      {"isActive", true},
                                      {"phone", "555-0174"},
                                      {"ownerResourceID", kOwnerResourceId}});
  }

  void add_services() {
    for (int64_t i = 0; i < service_count_; ++i) {
      const int64_t id = 31 + i;
      std::string name;
      std::string sku;
      double price = 0;
      double cost = 0;
      if (i < kCatalogSize) {
        const CatalogEntry& entry = kCatalog[i];
        name = entry.name;
        sku = entry.sku;
        price = entry.unit_price;
        cost = entry.unit_cost;
      } else {
        name = "Security Add-on " + std::to_string(i + 1) + " - per user";
        sku = "SEC-ADD-" + std::to_string(i + 1);
        price = 1.0 + static_cast<double>(i % 5) * 0.5;
        cost = cents(price * 0.3);
      }
      services_.push_back(json::object{{"id", id},
                                       {"name", name},
                                       {"description", ""},
                                       {"invoiceDescription", name.substr(0, name.find(" - "))},
                                       {"unitPrice", price},
                                       {"unitCost", cost},
                                       {"periodType", 1},
                                       {"isActive", true},
                                       {"billingCodeID", kBillingCodeId},
                                       {"vendorCompanyID", kVendorCompanyId},
                                       {"sku", sku}});
      service_prices_.push_back(price);
    }
  }

  void add_client(int64_t k, int64_t company_id) {
    const CompanyKind kind = kind_of(k);
    const std::string name = generated_company_name(random_, k);
    char number[16];
    std::snprintf(number, sizeof number, "CUST%05d", static_cast<int>(k));
    char phone[16];
    std::snprintf(phone, sizeof phone, "555-%04d", static_cast<int>(random_.uniform(0, 9999)));
    // Separate statements: the order of function arguments is unspecified, draws must not be.
    const int64_t created_year = year_ - 5 + random_.uniform(0, 3);
    const int64_t created_month = random_.uniform(1, 12);
    companies_.push_back(json::object{{"id", company_id},
                                      {"companyName", name},
                                      {"companyNumber", number},
                                      {"companyType", kind == CompanyKind::kProspect ? 3 : 1},
                                      {"isActive", kind != CompanyKind::kInactive},
                                      {"phone", phone},
                                      {"ownerResourceID", kOwnerResourceId},
                                      {"createDate", iso_date(created_year, created_month, 1)}});

    switch (kind) {
      case CompanyKind::kInactive:
      case CompanyKind::kNoContract:
      case CompanyKind::kProspect:
        return;
      case CompanyKind::kExpiredContract: {
        const int64_t contract =
            add_contract(company_id, name + " - Managed Security (expired)",
                         iso_date(year_ - 3, 1, 1), iso_date(year_ - 1, 12, 31));
        for (int64_t s = 0; s < service_count_; ++s)
          add_line(contract, s, random_.uniform(1, 80), false);
        return;
      }
      default:
        break;
    }

    const int64_t start_month = 1 + k % 12;
    const int64_t contract =
        add_contract(company_id, name + " - Managed Security", iso_date(year_ - 1, start_month, 1),
                     iso_date(year_ + 2, 12, 31));
    const int64_t missing =
        kind == CompanyKind::kMissingLine && service_count_ > 1 ? (k / 10) % service_count_ : -1;
    for (int64_t s = 0; s < service_count_; ++s) {
      if (s != missing) add_line(contract, s, random_.uniform(0, 250), true);
    }
    if (kind == CompanyKind::kTwoActiveContracts) {
      const int64_t second = add_contract(company_id, name + " - Additional Site",
                                          iso_date(year_, 1, 1), iso_date(year_ + 1, 12, 31));
      for (int64_t s = 0; s < std::min<int64_t>(2, service_count_); ++s) {
        add_line(second, s, random_.uniform(1, 30), false);
      }
    }
  }

  int64_t add_contract(int64_t company_id, const std::string& name, std::string start,
                       std::string end) {
    next_contract_id_ += random_.uniform(1, 3);
    contracts_.push_back(json::object{{"id", next_contract_id_},
                                      {"companyID", company_id},
                                      {"contractName", name},
                                      {"contractNumber", "RS-" + std::to_string(next_contract_id_)},
                                      {"contractType", 7},
                                      {"contractCategory", 2},
                                      {"contractPeriodType", 1},
                                      {"status", 1},
                                      {"startDate", std::move(start)},
                                      {"endDate", std::move(end)},
                                      {"isDefaultContract", false},
                                      {"timeReportingRequiresStartAndStopTimes", 1}});
    return next_contract_id_;
  }

  void add_line(int64_t contract_id, int64_t service_index, int64_t units, bool with_history) {
    double price = service_prices_[static_cast<size_t>(service_index)];
    if (random_.chance(0.1)) price = cents(price * 0.9);  // a negotiated discount
    json::object line{{"id", next_line_id_++},
                      {"contractID", contract_id},
                      {"serviceID", 31 + service_index},
                      {"unitPrice", price},
                      {"units", units}};
    if (with_history && random_.chance(0.25)) {
      // One earlier change in the anchor year, so readers must pick the row covering their
      // date rather than the first row.
      int64_t change = random_.uniform(-10, 15);
      if (change == 0 || units + change < 0) change = random_.uniform(1, 15);
      line["unitHistory"] =
          json::array{json::object{{"id", next_adjustment_id_++},
                                   {"effectiveDate", iso_date(year_, random_.uniform(1, 10), 1)},
                                   {"unitChange", change}}};
    }
    lines_.push_back(std::move(line));
  }

  DeterministicRandom random_;
  const int64_t company_count_;
  const int64_t service_count_;
  const int64_t year_;
  std::vector<double> service_prices_;
  int64_t next_contract_id_ = 9000;
  int64_t next_line_id_ = 55001;
  int64_t next_adjustment_id_ = 880001;
  json::array companies_;
  json::array services_;
  json::array contracts_;
  json::array lines_;
};

}  // namespace

json::value default_tenant_seed() {
  json::value seed = json::parse(kDefaultSeed);
  seed.as_object()["users"] = standard_users();
  return seed;
}

json::value generate_tenant_seed(const GenerateSpec& spec) {
  spec.require_only({"companies", "services", "seed", "year"});
  return TenantGenerator(spec).generate();
}

}  // namespace mb::sim::autotask
