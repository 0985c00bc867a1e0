// The exact, case-sensitive service category and subcategory values Gradient accepts
// (Gradient's vendor API documentation, from the SDK's ServiceCategoryEnum/ServiceSubCategoryEnum).
// The spelling is Gradient's own, "priviledged" included; the SDK does not tie subcategories to
// categories, so neither does the simulator.
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_SERVICE_CATALOG_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_SERVICE_CATALOG_H_

#include <span>
#include <string_view>

namespace mb::sim::gradient {

std::span<const std::string_view> service_categories();
std::span<const std::string_view> service_subcategories();

bool is_service_category(std::string_view value);
bool is_service_subcategory(std::string_view value);

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_SERVICE_CATALOG_H_
