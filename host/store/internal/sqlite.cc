#include "host/store/internal/sqlite.h"

namespace mb::store_internal {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db);
    stmt_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}
Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  if (stmt_ == nullptr) return false;
  last_rc_ = sqlite3_step(stmt_);
  if (last_rc_ == SQLITE_ROW) return true;
  if (last_rc_ != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
  return false;
}

Status Statement::status() const {
  if (stmt_ == nullptr) return Status::Fatal("SQL prepare failed: " + error_);
  if (last_rc_ == SQLITE_OK || last_rc_ == SQLITE_ROW || last_rc_ == SQLITE_DONE) return Status::Ok();
  if ((last_rc_ & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(error_);
  if ((last_rc_ & 0xff) == SQLITE_BUSY) return Status::Retry("database is busy: " + error_, 100);
  return Status::Fatal("SQL error: " + error_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  last_rc_ = SQLITE_OK;
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p),
                                                    static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::optional<std::string> Statement::optional_text(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return text(col);
}
int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
std::optional<int64_t> Statement::optional_integer(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return integer(col);
}
std::string Statement::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

Status exec(sqlite3* db, std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = err != nullptr ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict(message);
  return Status::Fatal("SQL error: " + message);
}

}  // namespace mb::store_internal
