// PostgresCluster: a throwaway PostgreSQL server for tests, from the distribution's binaries
// (/usr/lib/postgresql/<version>/bin, the newest found at run time). initdb writes a cluster into
// a fresh temporary folder; the server listens on a Unix socket in that folder and on a loopback
// port chosen at run time, with fsync off. Run as root, both run as `nobody` (PostgreSQL refuses
// root), in a folder made theirs. Each test takes its own database, so tests stay independent.
//
//   auto cluster = PostgresCluster::shared();     // one per test process, or the ctest fixture's
//   auto db = (*cluster)->create_database();      // an empty database of its own
//   auto store = open_postgres_store({.target = db->url, ...});
//
// shared() reuses the cluster the `postgres_cluster` ctest fixture started (its address is in a
// file in the build tree) and otherwise starts one for this process, stopped and removed when
// the process exits — or dies: the server gets SIGQUIT when its parent goes.
#ifndef METERBRIDGE_HOST_STORE_TESTING_POSTGRES_CLUSTER_H_
#define METERBRIDGE_HOST_STORE_TESTING_POSTGRES_CLUSTER_H_

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/common/status.h"

namespace mb::testing {

struct PostgresDatabase {
  std::string name;
  std::string url;  // over the Unix socket, as the superuser, no password (local trust)
};

class PostgresCluster {
 public:
  // A new cluster. `detached`: the server outlives this process (the ctest fixture's start step);
  // otherwise it is this process's child and stops with it.
  static Result<std::unique_ptr<PostgresCluster>> start(bool detached = false);
  // The address of a running cluster written by write_address(); an error when none answers.
  static Result<std::unique_ptr<PostgresCluster>> attach(const std::filesystem::path& address_file);
  // The ctest fixture's cluster when it runs, else one started for this process; an error
  // saying why when neither is possible (tests fail with it).
  static Result<PostgresCluster*> shared();
  // Where the ctest fixture keeps the address of its cluster.
  static std::filesystem::path fixture_address_file();

  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // A new, empty database whose default collation is linguistic (ICU en-US) where the server
  // has ICU, as production databases usually are: ordering that relies on the database's locale
  // shows up in tests.
  Result<PostgresDatabase> create_database();
  // Drops a database (closing its sessions); failures are ignored: the cluster goes anyway.
  void drop_database(const std::string& name);
  // Runs one statement on `database` as the superuser; the first value of its first row ("" when
  // none). For tests that set up what the store would not (an old or a newer schema).
  Result<std::string> query(const std::string& database, const std::string& sql);
  // The files that hold a database's data at rest, after a checkpoint wrote them: its folder
  // under base/ and the write-ahead log.
  Result<std::vector<std::filesystem::path>> files_at_rest(const std::string& database);
  // A URL over TCP on 127.0.0.1 (password authentication) without the password, and the
  // superuser's password, for tests of how a password is passed and kept out of messages.
  std::string tcp_url(const std::string& database) const;
  const std::string& superuser_password() const { return password_; }
  int port() const { return port_; }
  const std::filesystem::path& folder() const { return folder_; }

  Status write_address(const std::filesystem::path& file) const;
  // Leaves the server running when this object goes (the ctest fixture's start step).
  void keep_running() { owns_server_ = false; }
  // Stops the server (fast shutdown, then SIGKILL) and removes its folder. Idempotent.
  void stop();

 private:
  PostgresCluster() = default;
  std::string socket_url(const std::string& database) const;

  std::filesystem::path folder_;
  int port_ = 0;
  pid_t server_pid_ = 0;
  bool owns_server_ = false;  // this object stops it (and removes the folder) on destruction
  bool child_ = false;        // the server is this process's child (waitpid, not polling)
  std::string password_;
  int next_database_ = 0;
};

// A database of its own on the shared cluster for one test, dropped when the test ends.
//
//   TestDatabase db;
//   ASSERT_EQ(db.error(), "");
//   auto store = open_postgres_store({.target = db.url(), ...});
class TestDatabase {
 public:
  TestDatabase() {
    auto cluster = PostgresCluster::shared();
    if (!cluster) {
      error_ = cluster.status().message();
      return;
    }
    auto db = (*cluster)->create_database();
    if (!db) {
      error_ = db.status().message();
      return;
    }
    cluster_ = *cluster;
    database_ = std::move(*db);
  }
  ~TestDatabase() {
    if (cluster_ != nullptr) cluster_->drop_database(database_.name);
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& error() const { return error_; }  // "" when the database is ready
  PostgresCluster* cluster() const { return cluster_; }
  const std::string& name() const { return database_.name; }
  const std::string& url() const { return database_.url; }

 private:
  std::string error_;
  PostgresCluster* cluster_ = nullptr;
  PostgresDatabase database_;
};

}  // namespace mb::testing

#endif  // METERBRIDGE_HOST_STORE_TESTING_POSTGRES_CLUSTER_H_
