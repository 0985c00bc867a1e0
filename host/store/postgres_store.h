// PostgreSQL store: the same Store (host/store/store.h) on a PostgreSQL database, for
// deployments that outgrow one machine: several meterbridge nodes share one database
// (ARCHITECTURE §7, docs/scale-out.md). Every multi-row change is one transaction; leases are
// single atomic statements, so they hold across processes and machines; credentials are sealed
// with the same secret box as the SQLite store (every node needs the same key).
//
//   auto store = open_postgres_store({.target = "postgresql://mb@db.internal/meterbridge",
//                                     .password = "from a secret reference",
//                                     .key_file = "secret.key"});
//
// libpq stays inside postgres_store.cc and store/internal/pg.cc. Thread-safe: calls are
// serialized on one connection inside the implementation.
#ifndef METERBRIDGE_HOST_STORE_POSTGRES_STORE_H_
#define METERBRIDGE_HOST_STORE_POSTGRES_STORE_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "host/common/clock.h"
#include "host/common/status.h"
#include "host/store/store.h"

namespace mb {

struct PostgresStoreOptions {
  // A libpq connection URL (postgresql://user@host:port/database?sslmode=...) or key=value
  // string. Never printed: it may hold a password.
  std::string target;
  // Overrides any password in `target` when set (the config's resolved secret reference).
  std::optional<std::string> password;
  std::filesystem::path key_file;  // used when MB_SECRET_KEY is not set
  const Clock* clock = &SystemClock::instance();
  // Tests of a migration: stop at this schema version (0: the current one).
  int migrate_to_version = 0;
  // false: change nothing in the database; one without the current schema is kNotFound (for
  // reading what an existing deployment holds, as `config check` does).
  bool create_schema = true;
};

// Connects, migrates the schema (one transaction, serialized across nodes) and returns the
// store. Errors name the server and database, never the password.
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresStoreOptions& options);

// The PostgreSQL schema version the store migrates to (its own list, independent of SQLite's).
int postgres_store_schema_version();

}  // namespace mb

#endif  // METERBRIDGE_HOST_STORE_POSTGRES_STORE_H_
