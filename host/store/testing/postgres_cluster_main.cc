// postgres_test_cluster start|stop: the `postgres_cluster` ctest fixture. `start` leaves a
// throwaway PostgreSQL cluster running for the whole ctest run and writes its address where
// PostgresCluster::shared() looks; `stop` stops it and removes its folder (ctest runs the
// cleanup step also when tests fail).
#include <cstdio>
#include <cstring>
#include <system_error>

#include "host/store/testing/postgres_cluster.h"

namespace {

// A cluster a previous, interrupted run left behind.
void stop_recorded_cluster() {
  auto file = mb::testing::PostgresCluster::fixture_address_file();
  if (auto old = mb::testing::PostgresCluster::attach(file)) (*old)->stop();
  std::error_code ec;
  std::filesystem::remove(file, ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "start") != 0 && std::strcmp(argv[1], "stop") != 0)) {
    std::fprintf(stderr, "usage: postgres_test_cluster start|stop\n");
    return 2;
  }
  stop_recorded_cluster();
  if (std::strcmp(argv[1], "stop") == 0) return 0;
  auto cluster = mb::testing::PostgresCluster::start(/*detached=*/true);
  if (!cluster) {
    std::fprintf(stderr, "%s\n", cluster.status().message().c_str());
    return 1;
  }
  auto written = (*cluster)->write_address(mb::testing::PostgresCluster::fixture_address_file());
  if (!written.ok()) {
    (*cluster)->stop();
    std::fprintf(stderr, "%s\n", written.message().c_str());
    return 1;
  }
  std::printf("test cluster on port %d in %s\n", (*cluster)->port(), (*cluster)->folder().c_str());
  // The server keeps running for the tests; the cleanup step stops it.
  (*cluster)->keep_running();
  return 0;
}
