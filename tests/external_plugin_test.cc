// Loads a plugin built outside this tree (folder given by MB_EXTERNAL_PLUGIN_DIR, set by
// sdk_install_test.sh) and calls every operation through the host, as production would.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "host/plugin/loader.h"

namespace mb {
namespace {

TEST(ExternalPlugin, TheHostLoadsItAndCallsEveryOperation) {
  const char* dir = std::getenv("MB_EXTERNAL_PLUGIN_DIR");
  ASSERT_NE(dir, nullptr) << "run through tests/sdk_install_test.sh";
  LoaderOptions options;
  options.dir = dir;
  auto registry = load_plugins(options);
  ASSERT_TRUE(registry) << registry.status().message();
  auto plugin = registry->find("hello");
  ASSERT_NE(plugin, nullptr) << registry->record("hello")->reason;
  auto session = plugin->open({}, R"({"tenant":"t","api_key":"hello-external","accounts":2})");
  ASSERT_TRUE(session) << session.status().message();

  auto auth = boost::json::parse(*(*session)->invoke(Operation::kAuthenticate, "{}"));
  EXPECT_EQ(auth.at("status").as_string(), "ok");
  auto accounts = boost::json::parse(*(*session)->invoke(Operation::kListAccounts, R"({"limit":10})"));
  EXPECT_EQ(accounts.at("items").as_array().size(), 2u);
  auto services = boost::json::parse(*(*session)->invoke(Operation::kListServices, "{}"));
  EXPECT_EQ(services.at("items").as_array().size(), 2u);
  auto applied = boost::json::parse(*(*session)->invoke(
      Operation::kApplyQuantities,
      R"({"idempotency_key":"k","lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email","target":4}]})"));
  EXPECT_EQ(applied.at("lines").at(0).at("outcome").as_string(), "updated");
  auto read = boost::json::parse(*(*session)->invoke(
      Operation::kReadQuantities, R"({"lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email"}]})"));
  EXPECT_EQ(read.at("lines").at(0).at("quantity").as_int64(), 4);
  EXPECT_TRUE((*session)->invoke(Operation::kDisconnect, "{}"));
  EXPECT_EQ((*session)->invoke(Operation::kProvisionAccounts, "{}").status().code(), ErrorClass::kUnsupported);
}

}  // namespace
}  // namespace mb
