// StoreUnderTest: one store of a given kind (SQLite or PostgreSQL) over state private to one
// test, which the test can open again (a restart) — so one suite of store tests runs against
// every store:
//
//   class MyTest : public ::testing::TestWithParam<StoreKind> { ... };
//   INSTANTIATE_TEST_SUITE_P(Stores, MyTest, ::testing::ValuesIn(all_store_kinds()),
//                            store_kind_name);
//   StoreUnderTest state(GetParam(), dir);           // SQLite file or PostgreSQL database
//   auto store = state.open(&clock);                 // again later: the same state
#ifndef METERBRIDGE_HOST_STORE_TESTING_STORE_UNDER_TEST_H_
#define METERBRIDGE_HOST_STORE_TESTING_STORE_UNDER_TEST_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "host/store/postgres_store.h"
#include "host/store/store.h"
#include "host/store/testing/postgres_cluster.h"

namespace mb::testing {

enum class StoreKind { kSqlite, kPostgres };

inline std::vector<StoreKind> all_store_kinds() {
  return {StoreKind::kSqlite, StoreKind::kPostgres};
}

inline std::string store_kind_name(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kSqlite ? "Sqlite" : "Postgres";
}

// How GoogleTest (and so ctest's test names) shows the parameter.
inline void PrintTo(StoreKind kind, std::ostream* os) {
  *os << (kind == StoreKind::kSqlite ? "SQLite" : "PostgreSQL");
}

class StoreUnderTest {
 public:
  // SQLite: state.db in `dir`. PostgreSQL: a new database on the shared test cluster. The key
  // file is dir/secret.key for both.
  StoreUnderTest(StoreKind kind, std::filesystem::path dir) : kind_(kind), dir_(std::move(dir)) {
    if (kind_ == StoreKind::kPostgres) {
      database_.emplace();
      setup_error_ = database_->error();
    }
  }
  StoreUnderTest(const StoreUnderTest&) = delete;
  StoreUnderTest& operator=(const StoreUnderTest&) = delete;

  StoreKind kind() const { return kind_; }
  const std::filesystem::path& key_file_folder() const { return dir_; }
  // Empty when the state is ready; else why not (no PostgreSQL, ...).
  const std::string& setup_error() const { return setup_error_; }

  // The files that hold the state at rest (to look for a secret in clear).
  Result<std::vector<std::filesystem::path>> files_at_rest() const {
    if (!setup_error_.empty()) return Status::Fatal(setup_error_);
    if (kind_ == StoreKind::kPostgres)
      return database_->cluster()->files_at_rest(database_->name());
    return std::vector<std::filesystem::path>{dir_ / "state.db", dir_ / "state.db-wal",
                                              dir_ / "state.db-shm"};
  }

  Result<std::unique_ptr<Store>> open(const Clock* clock = &SystemClock::instance()) const {
    if (!setup_error_.empty()) return Status::Fatal(setup_error_);
    if (kind_ == StoreKind::kSqlite)
      return open_sqlite_store(
          {.path = dir_ / "state.db", .key_file = dir_ / "secret.key", .clock = clock});
    return open_postgres_store({.target = database_->url(),
                                .password = std::nullopt,
                                .key_file = dir_ / "secret.key",
                                .clock = clock});
  }

 private:
  StoreKind kind_;
  std::filesystem::path dir_;
  std::string setup_error_;
  std::optional<TestDatabase> database_;  // PostgreSQL only
};

// The store of a test database that a process under test (the CLI, `serve`) created and
// migrated, opened as it is: nothing is created or migrated.
inline Result<std::unique_ptr<Store>> open_existing_store(const TestDatabase& database,
                                                          const std::filesystem::path& key_file) {
  return open_postgres_store({.target = database.url(),
                              .password = std::nullopt,
                              .key_file = key_file,
                              .clock = &SystemClock::instance(),
                              .migrate_to_version = 0,
                              .create_schema = false});
}

}  // namespace mb::testing

#endif  // METERBRIDGE_HOST_STORE_TESTING_STORE_UNDER_TEST_H_
