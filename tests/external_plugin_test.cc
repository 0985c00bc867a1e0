// Loads a plugin built outside this tree (folder given by MB_EXTERNAL_PLUGIN_DIR, set by
// sdk_install_test.sh) and calls every operation through the host, as production would.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "host/plugin/loader.h"

namespace mb {
namespace {

// The plugins in the folder sdk_install_test.sh built out of tree.
Result<PluginRegistry> load_external_plugins() {
  const char* dir = std::getenv("MB_EXTERNAL_PLUGIN_DIR");
  LoaderOptions options;
  options.dir = dir != nullptr ? dir : "";
  return load_plugins(options);
}

TEST(ExternalPlugin, TheHostLoadsItAndCallsEveryOperation) {
  ASSERT_NE(std::getenv("MB_EXTERNAL_PLUGIN_DIR"), nullptr)
      << "run through tests/sdk_install_test.sh";
  auto registry = load_external_plugins();
  ASSERT_TRUE(registry) << registry.status().message();
  auto plugin = registry->find("hello");
  ASSERT_NE(plugin, nullptr) << registry->record("hello")->reason;
  auto session = plugin->open({}, R"({"tenant":"t","api_key":"hello-external","accounts":2})");
  ASSERT_TRUE(session) << session.status().message();

  auto auth = boost::json::parse(*(*session)->invoke(Operation::kAuthenticate, "{}"));
  EXPECT_EQ(auth.at("status").as_string(), "ok");
  auto accounts =
      boost::json::parse(*(*session)->invoke(Operation::kListAccounts, R"({"limit":10})"));
  EXPECT_EQ(accounts.at("items").as_array().size(), 2u);
  auto services = boost::json::parse(*(*session)->invoke(Operation::kListServices, "{}"));
  EXPECT_EQ(services.at("items").as_array().size(), 2u);
  auto applied = boost::json::parse(*(*session)->invoke(
      Operation::kApplyQuantities,
      R"({"idempotency_key":"k","lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email","target":4}]})"));
  EXPECT_EQ(applied.at("lines").at(0).at("outcome").as_string(), "updated");
  auto read = boost::json::parse(*(*session)->invoke(
      Operation::kReadQuantities,
      R"({"lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email"}]})"));
  EXPECT_EQ(read.at("lines").at(0).at("quantity").as_int64(), 4);
  EXPECT_TRUE((*session)->invoke(Operation::kDisconnect, "{}"));
  EXPECT_EQ((*session)->invoke(Operation::kProvisionAccounts, "{}").status().code(),
            ErrorClass::kUnsupported);
}

// The strict C99 example, on the SDK's C documents: the same operations, the same answers.
TEST(ExternalPlugin, TheHostLoadsTheCPluginAndCallsEveryOperation) {
  ASSERT_NE(std::getenv("MB_EXTERNAL_PLUGIN_DIR"), nullptr)
      << "run through tests/sdk_install_test.sh";
  auto registry = load_external_plugins();
  ASSERT_TRUE(registry) << registry.status().message();
  if (registry->record("hello-c") == nullptr) GTEST_SKIP() << "hello-c is not installed yet";
  auto plugin = registry->find("hello-c");
  ASSERT_NE(plugin, nullptr) << registry->record("hello-c")->reason;
  auto session = plugin->open({}, R"({"tenant":"t","accounts":3})");
  ASSERT_TRUE(session) << session.status().message();

  auto auth =
      boost::json::parse(*(*session)->invoke(Operation::kAuthenticate, R"({"purpose":"test"})"));
  EXPECT_EQ(auth.at("status").as_string(), "ok");
  auto page1 = boost::json::parse(*(*session)->invoke(Operation::kListAccounts, R"({"limit":2})"));
  EXPECT_EQ(page1.at("items").as_array().size(), 2u);
  auto page2 = boost::json::parse(*(*session)->invoke(
      Operation::kListAccounts,
      R"({"limit":2,"cursor":")" + std::string(page1.at("next_cursor").as_string()) + R"("})"));
  EXPECT_EQ(page2.at("items").at(0).at("id").as_string(), "hc-3");
  EXPECT_TRUE(page2.at("next_cursor").is_null());
  auto services = boost::json::parse(*(*session)->invoke(Operation::kListServices, "{}"));
  EXPECT_EQ(services.at("items").as_array().size(), 2u);
  const char* apply =
      R"({"idempotency_key":"k","lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email","target":4},
                                         {"key":"y","account_id":"hc-9","service_id":"hello-email","target":1}]})";
  auto applied = boost::json::parse(*(*session)->invoke(Operation::kApplyQuantities, apply));
  EXPECT_EQ(applied.at("lines").at(0).at("outcome").as_string(), "updated");
  EXPECT_EQ(applied.at("lines").at(1).at("error_class").as_string(), "not_found");
  auto again = boost::json::parse(*(*session)->invoke(Operation::kApplyQuantities, apply));
  EXPECT_EQ(again.at("lines").at(0).at("outcome").as_string(), "unchanged");
  auto read = boost::json::parse(
      *(*session)->invoke(Operation::kReadQuantities,
                          R"({"lines":[{"key":"x","account_id":"hc-2","service_id":"hello-email"},
                                               {"key":"y","account_id":"hc-9","service_id":"hello-email"}]})"));
  EXPECT_EQ(read.at("lines").at(0).at("quantity").as_int64(), 4);
  EXPECT_EQ(read.at("lines").at(1).at("reason").as_string(), "not_found");
  // A document in the wrong shape is refused by name, not crashed on.
  auto refused = (*session)->invoke(Operation::kReadQuantities, R"({"lines":7})");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(refused.status().message().find("no \"lines\" array"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ((*session)->invoke(Operation::kProvisionAccounts, "{}").status().code(),
            ErrorClass::kUnsupported);
}

}  // namespace
}  // namespace mb
