// A million usage rows (100,000 workspaces × 10 services) imported through the real binary
// under an address-space limit (`ulimit -v`) far below what holding the file, a JSON DOM or the
// rows in memory needs: the import streams rows into one transaction, so it fits, and the
// snapshot it commits is complete. Each case generates its file, then imports it (a few seconds
// each on a busy machine: the slowest tests of the usage import, on purpose).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <boost/json.hpp>

#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

namespace fs = std::filesystem;
using testing::run;
using testing::RunResult;
using testing::TempDir;

constexpr int kWorkspaces = 100000;
constexpr int kServices = 10;
constexpr size_t kRows = static_cast<size_t>(kWorkspaces) * kServices;
// Virtual memory the importer may map, in KiB. Reading a 1M-row file whole and parsing it into
// a DOM needs several times this; streaming needs the binary, SQLite's cache and a chunk.
constexpr long kAddressSpaceKiB = 300 * 1024;

std::string workspace_id(int w) { return "ws-" + std::to_string(100000 + w); }
std::string service_id(int s) { return "svc-" + std::to_string(s); }

void write_csv(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << "as_of,workspace_id,workspace_name,service_id,service_name,users,devices\n";
  for (int w = 0; w < kWorkspaces; ++w)
    for (int s = 0; s < kServices; ++s)
      out << "2026-11-21," << workspace_id(w) << ",Workspace " << w << "," << service_id(s)
          << ",Service " << s << "," << (w + s) % 50 << "," << (w * s) % 70 << "\n";
}

void write_json(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << "{\"as_of\": \"2026-11-21\",\n\"workspaces\": [";
  for (int w = 0; w < kWorkspaces; ++w)
    out << (w ? ",\n" : "\n") << R"({"id": ")" << workspace_id(w) << R"(", "name": "Workspace )"
        << w << "\"}";
  out << "],\n\"services\": [";
  for (int s = 0; s < kServices; ++s)
    out << (s ? ",\n" : "\n") << R"({"id": ")" << service_id(s) << R"(", "name": "Service )" << s
        << "\"}";
  out << "],\n\"usage\": [";
  for (int w = 0; w < kWorkspaces; ++w)
    for (int s = 0; s < kServices; ++s)
      out << (w || s ? ",\n" : "\n") << R"({"workspace_id": ")" << workspace_id(w)
          << R"(", "service_id": ")" << service_id(s) << R"(", "users": )" << (w + s) % 50
          << R"(, "devices": )" << (w * s) % 70 << "}";
  out << "]}\n";
}

class UsageImportMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No usage.max_file_mib: the default limit admits a file of a million rows.
    dir_.write("mb.json", R"({"state": {"path": "state/mb.db"}, "plugins": {"dir": "plugins"},
                              "connectors": []})");
    fs::create_directories(dir_.path() / "plugins");
  }
  // `usage import` of `file` under the address-space limit.
  RunResult import_limited(const fs::path& file) {
    return run("ulimit -v " + std::to_string(kAddressSpaceKiB) +
               " && exec env -u MB_SECRET_KEY -u MB_CONFIG " + testing::meterbridge_binary() +
               " --config '" + (dir_ / "mb.json").string() + "' usage import --json '" +
               file.string() + "'");
  }
  void expect_complete(const RunResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto report = boost::json::parse(r.out);
    EXPECT_EQ(report.at("counts").to_number<size_t>(), kRows);
    EXPECT_EQ(report.at("workspaces").to_number<int>(), kWorkspaces);
    EXPECT_EQ(report.at("services").to_number<int>(), kServices);
  }
  TempDir dir_;
};

TEST_F(UsageImportMemoryTest, AMillionCsvRowsImportUnderThreeHundredMegabytes) {
  write_csv(dir_ / "usage.csv");
  expect_complete(import_limited(dir_ / "usage.csv"));
}

TEST_F(UsageImportMemoryTest, AMillionJsonRowsImportUnderThreeHundredMegabytes) {
  write_json(dir_ / "usage.json");
  expect_complete(import_limited(dir_ / "usage.json"));
}

}  // namespace
}  // namespace mb
