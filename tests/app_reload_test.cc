// App::reload, the heart of `serve`'s SIGHUP: a reload swaps in a new config and plugin registry
// for whoever asks next, while every snapshot already handed out (a running sync's config, its
// connector, its plugin registry) stays exactly as it was; a reload that fails changes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "host/app/app.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;

class AppReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "plugins");
    ::chmod((dir_ / "plugins").c_str(), 0755);
    add_plugin("ledger");
    options_.config_path = (dir_ / "mb.json").string();
  }

  void add_plugin(const std::string& name) {
    for (const auto& e :
         std::filesystem::directory_iterator(testing::build_dir() / "test-plugins" / name)) {
      auto to = dir_ / "plugins" / e.path().filename().string();
      std::filesystem::copy_file(e.path(), to, std::filesystem::copy_options::overwrite_existing);
      ::chmod(to.c_str(), 0755);
    }
  }

  void write_config(const std::string& connectors) {
    dir_.write(
        "mb.json",
        R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"}, "connectors": [)" +
            connectors + "]}");
  }

  static std::string ledger(const std::string& id, const std::string& partner) {
    return R"({"id": ")" + id + R"(", "plugin": "ledger", "partner": ")" + partner +
           R"(", "config": {"ledger": "ledger.json"}})";
  }

  TempDir dir_;
  app::GlobalOptions options_;
  std::ostringstream out_, err_;
  app::App app_{options_, out_, err_};
};

TEST_F(AppReloadTest, SnapshotsHandedOutBeforeAReloadStayAsTheyWere) {
  write_config(ledger("a", "Old Partner"));
  auto config = app_.config();
  auto connector = app_.connector("a");
  auto plugins = app_.plugins();
  ASSERT_TRUE(config && connector && plugins);

  write_config(ledger("a", "New Partner") + ", " + ledger("b", "Another"));
  add_plugin("good");
  ASSERT_TRUE(app_.reload().ok());

  // What a running sync holds is unchanged...
  EXPECT_EQ((*config)->connectors.size(), 1u);
  EXPECT_EQ((*connector)->partner, "Old Partner");
  EXPECT_EQ((*plugins)->find("good"), nullptr);
  // ...and whoever asks now gets the new config and the rescanned folder.
  EXPECT_EQ((*app_.config())->connectors.size(), 2u);
  EXPECT_EQ((*app_.connector("a"))->partner, "New Partner");
  EXPECT_TRUE(app_.connector("b"));
  EXPECT_NE((*app_.plugins())->find("good"), nullptr);
}

TEST_F(AppReloadTest, AReloadThatFailsChangesNothing) {
  write_config(ledger("a", "Partner"));
  auto before = app_.config();
  ASSERT_TRUE(before);

  dir_.write("mb.json", "{ not json");
  Status invalid = app_.reload();
  EXPECT_EQ(invalid.code(), ErrorClass::kConfigInvalid);
  EXPECT_NE(invalid.message().find("mb.json"), std::string::npos) << invalid.message();
  EXPECT_EQ(app_.config()->get(), before->get());

  write_config(ledger("a", "Partner") + ", " + ledger("b", "Refused"));
  Status refused =
      app_.reload([](const Config&) { return Status::ConfigInvalid("refused by the caller"); });
  EXPECT_EQ(refused.message(), "refused by the caller");
  EXPECT_EQ(app_.config()->get(), before->get());
  EXPECT_FALSE(app_.connector("b"));
}

}  // namespace
}  // namespace mb
