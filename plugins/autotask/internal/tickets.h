// The "tickets" capability on Autotask PSA (docs/platforms/autotask.md, "Tickets"): queues with
// the statuses, issue types and priorities of the Tickets picklists, the API user's rights, and
// tickets opened, noted and completed for the vendor's alerts.
//
// A ticket carries its alert's reference in externalID (ticket_external_id: the reference
// itself, or a stable digest when it is longer than the field's 50 characters), which is how a
// create whose answer was lost is found instead of created twice: POST Tickets is not
// idempotent and answers only {"itemId":n}, so after no answer or a 5xx the plugin queries by
// externalID before reporting, and the host asks it to search first on the next run.
//
//   OpenTicketResult r = open_ticket(client, call, request);  // kCreated, or kFound
#ifndef METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_TICKETS_H_
#define METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_TICKETS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>
#include <string_view>

#include "internal/client.h"

namespace meterbridge::autotask {

// The externalID for a reference: itself when it fits in 50 bytes, else "mb-alert:h-" and a
// 64-bit digest of it (27 characters).
std::string ticket_external_id(std::string_view reference);

// Active queueID values as boards, each with the active statuses (the default one; 5 Complete
// closes) and issue types with their sub-issue types; the active priorities with their level
// read from the label. One call: GET Tickets/entityInformation/fields.
ListTicketBoardsResult list_ticket_boards(AutotaskClient& client, Call& call);
// Read-only: Tickets, TicketNotes and Companies entityInformation (the user's access per verb),
// a one-row probe query of Tickets, and the chosen queue in the picklist.
TicketPermissions check_ticket_permissions(AutotaskClient& client, Call& call,
                                           const CheckTicketPermissionsRequest& request);
// POST Tickets (title cut to 255 characters, description to 8,000; the picklists' defaults for
// a status or priority left out), after a query by externalID when asked; after an unknown
// outcome, the query decides.
OpenTicketResult open_ticket(AutotaskClient& client, Call& call, const OpenTicketRequest& request);
// A note through Tickets/{id}/Notes carrying "[note_key]"; a note already carrying it is not
// added again.
TicketChangeResult add_ticket_note(AutotaskClient& client, Call& call,
                                   const AddTicketNoteRequest& request);
// PATCH Tickets with only id, status (given, else 5 Complete) and, when the ticket has none, a
// resolution; a ticket already complete is left alone.
TicketChangeResult close_ticket(AutotaskClient& client, Call& call,
                                const CloseTicketRequest& request);

}  // namespace meterbridge::autotask

#endif  // METERBRIDGE_PLUGINS_AUTOTASK_INTERNAL_TICKETS_H_
