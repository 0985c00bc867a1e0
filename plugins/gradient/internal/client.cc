#include "internal/client.h"

#include "internal/wire.h"

namespace meterbridge::gradient {
std::string gradient_token(std::string_view vendor_api_key, std::string_view partner_api_key) {
  return base64_encode(std::string(vendor_api_key) + ":" + std::string(partner_api_key));
}

std::string encode_path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string encode_query_value(std::string_view text) { return encode_path_segment(text); }

bool is_usable_path_id(std::string_view id) { return !id.empty() && id != "." && id != ".."; }

Failure classify(const HttpResponse& response, std::string_view what) {
  const std::string prefix = std::string(what) + ": ";
  if (!response.answered()) {
    const HttpError e = response.error.value_or(HttpError{MB_STATUS_RETRY, "", false});
    return {e.error_class,
            prefix + "no answer from Gradient (" +
                (e.message.empty() ? error_class_wire_name(e.error_class) : e.message) + ")" +
                (e.sent ? "; the request may have reached Gradient" : ""),
            0};
  }
  const std::string text = error_text(response.body);
  const std::string answered = prefix + "Gradient answered " + std::to_string(response.status) +
                               (text.empty() ? "" : " (" + text + ")");
  switch (response.status) {
    case 401:
      return {MB_STATUS_AUTH_FAILED,
              answered +
                  ": the GRADIENT-TOKEN was refused; check both keys (a wrong or regenerated "
                  "Partner API Key is the usual cause)",
              0};
    case 403:
      // Gradient documents 403 for "an anomaly with your API usage": a refusal of the caller,
      // not of one request, so it is handled like throttling.
      return {MB_STATUS_RATE_LIMITED,
              answered +
                  ": Gradient refuses calls when it detects an anomaly in the API usage; try "
                  "again later or lower the connector's http.requests_per_second",
              0};
    case 429:
      return {MB_STATUS_RATE_LIMITED,
              answered + ": Gradient's rate limit (100 requests a second) held after retries",
              retry_after_ms(response)};
    default:
      return {usual_error_class(response), answered, 0};
  }
}

bool ambiguous(const HttpResponse& response) {
  return (!response.answered() && response.error && response.error->sent) || response.status >= 500;
}

Client::Client(const ConnectorConfig& config)
    : base_url_(config.base_url),
      token_(gradient_token(config.vendor_api_key, config.partner_api_key)) {}

HttpRequest Client::request(std::string method, std::string_view path, std::string endpoint,
                            bool idempotent, std::optional<std::string> json_body) const {
  HttpRequest r;
  r.method = std::move(method);
  r.url = base_url_ + std::string(kApi) + std::string(path);
  r.headers = {{"GRADIENT-TOKEN", token_}, {"Accept", "application/json"}};
  r.endpoint = std::move(endpoint);
  r.idempotent = idempotent;
  if (json_body) set_json_body(r, std::move(*json_body));
  return r;
}

}  // namespace meterbridge::gradient
