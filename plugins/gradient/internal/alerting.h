// The "tickets" capability through Gradient's alerting API (docs/platforms/gradient.md,
// "Alerts"). Gradient is not a PSA: it takes the vendor's alert for an account, queues it, and
// opens the ticket on the PSA board the MSP chose in Synthesize. So there are no boards to list,
// only Gradient's four priorities; the PSA ticket id is learnt by polling the debug route.
//
//   POST /alerting/{accountId} {"title","description","alertId":"mb-alert:al-7f3a",
//                               "priority":3,"status":1}
//     -> {"messageId":"2f6d8a3e-...","alertId":"mb-alert:al-7f3a","correlationID":"..."}
//   GET  /alerting/debug/2f6d8a3e-...  -> {"status":"success","ticketId":"T20250602.0042",...}
//
// The alertId is the vendor's unique id of the alert (the reference); that Gradient keys alerts by
// it, so that a later POST of the same alertId updates the ticket the first one made, is our
// reading — the only one under which the API can update or resolve a ticket at all. That is how
// a change is noted and a resolved alert closed (its status becomes the configured closing
// status), and how a create whose answer was lost is settled without a second ticket: the API
// has no search, so "search first" sends the alert again under its alertId and reads which
// ticket it is on.
//
// The ticket id meterbridge records carries what a later note or close must send again — the
// account, the priority and the alertId — after the PSA ticket id:
// "T20250602.0042|cust-7f3a|3|mb-alert:al-7f3a" ('%' and '|' inside a part are %-escaped).
#ifndef METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ALERTING_H_
#define METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ALERTING_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "internal/client.h"
#include "internal/config.h"

namespace meterbridge::gradient {

// What a recorded ticket id holds.
struct AlertTicketRef {
  std::string psa_ticket_id;  // the PSA's ticket, as the debug route reports it
  std::string account_id;     // the Gradient account the alert was sent for
  int64_t priority = 1;       // Gradient's 1-4, resent with every update (it is required)
  std::string alert_id;       // the alertId sent: the alert's reference
};

std::string encode_ticket_ref(const AlertTicketRef& ref);
// nullopt when `ticket_id` is not one encode_ticket_ref made.
std::optional<AlertTicketRef> decode_ticket_ref(std::string_view ticket_id);

// Gradient's priorities, 1 (low) to 4 (very high), 1 the default; no boards: the MSP chose the
// PSA board in Synthesize. No call.
ListTicketBoardsResult list_alert_boards();

// Read-only: GET /organization (the keys, the integration's status) and GET /api/vendor-api
// (whether the vendor's integration has the Alerts module).
TicketPermissions check_alert_permissions(Call& call, const Client& client,
                                          const CheckTicketPermissionsRequest& request);

// POST /alerting/{account} with the reference as alertId, then the debug route for the ticket.
OpenTicketResult send_alert(Call& call, const Client& client, const AlertSettings& settings,
                            const OpenTicketRequest& request);
// The alert sent again under its alertId with the note (and its key) as description.
TicketChangeResult note_alert(Call& call, const Client& client, const AlertSettings& settings,
                              const AddTicketNoteRequest& request);
// The alert sent again with the closing status: an absolute state, so sending it twice is
// harmless.
TicketChangeResult resolve_alert(Call& call, const Client& client, const AlertSettings& settings,
                                 const CloseTicketRequest& request);

}  // namespace meterbridge::gradient

#endif  // METERBRIDGE_PLUGINS_GRADIENT_INTERNAL_ALERTING_H_
