// A scripted platform for plugin tests: answers the HTTP batches a plugin hands the fake host
// (fake_host.hpp) from routes (method + path prefix -> reply), and keeps every request it saw.
// A test says what the platform answers, including what a simulator rarely produces: no answer
// after the request was sent, no answer before it was, a throttle with a wait.
//
//   meterbridge::testing::FakeHost host;
//   meterbridge::testing::ScriptedPlatform platform("https://api.example.com/v1/");
//   platform.attach(host);
//   platform.on("GET", "customers", [](const SeenRequest&) { return reply(200, R"([])"); });
//   platform.on("POST", "counts", no_answer(/*sent=*/true));
//   ... run the plugin through host.load(...).open(...).call(...) ...
//   EXPECT_EQ(platform.seen("POST", "counts").size(), 1u);
//
// Paths are the URL after the base URL given to the constructor (or the URL's own path when a
// request goes elsewhere), query included in `target`. Uses the SDK's codec: link
// meterbridge::sdk_json with meterbridge::sdk_testing.
#ifndef METERBRIDGE_TESTING_SCRIPTED_PLATFORM_HPP_
#define METERBRIDGE_TESTING_SCRIPTED_PLATFORM_HPP_

#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meterbridge/documents.hpp"
#include "meterbridge/documents_json.hpp"
#include "meterbridge/testing/fake_host.hpp"

namespace meterbridge::testing {

// One request as the plugin handed it to the host.
struct SeenRequest {
  int batch = 0;  // which batch (1, 2, ...) carried it
  std::string method;
  std::string url;
  std::string target;                          // after the base URL: path and query
  std::string path;                            // target without the query
  std::string query;                           // without the '?'
  std::map<std::string, std::string> headers;  // names as sent
  std::string body;                            // empty when none was sent
  bool idempotent = true;                      // as the host reads it: as sent, else by method
  std::string endpoint;

  // A header's value by name, any case; empty when absent.
  std::string header(std::string_view name) const {
    auto same = [](std::string_view a, std::string_view b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
          return false;
      return true;
    };
    for (const auto& [n, v] : headers)
      if (same(n, name)) return v;
    return {};
  }
};

// An HTTP answer: status, body and headers (lower-case names, as the host hands them over).
inline HttpResponse reply(int status, std::string body,
                          std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.attempts = 1;
  return r;
}

// No answer: the host's engine gave up. `sent`: the request may have reached the platform.
inline HttpResponse no_answer(bool sent, std::string message = "connection reset",
                              mb_status error_class = MB_STATUS_RETRY) {
  HttpResponse r;
  r.attempts = 1;
  r.error = HttpError{error_class, std::move(message), sent};
  return r;
}

class ScriptedPlatform {
 public:
  using Handler = std::function<HttpResponse(const SeenRequest&)>;
  // Which route answers when several match: the one added last (a test overrides its
  // fixture's default), or the one added first.
  enum class Precedence { kLatestRoute, kFirstRoute };
  // What a route's pattern is matched against: the start of the target, or anywhere in the URL
  // (for platforms whose requests go to several hosts).
  enum class Matching { kTargetPrefix, kUrlContains };

  explicit ScriptedPlatform(std::string base_url = "",
                            Precedence precedence = Precedence::kLatestRoute)
      : base_url_(std::move(base_url)), precedence_(precedence) {}

  // Requests whose method is `method` and whose target starts with `target_prefix` (or whose
  // URL contains it, with Matching::kUrlContains).
  void on(std::string method, std::string target_prefix, Handler handler) {
    routes_.push_back({std::move(method), std::move(target_prefix), std::move(handler)});
  }
  void on(std::string method, std::string target_prefix, HttpResponse answer) {
    on(std::move(method), std::move(target_prefix),
       [answer](const SeenRequest&) { return answer; });
  }
  // What answers a request no route matches (default: 404 "no route").
  void otherwise(Handler handler) { otherwise_ = std::move(handler); }
  // Sees every request before the routes; an answer it gives wins, nullopt lets the routes
  // answer (a fault injected into a modelled platform, a check of every request).
  void intercept(std::function<std::optional<HttpResponse>(const SeenRequest&)> first) {
    intercept_ = std::move(first);
  }
  void set_matching(Matching matching) { matching_ = matching; }
  // Where targets are measured from; requests elsewhere keep their URL's path.
  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }

  // Answers the plugin's HTTP batches on `host`.
  void attach(FakeHost& host) {
    host.set_http_handler([this](std::string_view batch) { return handle(batch); });
  }

  // The host's side of one batch: the request array in, the response array out.
  std::string handle(std::string_view batch) {
    ++batches_;
    std::vector<HttpResponse> answers;
    for (HttpRequest& request : decode_array<HttpRequest>(batch, "the plugin's HTTP batch")) {
      seen_.push_back(record(std::move(request)));
      answers.push_back(answer(seen_.back()));
    }
    return encode_array(answers);
  }

  const std::vector<SeenRequest>& seen() const { return seen_; }
  // Copies of what was seen with this method (any when empty) and target prefix.
  std::vector<SeenRequest> seen(const std::string& method, const std::string& prefix = "") const {
    std::vector<SeenRequest> out;
    for (const SeenRequest& s : seen_)
      if ((method.empty() || s.method == method) && s.target.rfind(prefix, 0) == 0)
        out.push_back(s);
    return out;
  }
  int batches() const { return batches_; }

 private:
  struct Route {
    std::string method;
    std::string prefix;
    Handler handler;
  };

  SeenRequest record(HttpRequest&& request) const {
    SeenRequest s;
    s.batch = batches_;
    s.method = std::move(request.method);
    s.url = std::move(request.url);
    for (auto& [name, value] : request.headers) s.headers[name] = std::move(value);
    s.body = request.body.value_or("");
    s.idempotent =
        request.idempotent.value_or(s.method == "GET" || s.method == "HEAD" || s.method == "PUT" ||
                                    s.method == "DELETE" || s.method == "OPTIONS");
    s.endpoint = std::move(request.endpoint);
    if (!base_url_.empty() && s.url.rfind(base_url_, 0) == 0) {
      s.target = s.url.substr(base_url_.size());
    } else {
      size_t scheme = s.url.find("://");
      size_t path = scheme == std::string::npos ? 0 : s.url.find('/', scheme + 3);
      s.target = path == std::string::npos ? "/" : s.url.substr(path);
    }
    size_t q = s.target.find('?');
    s.path = s.target.substr(0, q);
    if (q != std::string::npos) s.query = s.target.substr(q + 1);
    return s;
  }

  HttpResponse answer(const SeenRequest& s) const {
    if (intercept_)
      if (std::optional<HttpResponse> first = intercept_(s)) return std::move(*first);
    auto matches = [&](const Route& r) {
      if (r.method != s.method) return false;
      return matching_ == Matching::kTargetPrefix ? s.target.rfind(r.prefix, 0) == 0
                                                  : s.url.find(r.prefix) != std::string::npos;
    };
    if (precedence_ == Precedence::kLatestRoute) {
      for (auto r = routes_.rbegin(); r != routes_.rend(); ++r)
        if (matches(*r)) return r->handler(s);
    } else {
      for (const Route& r : routes_)
        if (matches(r)) return r.handler(s);
    }
    if (otherwise_) return otherwise_(s);
    return reply(404, "no route for " + s.method + " " + s.target);
  }

  std::string base_url_;
  Precedence precedence_;
  Matching matching_ = Matching::kTargetPrefix;
  std::vector<Route> routes_;
  Handler otherwise_;
  std::function<std::optional<HttpResponse>(const SeenRequest&)> intercept_;
  std::vector<SeenRequest> seen_;
  int batches_ = 0;
};

}  // namespace meterbridge::testing

#endif  // METERBRIDGE_TESTING_SCRIPTED_PLATFORM_HPP_
