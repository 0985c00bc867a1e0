// Gradient's service categories and subcategories: exact, case-sensitive strings that the
// Create Service call accepts and nothing else ("priviledged" is Gradient's own spelling).
// Gradient does not tie a subcategory to a category, so neither does this check.
//
//   is_category("security")                                  // true
//   is_category("Security")                                  // false: case matters
//   is_subcategory("endpoint detection and response (EDR)")  // true
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CATEGORIES_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CATEGORIES_H_

#include <span>
#include <string_view>

namespace meterbridge::gradient {

std::span<const std::string_view> categories();
std::span<const std::string_view> subcategories();

bool is_category(std::string_view value);
bool is_subcategory(std::string_view value);

// For a refused value: a documented value equal to it but for case or surrounding spaces
// ("Security" -> "security"), or "" when there is none.
std::string_view category_suggestion(std::string_view value);
std::string_view subcategory_suggestion(std::string_view value);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_CATEGORIES_H_
