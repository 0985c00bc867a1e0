#include "internal/categories.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace meterbridge::gradient {
namespace {

constexpr std::string_view kCategories[] = {"security",       "backup",           "productivity",
                                            "infrastructure", "service delivery", "consulting",
                                            "other"};

constexpr std::string_view kSubcategories[] = {
    "endpoint detection and response (EDR)",
    "email security",
    "virtual private network services (VPN)",
    "DNS filtering",
    "dark web monitoring",
    "password management",
    "single sign on (SSO)",
    "priviledged access and identity management (PAM/PIM)",
    "security information and event management (SIEM)",
    "mobile device management (MDM)",
    "application security",
    "mobile application management (MAM)",
    "multi factor authentication (MFA)",
    "cloud backup",
    "local backup",
    "desktop backup",
    "data archiving",
    "physical offsite storage",
    "business continuity",
    "hosted email",
    "video conferencing",
    "voice over IP services (VOIP)",
    "line of business application support",
    "unified communications as a service (UCaaS)",
    "customer relationship management",
    "cloud storage",
    "website hosting",
    "hardware as a service (HaaS)",
    "managed print services",
    "virtual desktop infrastructure (VDI)",
    "virtual server hosting",
    "infrastructure as a service (IaaS)",
    "end user support",
    "server management and support",
    "network management and support",
    "printer management and support",
    "desktop management and support",
    "hosted security operations centre (SOC)",
    "software development",
    "penetration testing",
    "project services",
    "governance and compliance",
    "business intelligence services / analytics",
    "phishing simulation",
    "privacy and security awareness training",
    "other"};

std::string folded(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  std::string out;
  if (b == std::string_view::npos) return out;
  for (char c : s.substr(b, e - b + 1))
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view suggestion(std::span<const std::string_view> list, std::string_view value) {
  std::string want = folded(value);
  for (std::string_view v : list)
    if (v != value && folded(v) == want) return v;
  return {};
}

}  // namespace

std::span<const std::string_view> categories() { return kCategories; }
std::span<const std::string_view> subcategories() { return kSubcategories; }

bool is_category(std::string_view value) {
  return std::find(std::begin(kCategories), std::end(kCategories), value) != std::end(kCategories);
}

bool is_subcategory(std::string_view value) {
  return std::find(std::begin(kSubcategories), std::end(kSubcategories), value) !=
         std::end(kSubcategories);
}

std::string_view category_suggestion(std::string_view value) {
  return suggestion(kCategories, value);
}

std::string_view subcategory_suggestion(std::string_view value) {
  return suggestion(kSubcategories, value);
}

}  // namespace meterbridge::gradient
