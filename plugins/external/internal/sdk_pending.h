// Stand-ins for the SDK helpers that land with "SDK: json_fields.hpp and batched HTTP helpers for
// plugins" (http_in_batches, usual_error_class, set_json_body, json_fields.hpp), so this branch
// builds until it merges them; removed then.
#ifndef METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_SDK_PENDING_H_
#define METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_SDK_PENDING_H_

#include <meterbridge/http.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meterbridge::external {

inline std::vector<HttpResponse> http_in_batches(const Call& call,
                                                 const std::vector<HttpRequest>& requests,
                                                 size_t max_batch) {
  std::vector<HttpResponse> out;
  for (size_t start = 0; start < requests.size(); start += max_batch) {
    if (start > 0 && call.cancelled()) {
      for (size_t i = start; i < requests.size(); ++i) {
        HttpResponse& r = out.emplace_back();
        r.error = HttpError{MB_STATUS_RETRY, "cancelled before it was sent", false};
      }
      return out;
    }
    std::vector<HttpRequest> batch(requests.begin() + static_cast<std::ptrdiff_t>(start),
                                   requests.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                          requests.size(), start + max_batch)));
    for (HttpResponse& r : call.http(batch)) out.push_back(std::move(r));
  }
  return out;
}

inline mb_status usual_error_class(const HttpResponse& r) {
  if (!r.answered()) return r.error ? r.error->error_class : MB_STATUS_RETRY;
  if (r.status == 401 || r.status == 403) return MB_STATUS_AUTH_FAILED;
  if (r.status == 404) return MB_STATUS_NOT_FOUND;
  if (r.status == 409) return MB_STATUS_CONFLICT;
  if (r.status == 429) return MB_STATUS_RATE_LIMITED;
  if (r.status >= 500 && r.status < 600) return MB_STATUS_RETRY;
  return MB_STATUS_FATAL;
}

inline void set_json_body(HttpRequest& request, std::string body) {
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
}

inline std::optional<boost::json::object> parse_json_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

inline std::optional<int64_t> whole_number(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->get_uint64());
  return std::nullopt;
}

inline std::optional<std::string> text(const boost::json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

inline std::optional<bool> boolean(const boost::json::value* v) {
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

}  // namespace meterbridge::external

#endif  // METERBRIDGE_PLUGINS_EXTERNAL_INTERNAL_SDK_PENDING_H_
