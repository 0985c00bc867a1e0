#include "host/store/internal/pg.h"

#include <cstdlib>

namespace mb::store_internal {
namespace {

// Parameters as libpq's parallel arrays; they point into `params`, which must outlive them.
struct WireParams {
  explicit WireParams(const std::vector<PgParam>& params) {
    for (const auto& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

// libpq's messages end in a newline and go on in tab-indented lines; ours are one line.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

std::string PgResult::text(int row, int col) const {
  if (is_null(row, col)) return std::string();
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

std::optional<std::string> PgResult::optional_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

int64_t PgResult::integer(int row, int col) const {
  if (is_null(row, col)) return 0;
  return std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10);
}

std::optional<int64_t> PgResult::optional_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return integer(row, col);
}

bool PgResult::boolean(int row, int col) const {
  return !is_null(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

std::string PgResult::bytes(int row, int col) const {
  if (is_null(row, col)) return std::string();
  size_t length = 0;
  unsigned char* decoded = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, col)), &length);
  if (decoded == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(decoded), length);
  PQfreemem(decoded);
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(
    const std::string& target, const std::optional<std::string>& password) {
  // Later keywords override what the expanded target says, so an explicit password wins.
  std::vector<const char*> keywords = {"dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {target.c_str(), "10", "meterbridge"};
  if (password) {
    keywords.push_back("password");
    values.push_back(password->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr)
    return Status::Fatal("cannot connect to the PostgreSQL state database: out of memory");
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, password));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = one_line(connection->scrub(PQerrorMessage(conn)));
    return Status::Retry("cannot connect to the PostgreSQL state database: " + message, 1000);
  }
  // Messages the server sends to the client (NOTICEs from IF NOT EXISTS) are not ours to print.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  MB_RETURN_IF_ERROR(connection->set_up_session());
  return connection;
}

// Every session, the first and each after a reconnect: a statement waiting on a lock another
// node holds fails after a while (and is retried by the caller) rather than waiting forever.
Status PgConnection::set_up_session() {
  PgResult r(PQexec(conn_, "SET lock_timeout = '30s'; SET TIME ZONE 'UTC'"));
  if (r.status() != PGRES_COMMAND_OK) return error_from(r.raw());
  return Status::Ok();
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::describe() const {
  const char* host = PQhost(conn_);
  const char* port = PQport(conn_);
  const char* db = PQdb(conn_);
  return std::string(host != nullptr ? host : "") + ":" + (port != nullptr ? port : "") + "/" +
         (db != nullptr ? db : "");
}

// A password echoed back by a server or a driver must not reach a message.
std::string PgConnection::scrub(std::string text) const {
  if (!password_ || password_->size() < 4) return text;
  for (size_t at = text.find(*password_); at != std::string::npos; at = text.find(*password_, at))
    text.replace(at, password_->size(), "***");
  return text;
}

// A session lost inside a transaction took the transaction with it. What the caller sends next
// belongs to that transaction and must not run on a new session outside any (each statement
// would commit on its own): everything fails until the caller ends the transaction.
Status PgConnection::ready_for(std::string_view sql) {
  if (lost_transaction_) {
    if (sql == "ROLLBACK" || sql == "COMMIT") lost_transaction_ = false;
    return Status::Retry(
        "lost the connection to the PostgreSQL state database inside a transaction; the "
        "transaction was not committed",
        1000);
  }
  in_transaction_ = PQstatus(conn_) == CONNECTION_OK &&
                    PQtransactionStatus(conn_) != PQTRANS_IDLE && sql != "BEGIN";
  if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
  PQreset(conn_);
  prepared_.clear();  // a new session knows none of them
  if (PQstatus(conn_) == CONNECTION_OK) return set_up_session();
  return Status::Retry("lost the connection to the PostgreSQL state database (" + describe() +
                           "): " + one_line(scrub(PQerrorMessage(conn_))),
                       1000);
}

Status PgConnection::error_from(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = one_line(scrub(primary != nullptr ? primary : PQerrorMessage(conn_)));
  if (const char* detail =
          result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : nullptr)
    message += " (" + scrub(detail) + ")";
  if (PQstatus(conn_) != CONNECTION_OK) {
    lost_transaction_ = in_transaction_;
    return Status::Retry("lost the connection to the PostgreSQL state database: " + message, 1000);
  }
  // Class 23: integrity constraint violations. Busy, as SQLite says it: 40001 serialization
  // failure, 40P01 deadlock, 55P03 a lock not granted within lock_timeout; class 08: the
  // connection.
  if (last_sqlstate_.starts_with("23")) return Status::Conflict(message);
  if (last_sqlstate_ == "40001" || last_sqlstate_ == "40P01" || last_sqlstate_ == "55P03" ||
      last_sqlstate_.starts_with("08"))
    return Status::Retry("database is busy: " + message, 100);
  return Status::Fatal("SQL error: " + message);
}

Result<PgResult> PgConnection::exec(std::string_view sql, const std::vector<PgParam>& params) {
  MB_RETURN_IF_ERROR(ready_for(sql));
  std::string statement(sql);
  WireParams wire(params);
  return check(PgResult(PQexecParams(conn_, statement.c_str(), wire.count(), nullptr,
                                     wire.values.data(), wire.lengths.data(), wire.formats.data(),
                                     /*resultFormat=*/0)));
}

Result<PgResult> PgConnection::exec_prepared(const std::string& name, std::string_view sql,
                                             const std::vector<PgParam>& params) {
  MB_RETURN_IF_ERROR(ready_for(sql));
  if (!prepared_.contains(name)) {
    std::string statement(sql);
    auto prepared = check(PgResult(PQprepare(conn_, name.c_str(), statement.c_str(),
                                             static_cast<int>(params.size()), nullptr)));
    if (!prepared) return prepared.status();
    prepared_.insert(name);
  }
  WireParams wire(params);
  return check(PgResult(PQexecPrepared(conn_, name.c_str(), wire.count(), wire.values.data(),
                                       wire.lengths.data(), wire.formats.data(),
                                       /*resultFormat=*/0)));
}

Result<PgResult> PgConnection::check(PgResult result) {
  ExecStatusType status = result.status();
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    return result;
  }
  return error_from(result.raw());
}

Status PgConnection::exec_script(std::string_view sql) {
  MB_RETURN_IF_ERROR(ready_for(sql));
  std::string script(sql);
  auto result = check(PgResult(PQexec(conn_, script.c_str())));
  return result ? Status::Ok() : result.status();
}

}  // namespace mb::store_internal
