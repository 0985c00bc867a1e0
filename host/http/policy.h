// HttpPolicy from JSON: a plugin manifest's "http" defaults, then the connector config's "http"
// overrides, each overlaying only the keys it names.
//
//   HttpPolicy policy;
//   MB_RETURN_IF_ERROR(apply_http_policy_json(manifest_http, &policy));   // plugin defaults
//   MB_RETURN_IF_ERROR(apply_http_policy_json(connector_http, &policy));  // operator overrides
//
// Keys (all optional): max_concurrency, per_endpoint_concurrency, requests_per_second, burst,
// connect_timeout_ms, timeout_ms, max_retries, backoff_base_ms, backoff_max_ms,
// retry_after_max_ms, hourly_budget, budget_key, tenant_concurrency, ca_file, verify_tls,
// allow_plain_http, retry_statuses (array of ints), throttle_body_markers (array of strings),
// masked_headers (array of names, added to the defaults), idle_timeout_ms, max_response_bytes.
// docs/http-engine.md describes each.
#ifndef METERBRIDGE_HOST_HTTP_POLICY_H_
#define METERBRIDGE_HOST_HTTP_POLICY_H_

#include <boost/json/value.hpp>

#include "host/common/status.h"
#include "host/http/http_client.h"

namespace mb::http {

// config_invalid (naming the key) for an unknown key, a wrong type or an out-of-range value;
// *policy is unchanged then.
Status apply_http_policy_json(const boost::json::value& json, HttpPolicy* policy);

// Checks ranges (positive concurrency, timeouts, ...). apply_http_policy_json calls it.
Status validate_http_policy(const HttpPolicy& policy);

}  // namespace mb::http

#endif  // METERBRIDGE_HOST_HTTP_POLICY_H_
