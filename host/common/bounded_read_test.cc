#include "host/common/bounded_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <sstream>

#include "tests/testing/temp_dir.h"

namespace mb {
namespace {

using testing::TempDir;

TEST(BoundedRead, ReadsARegularFileUpToTheLimit) {
  TempDir dir;
  auto exact = dir.write("exact", std::string(1024, 'x'));
  auto r = read_regular_file(exact, 1024);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->size(), 1024u);
  auto over = dir.write("over", std::string(1025, 'x'));
  auto refused = read_regular_file(over, 1024);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().message(), "is larger than the 1 KiB limit");
}

TEST(BoundedRead, RefusesDevicesAtOnce) {
  auto start = std::chrono::steady_clock::now();
  auto r = read_regular_file("/dev/zero", 64 * 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), "is not a regular file");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(BoundedRead, RefusesAFifoWithoutWaitingForAWriter) {
  TempDir dir;
  auto fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = read_regular_file(fifo, 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), "is not a regular file");
}

TEST(BoundedRead, RefusesAFolderAndReportsAMissingFileAsNotFound) {
  TempDir dir;
  EXPECT_FALSE(read_regular_file(dir.path(), 1024));
  auto missing = read_regular_file(dir / "nothing", 1024);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorClass::kNotFound);
}

TEST(BoundedRead, StopsReadingAStreamPastTheLimit) {
  std::istringstream small("hello");
  EXPECT_EQ(*read_stream(small, 5), "hello");
  std::istringstream big(std::string(200 * 1024, 'x'));
  EXPECT_FALSE(read_stream(big, 100 * 1024));
}

TEST(BoundedRead, FormatsSizesAsPeopleWriteThem) {
  EXPECT_EQ(format_byte_size(64 * 1024), "64 KiB");
  EXPECT_EQ(format_byte_size(4 * 1024 * 1024), "4 MiB");
  EXPECT_EQ(format_byte_size(1500), "1500 bytes");
}

}  // namespace
}  // namespace mb
