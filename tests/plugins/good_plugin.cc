// A well-behaved test plugin offering every operation and capability. Results echo what the
// host sent so tests can check both directions of the ABI.
#include <meterbridge/plugin.hpp>

#include <string>

namespace {

constexpr char kManifest[] =
#include "meterbridge_plugin_manifest.inc"
    ;

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class GoodSession : public meterbridge::Session {
 public:
  explicit GoodSession(std::string config) : config_(std::move(config)) {}
  std::string authenticate(meterbridge::Call& call, std::string_view) override {
    call.info("authenticating");
    return R"({"status":"ok","message":"good plugin says hello"})";
  }
  std::string list_accounts(meterbridge::Call&, std::string_view input) override {
    return R"({"items":[{"id":"a1","name":"Acme","active":true}],"next_cursor":null,"input":)" +
           std::string(input) + "}";
  }
  std::string list_services(meterbridge::Call&, std::string_view) override {
    return R"({"items":[{"id":"s1","name":"Email"}],"next_cursor":null})";
  }
  std::string read_quantities(meterbridge::Call& call, std::string_view) override {
    return R"({"lines":[],"now_ms":)" + std::to_string(call.now_ms()) +
           R"(,"cancelled":)" + (call.cancelled() ? "true" : "false") + "}";
  }
  std::string apply_quantities(meterbridge::Call& call, std::string_view) override {
    // Exercise the HTTP callback: the test decides whether the host offers an engine.
    try {
      std::string responses = call.http_batch(R"([{"method":"GET","url":"http://127.0.0.1:9/x"}])");
      return R"({"lines":[],"http":"ok"})";
    } catch (const meterbridge::PluginError& e) {
      return R"({"lines":[],"http":)" + quoted(e.what()) + "}";
    }
  }
  std::string provision_accounts(meterbridge::Call&, std::string_view) override { return R"({"items":[]})"; }
  std::string provision_services(meterbridge::Call&, std::string_view) override { return R"({"items":[]})"; }
  std::string set_status(meterbridge::Call&, std::string_view input) override { return std::string(input); }
  std::string link_accounts(meterbridge::Call&, std::string_view) override { return R"({"items":[]})"; }
  std::string disconnect(meterbridge::Call&, std::string_view) override { return R"({"config":)" + config_ + "}"; }
  std::string list_ticket_boards(meterbridge::Call&, std::string_view) override {
    return R"({"boards":[{"id":"7","name":"Alerts","statuses":[{"id":"1","name":"New","default":true,"closed":false}],"types":[]}],"priorities":[]})";
  }
  std::string check_ticket_permissions(meterbridge::Call&, std::string_view input) override {
    return R"({"can_list":true,"can_create":true,"can_update":true,"can_close":false,"missing":["Close Service Tickets"],"message":"","input":)" +
           std::string(input) + "}";
  }
  std::string open_ticket(meterbridge::Call&, std::string_view input) override {
    return R"({"ticket_id":"100","outcome":"created","closed":false,"message":"","input":)" +
           std::string(input) + "}";
  }
  std::string add_ticket_note(meterbridge::Call&, std::string_view input) override {
    return R"({"ticket_id":"100","outcome":"noted","input":)" + std::string(input) + "}";
  }
  std::string close_ticket(meterbridge::Call&, std::string_view input) override {
    return R"({"ticket_id":"100","outcome":"closed","input":)" + std::string(input) + "}";
  }

 private:
  std::string config_;
};

class GoodPlugin : public meterbridge::Plugin {
 public:
  std::string describe() override { return kManifest; }
  meterbridge::Capabilities capabilities() const override {
    return {true, true, true, true, true, true};
  }
  std::unique_ptr<meterbridge::Session> open(meterbridge::Call&, std::string_view config) override {
    return std::make_unique<GoodSession>(std::string(config));
  }
};

}  // namespace

MB_PLUGIN(GoodPlugin)
