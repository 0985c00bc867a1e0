#include "sim/gradient/internal/service_catalog.h"

#include <algorithm>
#include <array>

namespace mb::sim::gradient {
namespace {

constexpr std::array<std::string_view, 7> kCategories = {
    "security",         "backup",     "productivity", "infrastructure",
    "service delivery", "consulting", "other"};

constexpr std::array<std::string_view, 46> kSubcategories = {
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
    "other",
};

bool contains(std::span<const std::string_view> values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::span<const std::string_view> service_categories() { return kCategories; }
std::span<const std::string_view> service_subcategories() { return kSubcategories; }

bool is_service_category(std::string_view value) { return contains(kCategories, value); }
bool is_service_subcategory(std::string_view value) { return contains(kSubcategories, value); }

}  // namespace mb::sim::gradient
