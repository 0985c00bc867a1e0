// Thin RAII wrappers over the SQLite C API, private to the store.
#ifndef METERBRIDGE_HOST_STORE_INTERNAL_SQLITE_H_
#define METERBRIDGE_HOST_STORE_INTERNAL_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace mb::store_internal {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  const std::string& prepare_error() const { return error_; }

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, int64_t value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, const std::optional<int64_t>& value);

  // SQLITE_ROW -> true, SQLITE_DONE -> false; errors are kept in status().
  bool step();
  Status status() const;
  void reset();

  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  int64_t integer(int col) const;
  std::optional<int64_t> optional_integer(int col) const;
  std::string blob(int col) const;
  bool flag(int col) const { return integer(col) != 0; }  // a 0/1 column

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
  int last_rc_ = SQLITE_OK;
};

// Runs statements that return no rows.
Status exec(sqlite3* db, std::string_view sql);

}  // namespace mb::store_internal

#endif  // METERBRIDGE_HOST_STORE_INTERNAL_SQLITE_H_
