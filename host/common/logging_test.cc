// Log lines as an operator's pipeline reads them: JSON, one object per line, with the
// connector and run of the scopes the logging thread is in, and secrets masked as in text.
#include "host/common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <sstream>
#include <thread>

#include "host/common/redaction.h"

namespace mb {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void use(LogFormat format) {
    set_log_sink_for_testing(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_), format);
  }
  // Each line written so far, parsed; fails the test on a line that is not a JSON object.
  std::vector<boost::json::object> json_lines() {
    std::vector<boost::json::object> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(line, ec);
      EXPECT_FALSE(ec) << line;
      if (!ec && v.is_object()) lines.push_back(v.as_object());
    }
    return lines;
  }
  void TearDown() override {
    set_log_sink_for_testing(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
  }

  std::ostringstream out_;
};

TEST_F(LoggingTest, JsonLinesCarryTimeLevelMessageAndTheScopesFields) {
  use(LogFormat::kJson);
  spdlog::info("before any scope");
  {
    LogScope connector("connector", "acme");
    LogScope run("run", "42");
    LogScope plugin("plugin", "ledger");
    spdlog::warn("line \"{}\" held", 7);
  }
  spdlog::error("after");
  auto lines = json_lines();
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  EXPECT_EQ(lines[0].at("level").as_string(), "info");
  EXPECT_EQ(lines[0].at("message").as_string(), "before any scope");
  EXPECT_FALSE(lines[0].contains("connector"));
  EXPECT_EQ(lines[0].at("time").as_string().size(), 24u) << "2026-12-05T08:46:10.123Z";
  EXPECT_EQ(lines[1].at("level").as_string(), "warning");
  EXPECT_EQ(lines[1].at("connector").as_string(), "acme");
  EXPECT_EQ(lines[1].at("run").as_int64(), 42);
  EXPECT_EQ(lines[1].at("message").as_string(), "line \"7\" held");
  EXPECT_EQ(lines[1].at("fields").at("plugin").as_string(), "ledger");
  EXPECT_FALSE(lines[2].contains("connector")) << "a scope ends with its block";
}

TEST_F(LoggingTest, ScopesBelongToTheirThread) {
  use(LogFormat::kJson);
  LogScope connector("connector", "acme");
  std::thread([] { spdlog::info("elsewhere"); }).join();
  auto lines = json_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].contains("connector"));
}

TEST_F(LoggingTest, SecretsAreMaskedInJsonAsInText) {
  SecretRegistry::global().add("log-secret-5f2e9a");
  use(LogFormat::kJson);
  spdlog::info("token log-secret-5f2e9a refused");
  ASSERT_EQ(json_lines().size(), 1u);
  use(LogFormat::kText);
  spdlog::info("token log-secret-5f2e9a refused");
  EXPECT_EQ(out_.str().find("log-secret-5f2e9a"), std::string::npos) << out_.str();
}

TEST(LogFormat, OnlyTextAndJsonAreFormats) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_FALSE(parse_log_format("JSON"));
  EXPECT_FALSE(parse_log_format(""));
}

}  // namespace
}  // namespace mb
