// PlatformRegistry: platform factories keyed by name ("test", "autotask", ...). The one list of
// built-in platforms is sim/platforms.cc; adding a platform is a folder plus one line there.
//
//   PlatformRegistry registry;
//   registry.add("test", "small items API for HTTP client tests", &make_test_platform);
//   std::unique_ptr<Platform> platform = registry.create("test");
#ifndef METERBRIDGE_SIM_CORE_PLATFORM_REGISTRY_H_
#define METERBRIDGE_SIM_CORE_PLATFORM_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/platform.h"

namespace mb::sim {

using PlatformFactory = std::function<std::unique_ptr<Platform>()>;

class PlatformRegistry {
 public:
  struct Entry {
    std::string name;
    std::string description;  // one line, shown by --help
    PlatformFactory factory;
  };

  // Throws std::invalid_argument when the name is taken.
  void add(std::string name, std::string description, PlatformFactory factory);
  // nullptr when no platform has this name.
  std::unique_ptr<Platform> create(std::string_view name) const;
  bool contains(std::string_view name) const;
  // In the order added.
  const std::vector<Entry>& entries() const { return entries_; }
  // "autotask, connectwise, test": for error messages.
  std::string names() const;

 private:
  std::vector<Entry> entries_;
};

// Every platform this build of the simulator serves. Defined in sim/platforms.cc, which is
// linked through mb::sim.
const PlatformRegistry& builtin_platforms();

}  // namespace mb::sim

#endif  // METERBRIDGE_SIM_CORE_PLATFORM_REGISTRY_H_
