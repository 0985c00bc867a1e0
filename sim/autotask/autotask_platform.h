// The "autotask" platform: Autotask PSA's REST API v1.0 ("ATServicesRest"), built from
// Autotask's REST API documentation and the Autotask REST swagger — not from meterbridge's plugin.
//
//   auto simulator = mb::sim::Simulator::start("autotask", {});       // link mb::sim
//   GET  {base}/atservicesrest/v1.0/zoneInformation?user=meterbridge-api@acme-it.example
//     -> {"zoneName":"America East 3","url":"{base}/ATServicesRest/","webUrl":..,"ci":5}
//   POST {base}/ATServicesRest/V1.0/Companies/query   ApiIntegrationCode/UserName/Secret headers
//     {"Filter":[{"op":"eq","field":"isActive","value":true}]}
//     -> {"items":[...],"pageDetails":{"count":..,"requestCount":500,"prevPageUrl":..,
//          "nextPageUrl":"{base}/ATServicesRest/V1.0/Companies/query/next?paging=.."}}
//
// Routes (paths in any case, "//" collapsed; every route but the first two needs the three auth
// headers and counts against the hourly threshold and the per-entity thread limit):
//   GET  /ATServicesRest/VersionInformation                  {"apiVersions":["1.0"]}
//   GET  /ATServicesRest/V1.0/ZoneInformation?user=U          zone, or 500 for an unknown user
//   GET  /ATServicesRest/V1.0/ThresholdInformation            hourly usage
//   GET  /ATServicesRest/V1.0/Version                          version fields
//   For Companies, Services, Contracts, ContractServices, ContractServiceUnits:
//     POST {E}/query, GET {E}/query?search=, POST {E}/query/next?paging=, POST|GET {E}/query/count,
//     GET {E}/{id}
//   For those and ContractServiceAdjustments:
//     GET {E}/entityInformation, {E}/entityInformation/fields, .../userDefinedFields
//   POST|PATCH|PUT Companies, Services, Contracts             (PATCH/PUT carry the id in the body)
//   GET|POST|PATCH|PUT Contracts/{parentId}/Services, GET Contracts/{parentId}/Services/{id}
//   GET Contracts/{parentId}/ServiceUnits[/{id}]              (read-only)
//   POST ContractServiceAdjustments, POST Contracts/{parentId}/ServiceAdjustments (nothing else)
//   Tickets and TicketNotes: query, count, get by id and entityInformation like the others;
//   POST Tickets, PATCH Tickets (sparse, the id in the body), GET|POST Tickets/{parentId}/Notes
//   (no root POST TicketNotes); each user's security level (seed "access") refuses the rest.
//
// Seed format, --generate rules, settings and every choice made on an uncertain point of the
// reference: docs/simulators.md, section "Autotask".
#ifndef METERBRIDGE_SIM_AUTOTASK_AUTOTASK_PLATFORM_H_
#define METERBRIDGE_SIM_AUTOTASK_AUTOTASK_PLATFORM_H_

#include <memory>

#include "sim/core/platform.h"

namespace mb::sim::autotask {

std::unique_ptr<Platform> make_autotask_platform();

}  // namespace mb::sim::autotask

#endif  // METERBRIDGE_SIM_AUTOTASK_AUTOTASK_PLATFORM_H_
