#include "host/store/testing/postgres_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace mb::testing {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSuperuser = "mbtest";

// The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres.
Result<fs::path> server_binaries() {
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    fs::path bin = entry.path() / "bin";
    if (version > best_version && fs::exists(bin / "initdb", ec) &&
        fs::exists(bin / "postgres", ec)) {
      best = bin;
      best_version = version;
    }
  }
  if (best_version < 0)
    return Status::NotFound(
        "no PostgreSQL server under /usr/lib/postgresql/<version>/bin (install the Debian "
        "package postgresql: scripts/install-deps.sh)");
  return best;
}

// True while `pid` exists (EPERM: it does, as another user's).
bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// A loopback port nobody listens on right now (the server binds it a moment later; start()
// retries with another port if someone else got there first).
int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// PostgreSQL refuses to run as root: run as root, the server and initdb run as `nobody`.
struct Account {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<Account> server_account() {
  Account account;
  if (::geteuid() != 0) return account;
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr)
    return Status::NotFound("running as root and there is no user 'nobody' to run PostgreSQL as");
  account.drop = true;
  account.uid = pw->pw_uid;
  account.gid = pw->pw_gid;
  return account;
}

std::string random_hex(size_t bytes) {
  std::random_device rd;
  std::string out;
  const char* digits = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out += digits[v >> 4];
    out += digits[v & 0xf];
  }
  return out;
}

// Starts `argv` with stdout and stderr appended to `log`, as `account`. `detached`: in a session
// of its own; otherwise it gets SIGQUIT (immediate shutdown) when this process dies.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, const Account& account,
            bool detached) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (detached) ::setsid();
  int null_fd = ::open("/dev/null", O_RDONLY);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (null_fd < 0 || log_fd < 0) ::_exit(126);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  for (int fd = 3; fd < 1024; ++fd) ::close(fd);
  if (account.drop &&
      (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 || ::setuid(account.uid) != 0))
    ::_exit(125);
  // Set after setuid (a change of credentials clears it); then make sure the parent did not die
  // in between.
  if (!detached && (::prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || ::getppid() != parent)) ::_exit(124);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

std::string tail_of(const fs::path& log) {
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

bool ping(const std::string& conninfo) { return PQping(conninfo.c_str()) == PQPING_OK; }

std::string local_conninfo(const fs::path& folder, int port, const std::string& database) {
  return "host=" + folder.string() + " port=" + std::to_string(port) + " user=" + kSuperuser +
         " dbname=" + database + " connect_timeout=5";
}

// Runs one statement as the superuser on the `postgres` database; returns the first value of
// its first row ("" when none).
Result<std::string> run_sql(const fs::path& folder, int port, const std::string& sql,
                            const std::string& database = "postgres") {
  PGconn* conn = PQconnectdb(local_conninfo(folder, port, database).c_str());
  Result<std::string> out = std::string();
  if (PQstatus(conn) != CONNECTION_OK) {
    out = Status::Fatal(std::string("test cluster: ") + PQerrorMessage(conn));
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      out = Status::Fatal(std::string("test cluster: ") + PQresultErrorMessage(r));
    else if (PQntuples(r) > 0 && PQnfields(r) > 0)
      out = std::string(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  PQfinish(conn);
  return out;
}

// Folders of clusters whose process died without stopping them (a crashed test binary: its
// server got SIGQUIT, the folder stayed): no server runs in them and they are older than any
// cluster still starting up.
void remove_abandoned_clusters() {
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
    if (!entry.path().filename().string().starts_with("mb-pg-")) continue;
    fs::path pid_file = entry.path() / "data" / "postmaster.pid";
    std::ifstream in(pid_file);
    long pid = 0;
    if (in >> pid && pid > 0 && process_exists(static_cast<pid_t>(pid))) continue;  // running
    auto modified = fs::last_write_time(entry.path(), ec);
    if (ec || now - modified < std::chrono::minutes(10)) continue;
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

fs::path PostgresCluster::fixture_address_file() { return MB_POSTGRES_CLUSTER_ADDRESS; }

Result<std::unique_ptr<PostgresCluster>> PostgresCluster::start(bool detached) {
  auto bin = server_binaries();
  if (!bin) return bin.status();
  auto account = server_account();
  if (!account) return account.status();
  remove_abandoned_clusters();
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  // Short and under /tmp: the socket path must fit in sockaddr_un (108 bytes).
  std::string pattern = "/tmp/mb-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return Status::Fatal("test cluster: mkdtemp failed");
  cluster->folder_ = pattern;
  cluster->owns_server_ = true;  // from here on, the destructor removes the folder
  cluster->password_ = random_hex(16);
  fs::path folder = cluster->folder_;
  { std::ofstream(folder / "pwfile") << cluster->password_ << "\n"; }
  ::chmod((folder / "pwfile").c_str(), 0600);
  if (account->drop) {
    for (const fs::path& p : {folder, folder / "pwfile"})
      if (::chown(p.c_str(), account->uid, account->gid) != 0)
        return Status::Fatal("test cluster: cannot give " + p.string() + " to nobody");
  }
  fs::path log = folder / "server.log";
  { std::ofstream touch(log); }
  if (account->drop) (void)::chown(log.c_str(), account->uid, account->gid);

  // Local connections (the Unix socket, in this folder) are trusted; TCP asks for the password.
  pid_t initdb = spawn({(*bin / "initdb").string(), "-D", (folder / "data").string(), "-U",
                        kSuperuser, "--pwfile", (folder / "pwfile").string(), "--auth-local=trust",
                        "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"},
                       log, *account, /*detached=*/false);
  int status = 0;
  if (initdb < 0 || ::waitpid(initdb, &status, 0) != initdb || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return Status::Fatal("test cluster: initdb failed:\n" + tail_of(log));
  fs::remove(folder / "pwfile");

  for (int attempt = 0; attempt < 3; ++attempt) {
    cluster->port_ = free_loopback_port();
    cluster->server_pid_ =
        spawn({(*bin / "postgres").string(), "-D", (folder / "data").string(), "-k",
               folder.string(), "-p", std::to_string(cluster->port_), "-c",
               "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
               "max_connections=100", "-c", "shared_buffers=16MB"},
              log, *account, detached);
    cluster->child_ = !detached;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (ping(local_conninfo(folder, cluster->port_, "postgres"))) return cluster;
      if (::waitpid(cluster->server_pid_, &status, WNOHANG) == cluster->server_pid_) {
        exited = true;  // most likely the port was taken in between: try another
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) break;
    cluster->server_pid_ = 0;
  }
  return Status::Fatal("test cluster: the server did not start:\n" + tail_of(log));
}

Result<std::unique_ptr<PostgresCluster>> PostgresCluster::attach(const fs::path& address_file) {
  std::ifstream in(address_file);
  if (!in) return Status::NotFound("no test cluster address in " + address_file.string());
  std::map<std::string, std::string> fields;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  cluster->folder_ = fields["folder"];
  cluster->port_ = std::atoi(fields["port"].c_str());
  cluster->server_pid_ = static_cast<pid_t>(std::atol(fields["pid"].c_str()));
  cluster->password_ = fields["password"];
  if (cluster->folder_.empty() || cluster->port_ <= 0)
    return Status::Fatal("test cluster address file " + address_file.string() + " is incomplete");
  return cluster;
}

Result<PostgresCluster*> PostgresCluster::shared() {
  static std::unique_ptr<PostgresCluster> cluster;
  static Status failure = Status::Ok();
  if (cluster) return cluster.get();
  if (!failure.ok()) return failure;
  if (auto fixture = attach(fixture_address_file());
      fixture && ping(local_conninfo((*fixture)->folder_, (*fixture)->port_, "postgres"))) {
    cluster = std::move(*fixture);
    return cluster.get();
  }
  auto own = start(/*detached=*/false);
  if (!own) {
    failure = own.status();
    return failure;
  }
  cluster = std::move(*own);  // destroyed at exit: stops the server, removes the folder
  return cluster.get();
}

PostgresCluster::~PostgresCluster() {
  if (owns_server_) stop();
}

Result<PostgresDatabase> PostgresCluster::create_database() {
  PostgresDatabase db;
  db.name = "mbtest_" + std::to_string(::getpid()) + "_" + std::to_string(++next_database_) + "_" +
            random_hex(3);
  // A linguistic collation by default, as production databases usually have (en_US.UTF-8), so
  // that a test of ordering sees the difference from SQLite's byte order; ICU provides it
  // without the system locale installed. Without ICU, the cluster's default.
  if (!run_sql(folder_, port_,
               "CREATE DATABASE " + db.name +
                   " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"))
    MB_RETURN_IF_ERROR(run_sql(folder_, port_, "CREATE DATABASE " + db.name).status());
  db.url = socket_url(db.name);
  return db;
}

void PostgresCluster::drop_database(const std::string& name) {
  (void)run_sql(folder_, port_, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

Result<std::string> PostgresCluster::query(const std::string& database, const std::string& sql) {
  return run_sql(folder_, port_, sql, database);
}

Result<std::vector<fs::path>> PostgresCluster::files_at_rest(const std::string& database) {
  MB_RETURN_IF_ERROR(run_sql(folder_, port_, "CHECKPOINT").status());
  auto oid =
      run_sql(folder_, port_, "SELECT oid FROM pg_database WHERE datname = '" + database + "'");
  if (!oid) return oid.status();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::path& dir : {folder_ / "data" / "base" / *oid, folder_ / "data" / "pg_wal"})
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_regular_file(ec)) files.push_back(entry.path());
  return files;
}

std::string PostgresCluster::socket_url(const std::string& database) const {
  return "postgresql://" + std::string(kSuperuser) + "@/" + database + "?host=" + folder_.string() +
         "&port=" + std::to_string(port_);
}

std::string PostgresCluster::tcp_url(const std::string& database) const {
  return "postgresql://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

Status PostgresCluster::write_address(const fs::path& file) const {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::trunc);
  out << "folder=" << folder_.string() << "\nport=" << port_ << "\npid=" << server_pid_
      << "\npassword=" << password_ << "\n";
  out.close();
  ::chmod(file.c_str(), 0600);
  if (!out) return Status::Fatal("cannot write " + file.string());
  return Status::Ok();
}

void PostgresCluster::stop() {
  if (server_pid_ > 0) {
    // SIGINT: fast shutdown (sessions are cut, no checkpoint wait worth having with fsync off).
    ::kill(server_pid_, SIGINT);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto gone = [&] {
      if (child_) return ::waitpid(server_pid_, nullptr, WNOHANG) == server_pid_;
      // Not our child (the ctest fixture's server): its pid file goes when it has stopped.
      std::error_code ec;
      return !process_exists(server_pid_) || !fs::exists(folder_ / "data" / "postmaster.pid", ec);
    };
    while (!gone()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(server_pid_, SIGKILL);
        if (child_) ::waitpid(server_pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    server_pid_ = 0;
  }
  if (!folder_.empty()) {
    std::error_code ec;
    fs::remove_all(folder_, ec);
    folder_.clear();
  }
  owns_server_ = false;
}

}  // namespace mb::testing
