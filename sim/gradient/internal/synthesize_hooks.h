// The test hooks that stand in for what the MSP does in Synthesize, out of the vendor's sight:
// mapping accounts to PSA clients and services to PSA products, regenerating the Partner API
// Key (accounts stay), disconnecting (every account the vendor created is deleted, and with it
// every mapping) and connecting again; and what Gradient's side does on its own: setting the
// integration's status (disabled, error), dropping pushed counts (a remapped account, a
// re-created service, a reset) and changing the modules of the vendor's integration (alerts,
// billing). Served under /_sim/gradient/, so they are never faulted,
// delayed, rate limited or logged.
//
//   POST /_sim/gradient/map-account   {"partnerKey":"pk_456","accountId":"cust-91c0"}
//   -> {"accountId":"cust-91c0","clientId":"5a9e0d72-...","clientName":"Harbor Legal LLP"}
#ifndef METERBRIDGE_SIM_GRADIENT_INTERNAL_SYNTHESIZE_HOOKS_H_
#define METERBRIDGE_SIM_GRADIENT_INTERNAL_SYNTHESIZE_HOOKS_H_

#include <boost/json/object.hpp>

#include "sim/core/router.h"
#include "sim/gradient/internal/model.h"

namespace mb::sim::gradient {

class SynthesizeHooks {
 public:
  // Both references must outlive the hooks (the platform owns all three).
  SynthesizeHooks(World& world, IdSource& ids) : world_(world), ids_(ids) {}

  void register_routes(Router& router);

 private:
  Response map_account(const Request& request);
  Response unmap_account(const Request& request);
  Response map_service(const Request& request);
  Response unmap_service(const Request& request);
  Response auto_map(const Request& request);
  Response regenerate_key(const Request& request);
  Response disconnect(const Request& request);
  Response connect(const Request& request);
  Response set_status(const Request& request);
  Response drop_counts(const Request& request);
  Response set_modules(const Request& request);

  // The partner a hook body names by "partnerKey" (connected partners only) or
  // "organizationId"; HttpError 400/404 otherwise.
  Partner& named_partner(const boost::json::object& body);
  // The partner's account with this id; 404 otherwise.
  static const Account* named_account(const Partner& partner, const std::string& account_id);
  std::string new_partner_key(const boost::json::object& body, std::string_view field);

  World& world_;
  IdSource& ids_;
};

}  // namespace mb::sim::gradient

#endif  // METERBRIDGE_SIM_GRADIENT_INTERNAL_SYNTHESIZE_HOOKS_H_
