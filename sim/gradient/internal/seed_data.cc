#include "sim/gradient/internal/seed_data.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>

#include "sim/gradient/internal/model.h"

namespace mb::sim::gradient {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultPartners = 1;
constexpr int64_t kDefaultAccounts = 10;
constexpr int64_t kDefaultClients = 20;
constexpr int64_t kDefaultServices = 2;
constexpr int64_t kMaxPartners = 100;
constexpr int64_t kMaxRecords = 100000;
constexpr int64_t kMaxServices = 100;
// Every tenth generated account is left unmapped, so a full push shows the documented 404s.
constexpr int64_t kUnmappedAccountEvery = 10;

struct ServiceTemplate {
  std::string_view name;
  std::string_view description;
  std::string_view category;
  std::string_view subcategory;
};

constexpr std::array<ServiceTemplate, 8> kServiceTemplates = {{
    {"Acme EDR - protected devices", "Devices protected by Acme EDR", "security",
     "endpoint detection and response (EDR)"},
    {"Acme Email Security - protected users", "Mailboxes protected by Acme Email Security",
     "security", "email security"},
    {"Acme DNS Filter - protected users", "Users behind Acme DNS filtering", "security",
     "DNS filtering"},
    {"Acme Awareness Training - enrolled users", "Users enrolled in Acme awareness training",
     "security", "privacy and security awareness training"},
    {"Acme Cloud Backup - protected devices", "Devices backed up by Acme Cloud Backup", "backup",
     "cloud backup"},
    {"Acme MFA - enrolled users", "Users enrolled in Acme MFA", "security",
     "multi factor authentication (MFA)"},
    {"Acme SIEM - monitored devices", "Devices monitored by Acme SIEM", "security",
     "security information and event management (SIEM)"},
    {"Acme Phishing Simulation - enrolled users", "Users enrolled in Acme phishing simulation",
     "security", "phishing simulation"},
}};

int64_t ranged(const GenerateSpec& spec, std::string_view key, int64_t fallback, int64_t low,
               int64_t high) {
  const int64_t value = spec.get(key, fallback);
  if (value < low || value > high) {
    throw SeedError(std::string(key) + " must be between " + std::to_string(low) + " and " +
                    std::to_string(high));
  }
  return value;
}

std::string padded(std::string_view prefix, int64_t index, int width) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*lld", width, static_cast<long long>(index));
  return std::string(prefix) + digits;
}

json::object generated_vendor(int64_t services, IdSource& ids) {
  json::array skus;
  for (int64_t i = 0; i < services; ++i) {
    const size_t slot = static_cast<size_t>(i);
    json::object sku;
    sku["id"] = ids.object_id();
    if (slot < kServiceTemplates.size()) {
      const ServiceTemplate& service = kServiceTemplates[slot];
      sku["name"] = service.name;
      sku["description"] = service.description;
      sku["category"] = service.category;
      sku["subcategory"] = service.subcategory;
    } else {
      sku["name"] = padded("Acme Module ", i + 1, 3) + " - units";
      sku["description"] = "Units of an additional Acme module";
      sku["category"] = "other";
      sku["subcategory"] = "other";
    }
    sku["supportContact"] = "support@acme.example";
    skus.push_back(std::move(sku));
  }
  return json::object{{"vendorKey", kDefaultVendorKey},
                      {"id", "6650a1c2e4b0a1b2c3d4e501"},
                      {"name", "Acme Security"},
                      {"description", "Endpoint and email security for MSPs"},
                      {"imageUri", "https://acme.example/logo.png"},
                      {"integrationPortalUrl", "https://portal.acme.example/integrations/gradient"},
                      {"vendorSupportPageUrl", "https://acme.example/support"},
                      {"organizationId", "6650a1c2e4b0a1b2c3d4e500"},
                      {"createdAt", "2024-05-24T14:21:54.112Z"},
                      {"updatedAt", "2024-05-24T14:21:54.112Z"},
                      {"skus", std::move(skus)}};
}

json::object generated_partner(int64_t index, int64_t accounts, int64_t clients,
                               const json::array& skus, DeterministicRandom& random,
                               IdSource& ids) {
  json::array account_rows;
  json::array client_rows;
  json::array account_mappings;
  for (int64_t i = 1; i <= accounts; ++i) {
    const std::string account_id = padded("cust-", i, 5);
    const std::string name = generated_company_name(random, i);
    account_rows.push_back(json::object{{"id", account_id}, {"name", name}, {"description", ""}});
    // The PSA knows the first customers under the very same names, as after an exact-name match.
    if (i <= clients) {
      const std::string client_id = ids.uuid();
      client_rows.push_back(json::object{{"id", client_id}, {"name", name}});
      if (i % kUnmappedAccountEvery != 0) {
        account_mappings.push_back(
            json::object{{"accountId", account_id}, {"clientId", client_id}});
      }
    }
  }
  for (int64_t i = accounts + 1; i <= clients; ++i) {
    client_rows.push_back(
        json::object{{"id", ids.uuid()}, {"name", generated_company_name(random, i)}});
  }
  json::array service_mappings;
  for (const json::value& sku : skus) {
    service_mappings.push_back(
        json::object{{"serviceId", sku.at("id")}, {"product", sku.at("name")}});
  }
  return json::object{{"partnerKey", padded("pk_gen_", index, 1)},
                      {"organizationId", ids.object_id()},
                      {"name", padded("Managed IT Partner ", index, 2)},
                      {"integrationId", ids.object_id()},
                      {"status", "pending"},
                      {"accounts", std::move(account_rows)},
                      {"clients", std::move(client_rows)},
                      {"accountMappings", std::move(account_mappings)},
                      {"serviceMappings", std::move(service_mappings)}};
}

}  // namespace

json::value default_gradient_seed() {
  return json::parse(R"seed({
    "vendor": {
      "vendorKey": "vk_live_123",
      "id": "6650a1c2e4b0a1b2c3d4e501",
      "name": "Acme Security",
      "description": "Endpoint and email security for MSPs",
      "imageUri": "https://acme.example/logo.png",
      "integrationPortalUrl": "https://portal.acme.example/integrations/gradient",
      "vendorSupportPageUrl": "https://acme.example/support",
      "organizationId": "6650a1c2e4b0a1b2c3d4e500",
      "createdAt": "2024-05-24T14:21:54.112Z",
      "updatedAt": "2024-05-24T14:21:54.112Z",
      "skus": [
        {"id": "6650a1c2e4b0a1b2c3d4e777", "name": "Acme EDR - protected devices",
         "description": "Devices protected by Acme EDR", "category": "security",
         "subcategory": "endpoint detection and response (EDR)",
         "supportArticle": "https://acme.example/kb/edr", "supportContact": "support@acme.example"},
        {"id": "6650a1c2e4b0a1b2c3d4e778", "name": "Acme Email Security - protected users",
         "description": "Mailboxes protected by Acme Email Security", "category": "security",
         "subcategory": "email security", "supportContact": "support@acme.example"}
      ]
    },
    "partners": [
      {
        "partnerKey": "pk_456",
        "organizationId": "6650a1c2e4b0a1b2c3d4e5f6",
        "name": "Northwind IT",
        "integrationId": "6650a1c2e4b0a1b2c3d4e5d2",
        "status": "pending",
        "accounts": [
          {"id": "cust-7f3a", "name": "Northwind Dental", "description": ""},
          {"id": "cust-91c0", "name": "Harbor Legal LLP", "description": ""}
        ],
        "clients": [
          {"id": "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13", "name": "Northwind Dental"},
          {"id": "5a9e0d72-1c3b-4f8a-8e24-6b7f1d9c0a35", "name": "Harbor Legal LLP"},
          {"id": "8c41f6a9-2e7b-4d03-a5c8-9f1e3b6d2c47", "name": "Margie's Travel & Tours"},
          {"id": "b6d03e58-4f1a-4c92-8d7e-1a5c9e2f8b60", "name": "Tailspin Toys"},
          {"id": "e1a7c924-6b8d-4a15-9f30-7d2e4c8b1a92", "name": "Wide World Importers"}
        ],
        "accountMappings": [
          {"accountId": "cust-7f3a", "clientId": "3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13"}
        ],
        "serviceMappings": [
          {"serviceId": "6650a1c2e4b0a1b2c3d4e777", "product": "EDR-DEVICE"}
        ]
      },
      {
        "partnerKey": "pk_contoso_789",
        "organizationId": "6650a1c2e4b0a1b2c3d4e6a1",
        "name": "Contoso Managed Services",
        "integrationId": "6650a1c2e4b0a1b2c3d4e6d2",
        "status": "inactive",
        "clients": [
          {"id": "0d6c2f8e-93a1-4b57-8e0f-4a2b7c9d1e36", "name": "Fabrikam Legal LLC"},
          {"id": "4e8a1b3c-5d7f-4029-b1c6-8f3e2a9d0b74", "name": "Coho Winery"},
          {"id": "9b2d7e41-0c6a-4f3b-a8d5-6e1c4f7a2b98", "name": "Lucerne Publishing"}
        ]
      }
    ]
  })seed");
}

json::value generate_gradient_seed(const GenerateSpec& spec) {
  spec.require_only({"partners", "accounts", "clients", "services", "seed"});
  const int64_t partners = ranged(spec, "partners", kDefaultPartners, 1, kMaxPartners);
  const int64_t accounts = ranged(spec, "accounts", kDefaultAccounts, 0, kMaxRecords);
  const int64_t clients = ranged(spec, "clients", kDefaultClients, 0, kMaxRecords);
  const int64_t services = ranged(spec, "services", kDefaultServices, 0, kMaxServices);
  DeterministicRandom random(spec.seed());
  // A separate stream for ids, so changing how names are drawn never renumbers the records.
  IdSource ids(spec.seed() ^ 0x5eedf00dULL);
  json::object vendor = generated_vendor(services, ids);
  json::array partner_rows;
  for (int64_t p = 1; p <= partners; ++p) {
    partner_rows.push_back(
        generated_partner(p, accounts, clients, vendor.at("skus").as_array(), random, ids));
  }
  return json::object{{"vendor", std::move(vendor)}, {"partners", std::move(partner_rows)}};
}

}  // namespace mb::sim::gradient
