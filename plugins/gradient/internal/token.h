// The GRADIENT-TOKEN header every vendor-API call carries, and the URL encoding of the ids the
// plugin splices into paths and queries.
//
//   gradient_token("vk_live_123", "pk_456")  // "dmtfbGl2ZV8xMjM6cGtfNDU2"
//   encode_path_segment("cust 7/a")          // "cust%207%2Fa"
//
// The token is standard base64 (with padding) of the UTF-8 text "<vendor key>:<partner key>",
// with no "Basic " prefix and no expiry: there is no exchange call.
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_TOKEN_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_TOKEN_H_

#include <meterbridge/http.hpp>

#include <string>
#include <string_view>

namespace meterbridge::gradient {

// RFC 4648 base64 (the SDK's).
using ::meterbridge::base64_encode;

// base64(vendor_api_key + ":" + partner_api_key).
std::string gradient_token(std::string_view vendor_api_key, std::string_view partner_api_key);

// Percent-encodes everything but RFC 3986 unreserved characters, so an id can never add a path
// segment, a query or a fragment.
std::string encode_path_segment(std::string_view text);

// Whether an id may be used as one path segment at all: not empty, not "." and not "..", which
// URL normalisation would turn into a different path however they are encoded.
bool is_usable_path_id(std::string_view id);

// The same encoding for a query value (a space becomes %20).
std::string encode_query_value(std::string_view text);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_TOKEN_H_
