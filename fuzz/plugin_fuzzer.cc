// Fuzz target: one plugin's response parsing. The plugin, linked in, runs through the SDK's fake
// host; every HTTP request it makes is answered from the input: chunks separated by a NUL byte,
// each a status selector, a header selector and the body. The plugin must turn any answer into a
// result or an error class, never crash, hang or leak. Built once per plugin
// (MB_FUZZ_PLUGIN_<ID>).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "meterbridge/abi.h"
#include "meterbridge/testing/fake_host.hpp"

extern "C" mb_status meterbridge_plugin_negotiate(const mb_host_offer* offer,
                                                  const mb_plugin_table** table_out);

namespace {

namespace json = boost::json;
using meterbridge::testing::FakeHost;

#if defined(MB_FUZZ_PLUGIN_AUTOTASK)
constexpr char kConfig[] =
    R"({"username":"api@acme.example","secret":"s","integration_code":"CODE","base_url":"http://127.0.0.1:9/ATServicesRest/"})";
constexpr char kLineRef[] =
    R"({"company_id":250,"service_id":55,"contract_id":9001,"contract_service_id":55120})";
#elif defined(MB_FUZZ_PLUGIN_CONNECTWISE)
constexpr char kConfig[] =
    R"({"company_id":"northwind","site":"na.myconnectwise.net","public_key":"Pk","private_key":"Sk","client_id":"3f2b8c1e-7a4d-4e59-9b61-2c8d0f4a7e13","base_url":"http://127.0.0.1:9"})";
constexpr char kLineRef[] = R"({"agreement_id":9001,"addition_id":77})";
#elif defined(MB_FUZZ_PLUGIN_GRADIENT)
constexpr char kConfig[] =
    R"({"vendor_api_key":"vk","partner_api_key":"pk","base_url":"http://127.0.0.1:9"})";
constexpr char kLineRef[] = R"({})";
#elif defined(MB_FUZZ_PLUGIN_EXTERNAL)
constexpr char kConfig[] = R"({"base_url":"http://127.0.0.1:9","api_key":"k"})";
constexpr char kLineRef[] = R"({})";
#else
#error "define MB_FUZZ_PLUGIN_<ID>"
#endif

constexpr int kStatuses[] = {200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503};

// Answers each request with the next chunk of the input; when they run out, the connection is
// lost (a plugin must stop then, not retry forever).
class ScriptedPlatform {
 public:
  explicit ScriptedPlatform(std::string_view input) {
    size_t start = 0;
    while (start <= input.size()) {
      size_t end = input.find('\0', start);
      if (end == std::string_view::npos) end = input.size();
      chunks_.emplace_back(input.substr(start, end - start));
      start = end + 1;
    }
  }

  std::string answer(std::string_view batch) {
    boost::system::error_code ec;
    json::value requests = json::parse(batch, ec);
    json::array responses;
    const size_t n = !ec && requests.is_array() ? requests.as_array().size() : 1;
    for (size_t i = 0; i < n; ++i) responses.push_back(next());
    return json::serialize(responses);
  }

 private:
  json::object next() {
    if (used_ >= chunks_.size() || used_ >= 64)
      return {{"status", 0},
              {"error", {{"class", "retry"}, {"message", "connection reset"}, {"sent", false}}},
              {"attempts", 1}};
    std::string_view chunk = chunks_[used_++];
    const unsigned status_selector = chunk.empty() ? 0 : static_cast<unsigned char>(chunk[0]);
    const unsigned header_selector = chunk.size() < 2 ? 0 : static_cast<unsigned char>(chunk[1]);
    const std::string body(chunk.size() > 2 ? chunk.substr(2) : std::string_view());
    json::object headers;
    switch (header_selector % 4) {
      case 1:
        headers["retry-after"] = body.substr(0, 8);
        break;
      case 2:
        headers["link"] =
            "<http://127.0.0.1:9/next?page=2&pageId=" + body.substr(0, 16) + ">; rel=\"next\"";
        break;
      case 3:
        headers["content-type"] = "text/html";
        break;
      default:
        break;
    }
    return {{"status", kStatuses[status_selector % std::size(kStatuses)]},
            {"headers", std::move(headers)},
            {"body", body},
            {"attempts", 1}};
  }

  std::vector<std::string_view> chunks_;
  size_t used_ = 0;
};

std::string lines(bool apply) {
  std::string out;
  const char* accounts[] = {"250", "cust-00001", "c-1001"};
  const char* services[] = {"55", "6650a1c2e4b0a1b2c3d4e777", "coro-edr"};
  for (int i = 0; i < 3; ++i) {
    out += std::string(i ? "," : "") + R"({"key":"l)" + std::to_string(i) + R"(","account_id":")" +
           accounts[i] + R"(","service_id":")" + services[i] + R"(","metric":"devices",)";
    out += apply ? R"("target":43,"expected_current":40,)" : R"("last_pushed":null,)";
    out += std::string(R"("line_ref":)") + kLineRef + "}";
  }
  return out;
}

// MB_FUZZ_VERBOSE=1 prints what each call returned: how to check that a corpus reaches past
// the first answers.
void report(const char* hook, const meterbridge::testing::CallResult& r) {
  static const bool verbose = std::getenv("MB_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "%s: status %d %s%s\n", hook, static_cast<int>(r.status),
                 r.result.substr(0, 160).c_str(), r.error_message.substr(0, 160).c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ScriptedPlatform platform(std::string_view(reinterpret_cast<const char*>(data), size));
  FakeHost host;
  host.set_now_ms(1'795'000'000'000);
  host.set_http_handler([&](std::string_view batch) { return platform.answer(batch); });
  try {
    auto plugin = host.load(&meterbridge_plugin_negotiate);
    report("describe", plugin.describe());
    auto session = plugin.open(kConfig);
    auto call = [&](const char* name, mb_session_hook mb_plugin_table::*hook,
                    const std::string& input) { report(name, session.call(hook, input)); };
    call("authenticate", &mb_plugin_table::on_authenticate, "{}");
    call("list_accounts", &mb_plugin_table::on_list_accounts, R"({"cursor":null,"limit":500})");
    call("list_services", &mb_plugin_table::on_list_services, R"({"limit":500})");
    call("provision_accounts", &mb_plugin_table::on_provision_accounts,
         R"({"accounts":[{"id":"cust-00001","name":"Northwind"},{"id":"w-2","name":"Contoso"}]})");
    call("provision_services", &mb_plugin_table::on_provision_services,
         R"({"services":[{"id":"edr","name":"Coro EDR"}]})");
    call("read_quantities", &mb_plugin_table::on_read_quantities,
         R"({"effective_date":"2026-11-21","lines":[)" + lines(false) + "]}");
    call("apply_quantities", &mb_plugin_table::on_apply_quantities,
         R"({"idempotency_key":"fuzz:run-1:batch-1","effective_date":"2026-11-21","lines":[)" +
             lines(true) + R"(],"final":true})");
    call("set_status", &mb_plugin_table::on_set_status, R"({"status":"active"})");
  } catch (const std::runtime_error&) {  // the fake host: a refused negotiation or session
  }
  return 0;
}
