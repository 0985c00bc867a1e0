// "crashy": a library plugin that dies of a segmentation fault as soon as the host asks it to
// describe itself, i.e. while it is being loaded. Only a host that never runs it in its own
// process — every connector using it isolated — survives loading it; the tests prove it does.
#include <meterbridge/plugin.hpp>

#include <csignal>

namespace {

class CrashySession : public meterbridge::Session {
 public:
  std::string authenticate(meterbridge::Call&, std::string_view) override { return "{}"; }
  std::string list_accounts(meterbridge::Call&, std::string_view) override { return "{}"; }
  std::string list_services(meterbridge::Call&, std::string_view) override { return "{}"; }
  std::string read_quantities(meterbridge::Call&, std::string_view) override { return "{}"; }
  std::string apply_quantities(meterbridge::Call&, std::string_view) override { return "{}"; }
};

class CrashyPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override {
    std::raise(SIGSEGV);
    return "{}";
  }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view) override {
    return std::make_unique<CrashySession>();
  }
};

}  // namespace

MB_PLUGIN(CrashyPlugin)
