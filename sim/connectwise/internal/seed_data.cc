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

json::array table_to_json(const RecordTable& table) {
  json::array records;
  records.reserve(table.size());
  for (const auto& [id, record] : table) records.push_back(record);
  return records;
}

}  // namespace

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

Dataset load_dataset(const json::value& seed) {
  const json::object& document = expect_object(seed, "the connectwise seed");
  require_known_keys(document,
                     {"site", "apiMembers", "clientIds", "companies", "catalog", "agreements",
                      "additions", "boards", "boardStatuses", "priorities", "tickets", "notes"},
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
  load_table(document, "boards", data.boards, [](json::object& board) { complete_board(board); });
  load_table(document, "boardStatuses", data.board_statuses,
             [&](json::object& status) { complete_board_status(status, data); });
  load_table(document, "priorities", data.priorities,
             [](json::object& priority) { complete_priority(priority); });
  load_table(document, "tickets", data.tickets,
             [&](json::object& ticket) { complete_ticket(ticket, data); });
  load_table(document, "notes", data.notes, [](json::object& note) { complete_note(note); });
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
  return json::object{{"site", site_to_json(data.site)},
                      {"apiMembers", std::move(members)},
                      {"clientIds", std::move(client_ids)},
                      {"companies", table_to_json(data.companies)},
                      {"catalog", table_to_json(data.catalog)},
                      {"agreements", table_to_json(data.agreements)},
                      {"additions", table_to_json(data.additions)},
                      {"boards", table_to_json(data.boards)},
                      {"boardStatuses", table_to_json(data.board_statuses)},
                      {"priorities", table_to_json(data.priorities)},
                      {"tickets", table_to_json(data.tickets)},
                      {"notes", table_to_json(data.notes)}};
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
    ],
    "boards": [
      {"id": 12, "name": "Security Alerts"},
      {"id": 13, "name": "Help Desk"},
      {"id": 14, "name": "Projects", "projectFlag": true},
      {"id": 15, "name": "Old Board", "inactiveFlag": true}
    ],
    "boardStatuses": [
      {"id": 101, "name": "New", "board": {"id": 12}, "sortOrder": 1, "defaultFlag": true},
      {"id": 102, "name": "In Progress", "board": {"id": 12}, "sortOrder": 2,
       "escalationStatus": "Responded"},
      {"id": 103, "name": "Waiting (retired)", "board": {"id": 12}, "sortOrder": 3,
       "inactive": true},
      {"id": 109, "name": ">Closed", "board": {"id": 12}, "sortOrder": 9, "closedStatus": true,
       "escalationStatus": "Resolved"},
      {"id": 131, "name": "New", "board": {"id": 13}, "sortOrder": 1, "defaultFlag": true},
      {"id": 139, "name": ">Closed", "board": {"id": 13}, "sortOrder": 9, "closedStatus": true,
       "escalationStatus": "Resolved"}
    ],
    "priorities": [
      {"id": 1, "name": "Priority 1 - Emergency Response", "sortOrder": 1, "level": "Critical",
       "color": "Red"},
      {"id": 2, "name": "Priority 2 - Quick Response", "sortOrder": 2, "level": "High",
       "color": "Orange"},
      {"id": 3, "name": "Priority 3 - Normal Response", "sortOrder": 3, "level": "Medium",
       "defaultFlag": true, "color": "Yellow"},
      {"id": 4, "name": "Priority 4 - Schedule Maintenance", "sortOrder": 4, "level": "Low",
       "color": "Green"}
    ]
  })seed");
}

}  // namespace mb::sim::connectwise
