// Gradient's response bodies, parsed leniently: the success envelope differs between routes
// (flat object on organization, {status,message,data} on the vendor profile and status routes,
// a bare array on accounts, the unwrapped vendor object on create-service), so each parser
// accepts its documented shape and the {data: ...} wrapping of it.
//
//   auto integration = parse_integration(R"({"name":"Northwind IT","status":"pending"})");
//   auto accounts = parse_accounts(R"([{"id":"cust-7f3a","name":"Northwind Dental"}])");
//   std::string why = error_text(R"({"statusCode":404,"message":"No account map found"})");
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_WIRE_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_WIRE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::gradient {

// IntegrationData: one partner's integration with this vendor.
struct Integration {
  std::string organization_id;
  std::string name;  // the MSP
  std::string vendor_id;
  std::string vendor_name;
  std::string integration_id;
  std::string status;  // "active", "inactive", "pending", "disabled", "error"
  std::string last_synced_at;
};

// From Get Partner Integration Settings (flat) or Update Integration Status ({data: ...}).
// nullopt when the body is not such an object (no "status" and no "organizationId").
std::optional<Integration> parse_integration(std::string_view body);

// A vendor account (the vendor's customer), as Get Accounts lists it.
struct Account {
  std::string id;
  std::string name;
  std::string description;
};

// A JSON array of accounts; rows without an id are skipped, numeric ids become strings.
// nullopt when the body is not an array.
std::optional<std::vector<Account>> parse_accounts(std::string_view body);

// A service (SKU) of the vendor's catalog.
struct Sku {
  std::string id;  // "id", or the legacy "_id" holding the same value
  std::string name;
  std::string description;
  std::string category;
  std::string subcategory;
};

// The vendor profile's skus: {data:{skus:[...]}} (Get Vendor) or {skus:[...]} (Create Service).
// nullopt when neither shape is there.
std::optional<std::vector<Sku>> parse_vendor_skus(std::string_view body);

// One PSA client of the MSP (Get Clients). The fields are undocumented: the id comes from "id",
// "_id" or "clientId", the name from "name", "companyName" or "title"; a bare string is both.
struct PsaClient {
  std::string id;
  std::string name;
};

// {meta, clients:[...]} or a bare array; nullopt otherwise.
std::optional<std::vector<PsaClient>> parse_clients(std::string_view body);

// The human part of an error body: NestJS's "message" (a string, or an array of validation
// texts joined by "; "), else "error", else the start of a non-JSON body; "" when empty.
// Clipped to a length fit for a report line.
std::string error_text(std::string_view body);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_WIRE_H_
