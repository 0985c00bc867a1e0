// Credentials, references and output, tried as an attacker would, in process: the operations and
// the admin API's handler against real plugins (the good test plugin, which echoes the config it
// received, and the hello example, which rejects keys that do not start with "hello-").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <sstream>

#include "host/app/operations.h"
#include "host/common/redaction.h"
#include "host/server/admin_api.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;
using testing::TempDir;

constexpr const char* kApiToken = "api-token-1234567890";

class HardeningConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(plugins_);
    ::chmod(plugins_.c_str(), 0755);
    for (const auto& entry : fs::directory_iterator(testing::build_dir() / "test-plugins" / "good"))
      install(entry.path());
    for (const char* f : {"hello.plugin.json", "libmeterbridge-hello.so"})
      install(testing::build_dir() / "plugins" / f);
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
      "connectors": [{"id": "g", "plugin": "good", "config": {"endpoint": "https://psa.example"}},
                     {"id": "h", "plugin": "hello", "config": {"tenant": "acme"}}]})");
    options_.config_path = (dir_ / "mb.json").string();
    app_ = std::make_unique<app::App>(options_, out_, err_);
    api_ = std::make_unique<server::AdminApi>(*app_, server::AdminApiOptions{.token = kApiToken}, gate_);
  }
  void TearDown() override { SecretRegistry::global().clear_for_testing(); }

  void install(const fs::path& from) {
    fs::copy_file(from, plugins_ / from.filename());
    ::chmod((plugins_ / from.filename()).c_str(), 0755);
  }

  // The config the good plugin's session was opened with: its disconnect echoes it.
  bj::value received_config(const std::string& connector) {
    auto session = app_->open_session(connector);
    EXPECT_TRUE(session) << session.status().message();
    if (!session) return nullptr;
    auto echoed = (*session)->invoke(Operation::kDisconnect, "{}");
    EXPECT_TRUE(echoed) << echoed.status().message();
    return echoed ? bj::parse(*echoed).at("config") : bj::value();
  }

  struct Reply {
    int status = 0;
    bj::value body;
    std::string text;
  };
  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             std::map<std::string, std::string> query = {}) {
    server::ApiRequest req;
    req.method = method;
    req.path = path;
    req.target = path;
    for (size_t start = 1, slash; start <= path.size(); start = slash + 1) {
      slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      req.segments.push_back(path.substr(start, slash - start));
    }
    req.query = std::move(query);
    req.headers["authorization"] = std::string("Bearer ") + kApiToken;
    req.body = body;
    server::ApiResponse r = api_->handle(req);
    Reply reply{r.status, nullptr, r.body};
    boost::system::error_code ec;
    reply.body = bj::parse(r.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.body;
    return reply;
  }

  TempDir dir_;
  fs::path plugins_ = dir_.path() / "plugins";
  app::GlobalOptions options_;
  std::ostringstream out_, err_;
  std::unique_ptr<app::App> app_;
  server::RunGate gate_;
  std::unique_ptr<server::AdminApi> api_;
};

TEST_F(HardeningConfigTest, StoredCredentialsReachThePluginAsLiteralsNeverAsReferences) {
  dir_.write("exfil.txt", "contents-of-a-private-file\n");
  ::setenv("MB_HARDEN_SEALING_KEY", "the-key-that-seals-everything", 1);
  for (const std::string& stored :
       {"${file:" + (dir_ / "exfil.txt").string() + "}", std::string("${file:exfil.txt}"),
        std::string("${env:MB_HARDEN_SEALING_KEY}")}) {
    auto verdict = ops::connect_connector(*app_, "g", bj::serialize(bj::object{{"token", stored}}));
    ASSERT_TRUE(verdict) << verdict.status().message();
    EXPECT_EQ(to_text(verdict->status), "ok");
    EXPECT_EQ(received_config("g").at("token").as_string(), stored);
  }
  // The same through the admin API.
  Reply put = call("PUT", "/v1/connectors/g/credentials", R"({"token": "${file:/etc/passwd}"})");
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_EQ(received_config("g").at("token").as_string(), "${file:/etc/passwd}");
  ::unsetenv("MB_HARDEN_SEALING_KEY");
}

TEST_F(HardeningConfigTest, TheApiStoresRejectedCredentialsOnlyWhenForced) {
  Reply rejected = call("PUT", "/v1/connectors/h/credentials", R"({"api_key": "wrong-key-1234"})");
  EXPECT_EQ(rejected.status, 502) << rejected.text;  // the platform refused them
  EXPECT_EQ(rejected.body.at("error").at("code").as_string(), "auth_failed");
  EXPECT_NE(rejected.text.find("credentials not stored"), std::string::npos) << rejected.text;
  auto store = app_->store();
  ASSERT_TRUE(store);
  EXPECT_FALSE(*(*store)->get_credentials("h"));

  Reply forced = call("PUT", "/v1/connectors/h/credentials", R"({"api_key": "wrong-key-1234"})",
                      {{"force", "true"}});
  ASSERT_EQ(forced.status, 200) << forced.text;
  EXPECT_EQ(forced.body.at("status").as_string(), "error");
  EXPECT_TRUE(*(*store)->get_credentials("h"));
  EXPECT_EQ(to_text((*(*store)->get_connector("h"))->status), "error");
  EXPECT_EQ(forced.text.find("wrong-key-1234"), std::string::npos) << forced.text;
}

TEST_F(HardeningConfigTest, TheApiRefusesADisconnectedConnectorUntilItIsConnectedAgain) {
  ASSERT_TRUE(ops::connect_connector(*app_, "g", R"({"token": "good-token-1"})"));
  ASSERT_EQ(call("POST", "/v1/connectors/g/disconnect").status, 200);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/v1/connectors/g/test"},
                                                        {"GET", "/v1/connectors/g/accounts"},
                                                        {"POST", "/v1/connectors/g/mappings/auto"},
                                                        {"POST", "/v1/connectors/g/sync"}}) {
    Reply refused = call(method, path, method == "POST" ? "{}" : "");
    EXPECT_EQ(refused.status, 409) << path << ": " << refused.text;
    EXPECT_NE(refused.text.find("is disconnected"), std::string::npos) << refused.text;
  }
  Reply reconnected = call("PUT", "/v1/connectors/g/credentials", R"({"token": "good-token-2"})");
  ASSERT_EQ(reconnected.status, 200) << reconnected.text;
  EXPECT_EQ(call("POST", "/v1/connectors/g/test").status, 200);
}

TEST_F(HardeningConfigTest, ApiErrorsStayValidJsonWithoutSecretsOrTheConfigFolder) {
  const std::string secret = "se\"cr\\et-connector";
  SecretRegistry::global().add(secret);
  SecretRegistry::global().add("message");  // a secret that is also part of the error's structure
  Reply r = call("GET", "/v1/connectors/" + secret + "/accounts");
  EXPECT_EQ(r.status, 404);
  ASSERT_TRUE(r.body.is_object()) << r.text;
  const std::string& message = std::string(r.body.at("error").at("message").as_string());
  EXPECT_EQ(message, "no connector '***' in mb.json");
  EXPECT_EQ(r.text.find("cr\\\\et"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find(dir_.path().string()), std::string::npos) << r.text;
}

}  // namespace
}  // namespace mb
