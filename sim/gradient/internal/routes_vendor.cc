// The vendor's profile and its services.
#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/gradient/internal/api_error.h"
#include "sim/gradient/internal/routes.h"
#include "sim/gradient/internal/service_catalog.h"
#include "sim/gradient/internal/token.h"

namespace mb::sim::gradient {

namespace json = boost::json;

// --- Vendor profile and services ----------------------------------------------------------

Response Api::get_vendor(const ApiCall& /*call*/) {
  return Response::json(200, json::object{{"status", 200},
                                          {"data", vendor_json(world_.vendor)},
                                          {"message", "Success - Retrieved Vendor"}});
}

Response Api::update_vendor(const ApiCall& call) {
  FieldChecks checks(parsed_body(call.request));
  const json::string* name = checks.optional_string("name", true);
  const json::string* description = checks.optional_string("description");
  const json::string* support_page = checks.optional_string("vendorSupportPageUrl");
  const json::string* portal = checks.optional_string("integrationPortalUrl");
  const std::array<std::string_view, 4> fields = {"name", "description", "vendorSupportPageUrl",
                                                  "integrationPortalUrl"};
  const bool any = std::any_of(fields.begin(), fields.end(), [&](std::string_view field) {
    return checks.object().contains(field);
  });
  if (!any) {
    checks.fail(
        "at least one of name, description, vendorSupportPageUrl, integrationPortalUrl must be "
        "provided");
  }
  checks.finish();
  Vendor& vendor = world_.vendor;
  if (name != nullptr) vendor.name = text(name);
  if (description != nullptr) vendor.description = text(description);
  if (support_page != nullptr) vendor.vendor_support_page_url = text(support_page);
  if (portal != nullptr) vendor.integration_portal_url = text(portal);
  vendor.updated_at = now_iso8601();
  return Response::json(200, json::object{{"data", vendor_json(vendor)},
                                          {"message", "Success - Updated Vendor"},
                                          {"status", 200}});
}

// Names are not unique: a second POST with the same name makes a second service, which is
// why clients look up services by name in the vendor profile first.
Response Api::create_service(const ApiCall& call) {
  FieldChecks checks(parsed_body(call.request));
  const json::string* name = checks.required_string("name");
  const json::string* description = checks.required_string("description");
  const json::string* category = checks.required_string("category");
  checks.one_of("category", category, service_categories());
  const json::string* subcategory = checks.required_string("subcategory");
  checks.one_of("subcategory", subcategory, service_subcategories());
  const json::string* logo = checks.optional_string("logo");
  const json::string* article = checks.optional_string("supportArticle");
  const json::string* contact = checks.optional_string("supportContact");
  checks.finish();
  Service service;
  do {
    service.id = ids_.object_id();
  } while (world_.vendor.find_service(service.id) != nullptr);
  service.name = text(name);
  service.description = text(description);
  service.category = text(category);
  service.subcategory = text(subcategory);
  if (logo != nullptr) service.logo = text(logo);
  if (article != nullptr) service.support_article = text(article);
  if (contact != nullptr) service.support_contact = text(contact);
  Vendor& vendor = world_.vendor;
  vendor.services.push_back(std::move(service));
  ++vendor.version;
  vendor.updated_at = now_iso8601();
  // The whole vendor, not wrapped in {data}: clients find the new sku by name.
  return Response::json(201, vendor_json(vendor));
}

Service& Api::service_in_path(const Request& request) {
  const std::string& service_id = request.path_param("serviceId");
  if (!is_object_id(service_id)) throw HttpError(400, std::string(kInvalidIdType));
  Service* service = world_.vendor.find_service(service_id);
  if (service == nullptr) throw HttpError(404, "No service found with id: " + service_id);
  return *service;
}

Response Api::get_service(const ApiCall& call) {
  return Response::json(200, json::object{{"data", service_json(service_in_path(call.request))},
                                          {"message", "Success - Retrieved Service"},
                                          {"status", 200}});
}

// The SDK sends no body here (a generator gap), so an empty body is a valid no-op.
Response Api::update_service(const ApiCall& call) {
  Service& service = service_in_path(call.request);
  FieldChecks checks(parsed_body(call.request));
  const json::string* name = checks.optional_string("name", true);
  const json::string* description = checks.optional_string("description");
  const json::string* category = checks.optional_string("category");
  checks.one_of("category", category, service_categories());
  const json::string* subcategory = checks.optional_string("subcategory");
  checks.one_of("subcategory", subcategory, service_subcategories());
  const json::string* logo = checks.optional_string("logo");
  const json::string* article = checks.optional_string("supportArticle");
  const json::string* contact = checks.optional_string("supportContact");
  checks.finish();
  if (name != nullptr) service.name = text(name);
  if (description != nullptr) service.description = text(description);
  if (category != nullptr) service.category = text(category);
  if (subcategory != nullptr) service.subcategory = text(subcategory);
  if (logo != nullptr) service.logo = text(logo);
  if (article != nullptr) service.support_article = text(article);
  if (contact != nullptr) service.support_contact = text(contact);
  world_.vendor.updated_at = now_iso8601();
  return Response::json(200, json::object{{"data", service_json(service)},
                                          {"message", "Success - Updated Service"},
                                          {"status", 200}});
}

}  // namespace mb::sim::gradient
