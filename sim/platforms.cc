// The one list of platforms meterbridge-sim serves. Adding a platform: create sim/<name>/ with
// a library exposing a factory, add it to sim/CMakeLists.txt, and add one line below.
#include "sim/autotask/autotask_platform.h"
#include "sim/connectwise/connectwise_platform.h"
#include "sim/core/platform_registry.h"
#include "sim/core/simulator.h"
#include "sim/external/external_platform.h"
#include "sim/gradient/gradient_platform.h"
#include "sim/testplatform/test_platform.h"

namespace mb::sim {

const PlatformRegistry& builtin_platforms() {
  static const PlatformRegistry registry = [] {
    PlatformRegistry platforms;
    platforms.add("autotask", "Autotask PSA REST v1.0", &autotask::make_autotask_platform);
    platforms.add("connectwise", "ConnectWise Manage", &connectwise::make_connectwise_platform);
    platforms.add("gradient", "Gradient MSP Synthesize vendor API",
                  &gradient::make_gradient_platform);
    platforms.add("external", "external push protocol v1", &external::make_external_platform);
    platforms.add("test", "small items API (bearer auth, paging, echo) for HTTP client tests",
                  &testplatform::make_test_platform);
    return platforms;
  }();
  return registry;
}

std::unique_ptr<Simulator> Simulator::start(const std::string& platform,
                                            const SimOptions& options) {
  return start(builtin_platforms(), platform, options);
}

}  // namespace mb::sim
