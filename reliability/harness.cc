#include "reliability/harness.h"

#include <signal.h>

#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/sim_control.h"

namespace mb::reliability {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Waits for `process` until `limit`, then kills it. Returns whether it ended on its own.
bool wait_bounded(bench::ChildProcess& process, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::milliseconds(2);
  while (!process.poll()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(process.pid(), SIGKILL);
      process.wait_and_read(nullptr);
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(25));
  }
  return true;
}

}  // namespace

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

json::value parse_output(const std::string& out) {
  boost::system::error_code ec;
  json::value doc = json::parse(out, ec);
  return ec ? json::value(nullptr) : doc;
}

// ---- Simulator ---------------------------------------------------------------------------------

Simulator Simulator::start(const Tools& tools, const std::string& platform,
                           const std::vector<std::string>& args, const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<std::string> argv{tools.simulator.string(), platform};
  argv.insert(argv.end(), args.begin(), args.end());
  Simulator sim;
  const fs::path out = dir / ("sim-" + platform + ".out");
  sim.process_ = bench::ChildProcess::start(
      argv, {.stdout_path = out, .stderr_path = dir / ("sim-" + platform + ".log")});
  try {
    sim.base_url_ = sim.process_.wait_for_first_line(out, std::chrono::seconds(60));
  } catch (const std::exception& e) {
    throw std::runtime_error("meterbridge-sim " + platform + " " + e.what() + ":\n" +
                             bench::tail_of_file(dir / ("sim-" + platform + ".log"), 10));
  }
  return sim;
}

uint16_t Simulator::port() const {
  return static_cast<uint16_t>(std::stoi(base_url_.substr(base_url_.rfind(':') + 1)));
}

json::value Simulator::control(const std::string& method, const std::string& path,
                               const std::string& body) const {
  std::string answer = bench::sim_control(base_url_, method, path, body);
  if (answer.empty()) return nullptr;
  return json::parse(answer);
}

void Simulator::set_faults(const json::object& plan) const {
  control("POST", "/_sim/faults", json::serialize(plan));
}

int64_t Simulator::faults_injected() const {
  json::value stats = control("GET", "/_sim/stats");
  return stats.at("faults_injected").to_number<int64_t>();
}

bool Simulator::wait_idle(std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    json::value stats = control("GET", "/_sim/stats");
    if (stats.at("in_flight").to_number<int64_t>() == 0) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Simulator::alive() { return !process_.poll().has_value(); }

// ---- WorkFolder --------------------------------------------------------------------------------

void Transcript::add(std::string label, std::string text) {
  std::lock_guard<std::mutex> hold(lock);
  entries.emplace_back(std::move(label), std::move(text));
}

std::vector<std::string> WorkFolder::argv(const std::vector<std::string>& args) const {
  std::vector<std::string> out{tools_.meterbridge.string(), "--config", config().string()};
  out.insert(out.end(), global_args_.begin(), global_args_.end());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

bench::ChildProcess WorkFolder::start(const std::vector<std::string>& args,
                                      const std::string& name) const {
  std::error_code ec;
  fs::remove(dir_ / (name + ".err"), ec);
  return bench::ChildProcess::start(
      argv(args), {.stdout_path = dir_ / (name + ".out"), .stderr_path = dir_ / (name + ".err")});
}

CliRun WorkFolder::finish(bench::ChildProcess& process, const std::string& name,
                          std::chrono::seconds limit) const {
  CliRun result;
  const auto start = std::chrono::steady_clock::now();
  result.timed_out = !wait_bounded(process, limit);
  result.exit_code = process.poll().value_or(-1);
  result.seconds = seconds_since(start);
  result.out = read_text(dir_ / (name + ".out"));
  result.err = read_text(dir_ / (name + ".err"));
  if (transcript_) {
    transcript_->add(name + " stdout", result.out);
    transcript_->add(name + " stderr", result.err);
  }
  return result;
}

CliRun WorkFolder::run(const std::vector<std::string>& args, std::chrono::seconds limit) const {
  static std::atomic<int64_t> next{0};
  std::string name = "cli-" + std::to_string(++next);
  for (const auto& a : args) name += (name.size() < 60 ? "-" + a.substr(0, 12) : "");
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  const auto start = std::chrono::steady_clock::now();
  bench::ChildProcess process = this->start(args, name);
  CliRun result = finish(process, name, limit);
  result.seconds = seconds_since(start);
  std::error_code ec;
  fs::remove(dir_ / (name + ".out"), ec);
  fs::remove(dir_ / (name + ".err"), ec);
  return result;
}

WorkFolder WorkFolder::copy_to(const fs::path& to) const {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name == "config.json" || name.rfind("state", 0) == 0 || name == "secret.key")
      fs::copy(entry.path(), to / name, fs::copy_options::recursive);
  }
  WorkFolder copy(tools_, to);
  copy.global_args_ = global_args_;
  copy.transcript_ = transcript_;
  return copy;
}

}  // namespace mb::reliability
