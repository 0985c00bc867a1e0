// POST /v1/usage from the socket to the store without holding the document: a real
// `meterbridge serve` writes the body to a temporary file as it arrives and the import reads
// that file a piece at a time, so a push of hundreds of thousands of counts costs the daemon the
// import's working memory, not the document's size. The file is gone once the request is done
// with — imported, refused as invalid, or cut off past the size limit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <string>

#include "tests/testing/proc_status.h"
#include "tests/testing/serve_harness.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::kServeToken;
using testing::RawSocket;
using testing::ServeHarness;
using testing::status_of;

// The most resident memory a process has had, in KiB.
size_t peak_resident_kib(pid_t pid) { return testing::proc_status_kib(pid, "VmHWM"); }

// A usage document of `workspaces` workspaces with a count of each of 5 services.
std::string usage_document(int workspaces) {
  std::string doc = R"({"as_of":"2026-11-21","workspaces":[)";
  for (int i = 0; i < workspaces; ++i)
    doc += (i ? "," : "") + std::string(R"({"id":"ws-)") + std::to_string(i) +
           R"(","name":"Customer )" + std::to_string(i) + R"("})";
  doc += R"(],"services":[)";
  for (int k = 0; k < 5; ++k)
    doc += (k ? "," : "") + std::string(R"({"id":"s)") + std::to_string(k) + R"(","name":"Module )" +
           std::to_string(k) + R"("})";
  doc += R"(],"usage":[)";
  for (int i = 0; i < workspaces; ++i)
    for (int k = 0; k < 5; ++k)
      doc += (i || k ? ",\n" : "\n") + std::string(R"({"workspace_id":"ws-)") +
             std::to_string(i) + R"(","service_id":"s)" + std::to_string(k) +
             R"(","users":)" + std::to_string((i + k) % 40 + 1) + R"(,"devices":)" +
             std::to_string((i * 7 + k) % 90 + 1) + "}";
  return doc + "]}\n";
}

constexpr size_t kBodyLimit = 64 * 1024 * 1024;

class UsagePushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(temp_);
    serve_.write_config({}, R"("api": {"token": "${file:token}", "limits": {"max_usage_body_bytes": )" +
                                std::to_string(kBodyLimit) + "}}");
    // The daemon's temporary folder is the test's, so its spooled bodies can be looked for.
    serve_.start({"--no-schedule"}, {"TMPDIR=" + temp_.string()});
  }

  // Spooled bodies left in the daemon's temporary folder.
  size_t spooled_files() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(temp_))
      if (e.path().filename().string().starts_with("meterbridge-body-")) ++n;
    return n;
  }

  testing::HttpReply push(const std::string& body) const {
    return testing::http_call(serve_.port(), "POST", "/v1/usage", body, kServeToken, 120s);
  }

  ServeHarness serve_;
  fs::path temp_ = serve_.dir() / "tmp";
};

TEST_F(UsagePushTest, APushIsImportedFromTheSocketWithoutHoldingTheDocument) {
  // Warm the daemon up with a small push, so the peak below is the large push's alone.
  auto small = push(usage_document(100));
  ASSERT_EQ(small.status, 201) << small.raw;
  const pid_t pid = serve_.process().pid();
  const size_t before_kib = peak_resident_kib(pid);
  ASSERT_GT(before_kib, 0u);

  const std::string document = usage_document(60'000);  // 300,000 counts, about 24 MB
  ASSERT_GT(document.size(), 20u * 1024 * 1024);
  auto reply = push(document);
  ASSERT_EQ(reply.status, 201) << reply.raw.substr(0, 2000);
  EXPECT_EQ(reply.body.at("counts").as_int64(), 300'000);
  EXPECT_EQ(reply.body.at("workspaces").as_int64(), 60'000);

  // Holding the document would have cost at least its size; the import's own working memory
  // (its declared workspaces, the store's pages) is a small part of it.
  const size_t grown_kib = peak_resident_kib(pid) - before_kib;
  EXPECT_LT(grown_kib * 1024, document.size() / 2)
      << "the daemon's peak grew by " << grown_kib << " KiB for a " << document.size() / 1024
      << " KiB push";
  EXPECT_EQ(spooled_files(), 0u) << "an imported push left its file behind";

  // The snapshot is the store's: the CLI reads the last workspace's counts back.
  auto shown = serve_.cli("--json usage show --workspace ws-59999");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  boost::json::value snapshot = boost::json::parse(shown.out);
  EXPECT_EQ(snapshot.at("source").as_string(), "api");
  const auto& counts = snapshot.at("counts").as_array();
  ASSERT_EQ(counts.size(), 5u) << shown.out;
  const auto& first = counts[0].as_object();
  EXPECT_EQ(first.at("service_id").as_string(), "s0");
  EXPECT_EQ(first.at("users").as_int64(), 59'999 % 40 + 1);
  EXPECT_EQ(first.at("devices").as_int64(), 59'999 * 7 % 90 + 1);
}

TEST_F(UsagePushTest, ARefusedPushLeavesNoFileAndChangesNothing) {
  // Invalid: a count of a workspace the document does not declare. Every error listed, nothing
  // imported, the file removed.
  std::string invalid = usage_document(10);
  invalid.insert(invalid.rfind(']'),
                 R"(,{"workspace_id":"ws-nobody","service_id":"s0","users":1})");
  auto refused = push(invalid);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_NE(refused.raw.find("ws-nobody"), std::string::npos) << refused.raw;
  EXPECT_TRUE(testing::eventually([&] { return spooled_files() == 0; }, 5s));
  auto shown = serve_.cli("usage show");
  EXPECT_NE(shown.out.find("No usage imported yet"), std::string::npos)
      << "a refused push left a snapshot:\n" << shown.out << shown.err;

  // Not a JSON object: refused from the first bytes of the file.
  auto not_json = push("   [1, 2, 3]");
  EXPECT_EQ(not_json.status, 400) << not_json.raw;
  EXPECT_NE(not_json.raw.find("expected a JSON object"), std::string::npos) << not_json.raw;

  // A chunked body that runs past the limit: 413 mid-body, and the part written is removed
  // when the connection ends.
  RawSocket socket(serve_.port());
  std::string head = std::string("POST /v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                     kServeToken + "\r\nContent-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n";
  socket.send(head);
  const std::string chunk(1024 * 1024, ' ');
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  const std::string piece = size_line + chunk + "\r\n";
  // Sent until the daemon answers (before the connection is reset under what is still coming).
  for (size_t sent = 0; sent <= kBodyLimit + chunk.size(); sent += chunk.size()) {
    if (socket.readable(0ms)) break;
    if (socket.send_for(piece, 5s) < piece.size()) break;
  }
  EXPECT_EQ(status_of(socket.read_response(10s)), 413);
  EXPECT_TRUE(testing::eventually([&] { return spooled_files() == 0; }, 5s))
      << spooled_files() << " spooled bodies left";
}

}  // namespace
}  // namespace mb
