// The "connectwise" platform: ConnectWise PSA (Manage) REST API 3.0, simulated from the
// platform's developer guide, its published OpenAPI description and the behaviour its clients
// report (ConnectWise's REST API documentation). docs/simulators.md ("ConnectWise") has the
// details.
//
//   GET  /login/companyinfo/{companyId}                      codebase discovery, no auth
//   GET  /{codebase}apis/3.0/system/info                     credential check
//   GET  /{codebase}apis/3.0/company/companies[/count|/{id}]
//   GET  /{codebase}apis/3.0/procurement/catalog[/count|/{id}]
//   GET  /{codebase}apis/3.0/finance/agreements[/count|/{id}]
//   GET  /{codebase}apis/3.0/finance/agreements/{parentId}/additions[/count|/{id}]
//   POST /{codebase}apis/3.0/finance/agreements/{parentId}/additions          201
//   PATCH|PUT|DELETE /{codebase}apis/3.0/finance/agreements/{parentId}/additions/{id}
//
// {codebase} is the one companyinfo returns (default "v2025_1/") or "v4_6_release/". Every
// apis/3.0 call needs the clientId header (400 without), Basic company+publicKey:privateKey
// (401 otherwise), and may pick a model version with
// "Accept: application/vnd.connectwise.com+json; version=2025.16". Lists take conditions,
// childConditions, customFieldConditions, orderBy, fields, page and pageSize (25 by default,
// 1000 at most), answer with a bare JSON array and a Link header, and page forward-only with
// "pagination-type: forward-only" and pageId. Errors are {"code","message","errors"}; a 429
// is {"error":"ConnectWiseAPI","message":"Too many requests. ..."} with Retry-After.
//
// Default credentials: company "northwind", public key "Pk7hQ2", private key "Sx9mR4", any
// clientId. Settings (POST /_sim/settings): page_size_over_max ("reject"|"clamp"),
// max_page_size, rate_limit_requests, rate_limit_window_seconds, codebase,
// serve_v4_6_release, api_version, oldest_api_version, nested_patch_false_200.
#ifndef METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_PLATFORM_H_
#define METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_PLATFORM_H_

#include <memory>

#include "sim/core/platform.h"

namespace mb::sim::connectwise {

std::unique_ptr<Platform> make_connectwise_platform();

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_CONNECTWISE_PLATFORM_H_
