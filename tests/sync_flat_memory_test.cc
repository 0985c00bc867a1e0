// A sync's memory does not grow with its lines: the engine plans, records, reads, decides and
// writes a chunk of workspaces at a time through the store (docs/sync.md, "Memory"). Measured
// through meterbridge-bench-sync's host-only steps, each a process of its own so its peak
// resident set (ru_maxrss) is the sync's alone: `prepare` fills a state file with N lines, then
// `engine` syncs them (5% changed) against the benchmark's in-process fake plugin.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "tests/testing/run.h"
#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::run;
using testing::RunResult;
using testing::TempDir;

std::string bench_binary() {
  return (testing::build_dir() / "bin" / "meterbridge-bench-sync").string();
}

// The JSON object a host-only step prints on its last line.
boost::json::object step(const std::string& which, size_t lines, const TempDir& dir) {
  RunResult r = run(bench_binary() + " --host-only " + which + " --lines " + std::to_string(lines) +
                    " --dir '" + dir.path().string() + "'");
  EXPECT_EQ(r.exit_code, 0) << which << ": " << r.err;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  size_t last = out.rfind('\n');
  boost::system::error_code ec;
  auto v = boost::json::parse(last == std::string::npos ? out : out.substr(last + 1), ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << which << " printed no result: " << r.out << r.err;
    return {};
  }
  return v.get_object();
}

struct SyncFigure {
  int64_t lines = 0;
  double peak_mb = 0;
};

SyncFigure sync_of(size_t lines) {
  TempDir dir;
  step("prepare", lines, dir);
  boost::json::object synced = step("engine", lines, dir);
  SyncFigure f;
  if (const auto* n = synced.if_contains("lines")) f.lines = n->to_number<int64_t>();
  if (const auto* p = synced.if_contains("peak_rss_mb")) f.peak_mb = p->to_number<double>();
  return f;
}

TEST(SyncFlatMemoryTest, FourTimesTheLinesCostFarLessThanFourTimesTheMemory) {
  const SyncFigure small = sync_of(10000);
  const SyncFigure large = sync_of(40000);
  ASSERT_EQ(small.lines, 10000);
  ASSERT_EQ(large.lines, 40000);
  // An engine holding the run (every line's strings, the map of current values) needs about
  // 1 KB a line: 30,000 more lines were some 30 MB more. Streamed, what still grows is per
  // workspace (3,000 more: ids, mappings, their index), a small part of that.
  EXPECT_LT(large.peak_mb - small.peak_mb, 10.0)
      << "peak RSS " << small.peak_mb << " MB at 10,000 lines, " << large.peak_mb
      << " MB at 40,000";
}

}  // namespace
}  // namespace mb
