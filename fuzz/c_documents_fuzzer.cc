// Fuzz target: the SDK's C JSON reader and the C typed-document readers (<meterbridge/json.h>,
// <meterbridge/documents.h>), differential against the host's reader: the C reader accepts
// exactly the texts Boost.JSON accepts, and what it writes back reads as the same value.
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "meterbridge/documents.h"
#include "meterbridge/json.h"

namespace {

void read_every_document(mb_str text) {
  mb_error error;
  mb_authenticate_request authenticate;
  if (mb_authenticate_request_from_json(text, &authenticate, &error))
    mb_authenticate_request_release(&authenticate);
  mb_list_request list;
  if (mb_list_request_from_json(text, &list, &error)) mb_list_request_release(&list);
  mb_read_request read;
  if (mb_read_request_from_json(text, &read, &error)) mb_read_request_release(&read);
  mb_apply_request apply;
  if (mb_apply_request_from_json(text, &apply, &error)) mb_apply_request_release(&apply);
  mb_provision_accounts_request accounts;
  if (mb_provision_accounts_request_from_json(text, &accounts, &error))
    mb_provision_accounts_request_release(&accounts);
  mb_provision_services_request services;
  if (mb_provision_services_request_from_json(text, &services, &error))
    mb_provision_services_request_release(&services);
  mb_set_status_request status;
  if (mb_set_status_request_from_json(text, &status, &error))
    mb_set_status_request_release(&status);
  mb_link_accounts_request link;
  if (mb_link_accounts_request_from_json(text, &link, &error))
    mb_link_accounts_request_release(&link);
  mb_http_responses responses;
  if (mb_http_responses_from_json(text, &responses, &error)) {
    for (size_t i = 0; i < responses.count; ++i) (void)mb_http_retry_after_ms(&responses.items[i]);
    mb_http_responses_release(&responses);
  }
}

// Equal values, doubles within a few units in the last place: Boost.JSON 1.81 reads decimal
// literals fast rather than exactly, while the C reader uses strtod. Boost also reads a zero with
// a huge exponent (0e400) as NaN where the C reader reads 0: a non-finite double of Boost's
// matches any number.
bool same(const boost::json::value& a, const boost::json::value& b) {
  if (b.is_double() && !std::isfinite(b.get_double())) return a.is_number();
  if (a.is_double() && b.is_double())
    return std::fabs(a.get_double() - b.get_double()) <=
           1e-15 * std::max(std::fabs(a.get_double()), std::fabs(b.get_double()));
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, value] : x)
      if (!y.contains(key) || !same(value, y.at(key))) return false;
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const mb_str text{input.data(), input.size()};
  read_every_document(text);

  mb_error error;
  mb_json* document = mb_json_parse(text, &error);
  boost::json::parse_options options;
  options.max_depth = 64;  // the C reader's limit; the host's is lower
  boost::system::error_code ec;
  boost::json::value expected = boost::json::parse(input, ec, {}, options);
  const bool out_of_range =
      document == nullptr && std::string(error.message).find("out of range") != std::string::npos;
  if ((document != nullptr) != !ec && !out_of_range) std::abort();  // the readers disagree
  if (document != nullptr) {
    char* written = mb_json_to_text(mb_json_root(document));
    if (written == nullptr || !same(boost::json::parse(written), expected)) std::abort();
    std::free(written);
  }
  mb_json_free(document);
  return 0;
}
