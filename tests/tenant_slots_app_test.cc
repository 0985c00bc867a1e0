// App::tenant_slots_of: the job runner's view of a connector's platform tenant, worked out from
// the config alone (no platform session, nothing contacted): the limit is the plugin manifest's
// http.tenant_concurrency under the connector's own, the key the tenant's budget key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "host/app/app.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;

class TenantSlotsAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "plugins");
    ::chmod((dir_ / "plugins").c_str(), 0755);
    for (const char* name : {"libmeterbridge-autotask.so", "autotask.plugin.json"}) {
      auto to = dir_ / "plugins" / name;
      std::filesystem::copy_file(testing::build_dir() / "plugins" / name, to);
      ::chmod(to.c_str(), 0755);
    }
    options_.config_path = (dir_ / "mb.json").string();
  }

  // An Autotask connector of API user `username`, with `http` settings; its platform is a port
  // nothing listens on, so a session opened by mistake would fail.
  static std::string autotask(const std::string& id, const std::string& username,
                              const std::string& http = "{}") {
    return R"({"id": ")" + id + R"(", "plugin": "autotask", "config": {"username": ")" + username +
           R"(", "secret": "s3cret-value", "integration_code": "INTEGRATION-CODE-1",
              "base_url": "http://127.0.0.1:9/ATServicesRest/"}, "http": )" +
           http + "}";
  }

  void write_config(const std::string& connectors) {
    dir_.write(
        "mb.json",
        R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"}, "connectors": [)" +
            connectors + "]}");
  }

  TempDir dir_;
  app::GlobalOptions options_;
  std::ostringstream out_, err_;
  app::App app_{options_, out_, err_};
};

TEST_F(TenantSlotsAppTest, TheLimitAndKeyComeFromTheConfigWithoutASession) {
  write_config(autotask("a", "api-user@msp-one.example") + ", " +
               autotask("b", "api-user@msp-one.example", R"({"tenant_concurrency": 2})") + ", " +
               autotask("c", "api-user@msp-two.example") + ", " +
               autotask("d", "api-user@msp-two.example", R"({"tenant_concurrency": 0})") + ", " +
               autotask("e", "api-user@msp-three.example", R"({"budget_key": "msp-three"})"));
  auto a = app_.tenant_slots_of("a");
  auto b = app_.tenant_slots_of("b");
  auto c = app_.tenant_slots_of("c");
  auto d = app_.tenant_slots_of("d");
  auto e = app_.tenant_slots_of("e");
  ASSERT_TRUE(a && b && c && d && e) << a.status().message() << b.status().message();
  // The plugin's default, one sync at once per tenant; a connector may say otherwise.
  EXPECT_EQ(a->limit, 1);
  EXPECT_EQ(b->limit, 2);
  EXPECT_EQ(c->limit, 1);
  // One API user, one tenant, whichever connector; its name hashed, never written.
  EXPECT_EQ(a->key, b->key);
  EXPECT_NE(a->key, c->key);
  EXPECT_TRUE(a->key.starts_with("autotask:tenant:")) << a->key;
  EXPECT_EQ(a->key.find("msp-one"), std::string::npos) << a->key;
  EXPECT_EQ(a->key.find("s3cret"), std::string::npos) << a->key;
  // Unlimited: no slot to take, no key worked out.
  EXPECT_EQ(d->limit, 0);
  EXPECT_EQ(d->key, "");
  // The operator's budget_key names the tenant of the slots too.
  EXPECT_EQ(e->key, "msp-three");
  EXPECT_EQ(e->limit, 1);

  auto unknown = app_.tenant_slots_of("nope");
  EXPECT_FALSE(unknown);
}

}  // namespace
}  // namespace mb
