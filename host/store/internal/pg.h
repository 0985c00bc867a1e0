// Thin RAII wrappers over libpq, private to the PostgreSQL store: the only header that names
// libpq, so no other translation unit needs it.
#ifndef METERBRIDGE_HOST_STORE_INTERNAL_PG_H_
#define METERBRIDGE_HOST_STORE_INTERNAL_PG_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace mb::store_internal {

// One statement parameter in text format; nullopt is SQL NULL. `binary` sends the bytes as they
// are (for bytea).
struct PgParam {
  std::optional<std::string> value;
  bool binary = false;
};

inline PgParam pg_param(std::string_view text) { return {std::string(text), false}; }
inline PgParam pg_param(const std::string& text) { return {text, false}; }
inline PgParam pg_param(const char* text) { return {std::string(text), false}; }
inline PgParam pg_param(int64_t value) { return {std::to_string(value), false}; }
inline PgParam pg_param(int value) { return {std::to_string(value), false}; }
inline PgParam pg_param(bool value) { return {value ? "true" : "false", false}; }
inline PgParam pg_param(const std::optional<std::string>& text) { return {text, false}; }
inline PgParam pg_param(const std::optional<int64_t>& value) {
  return {value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt, false};
}
inline PgParam pg_bytes(std::string_view bytes) { return {std::string(bytes), true}; }

template <typename... Values>
std::vector<PgParam> pg_params(const Values&... values) {
  return {pg_param(values)...};
}

// A statement's rows, in text format.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  int rows() const { return PQntuples(result_.get()); }
  bool empty() const { return rows() == 0; }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;
  bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::optional<std::string> optional_text(int row, int col) const;
  int64_t integer(int row, int col) const;
  std::optional<int64_t> optional_integer(int row, int col) const;
  bool boolean(int row, int col) const;
  // A bytea column (text format, hex encoded on the wire), decoded.
  std::string bytes(int row, int col) const;

  ExecStatusType status() const { return PQresultStatus(result_.get()); }
  const PGresult* raw() const { return result_.get(); }

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// One row of a PgResult, read like SQLite's Statement (host/store/internal/rows.h reads both).
class PgRow {
 public:
  PgRow(const PgResult& result, int row) : result_(result), row_(row) {}
  std::string text(int col) const { return result_.text(row_, col); }
  std::optional<std::string> optional_text(int col) const {
    return result_.optional_text(row_, col);
  }
  int64_t integer(int col) const { return result_.integer(row_, col); }
  std::optional<int64_t> optional_integer(int col) const {
    return result_.optional_integer(row_, col);
  }
  bool flag(int col) const { return result_.boolean(row_, col); }

 private:
  const PgResult& result_;
  int row_;
};

// One connection. Not thread-safe: the store serializes its calls.
class PgConnection {
 public:
  // `target` is a libpq URL or key=value string; `password`, when set, overrides any in it.
  // Errors describe the server (host, port, database), never the password.
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& target,
                                                       const std::optional<std::string>& password);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with $1.. parameters. Errors: a constraint violation is kConflict, a
  // serialization failure, deadlock, lock timeout or lost connection kRetry, anything else
  // kFatal. A lost
  // session is reconnected on the next statement — except inside a transaction (between BEGIN
  // and COMMIT/ROLLBACK): then every statement fails until the caller sends COMMIT or ROLLBACK,
  // so no part of the transaction runs on a new session.
  Result<PgResult> exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // A statement prepared once per connection under `name` (again after a reconnect), then run
  // with parameters: for statements run row after row (a usage import).
  Result<PgResult> exec_prepared(const std::string& name, std::string_view sql,
                                 const std::vector<PgParam>& params);
  // Several statements without parameters (a migration), in one round trip.
  Status exec_script(std::string_view sql);
  // The SQLSTATE of the last failed statement ("" after success), e.g. "23503" for a missing
  // foreign key.
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // Where this connection goes, for messages: "host:port/database".
  std::string describe() const;

 private:
  explicit PgConnection(PGconn* conn, std::optional<std::string> password)
      : conn_(conn), password_(std::move(password)) {}
  Status set_up_session();
  // Reconnects when the session is gone, unless it went inside a transaction (see the .cc).
  Status ready_for(std::string_view sql);
  Status error_from(const PGresult* result);
  Result<PgResult> check(PgResult result);
  std::string scrub(std::string text) const;

  PGconn* conn_;
  std::optional<std::string> password_;
  std::string last_sqlstate_;
  std::set<std::string> prepared_;  // names prepared on the current session
  bool in_transaction_ = false;     // the statement being run is inside a transaction
  bool lost_transaction_ = false;   // the session went inside one: refuse until it is ended
};

}  // namespace mb::store_internal

#endif  // METERBRIDGE_HOST_STORE_INTERNAL_PG_H_
