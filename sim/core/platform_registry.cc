#include "sim/core/platform_registry.h"

#include <stdexcept>

namespace mb::sim {

void PlatformRegistry::add(std::string name, std::string description, PlatformFactory factory) {
  if (contains(name)) throw std::invalid_argument("platform '" + name + "' registered twice");
  entries_.push_back(Entry{std::move(name), std::move(description), std::move(factory)});
}

std::unique_ptr<Platform> PlatformRegistry::create(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.name == name) return entry.factory();
  }
  return nullptr;
}

bool PlatformRegistry::contains(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.name == name) return true;
  }
  return false;
}

std::string PlatformRegistry::names() const {
  std::string joined;
  for (const Entry& entry : entries_) {
    if (!joined.empty()) joined += ", ";
    joined += entry.name;
  }
  return joined;
}

}  // namespace mb::sim
