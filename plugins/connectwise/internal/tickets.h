// The "tickets" capability on ConnectWise PSA (docs/platforms/connectwise.md, "Tickets"): service
// boards with their statuses, priorities, the member's rights, and tickets opened, noted and
// closed for the vendor's alerts.
//
// A ticket carries its alert's reference in externalXRef (ticket_xref: the reference itself,
// or a stable digest when it is too long or holds characters a condition cannot quote), which
// is how a create whose answer was lost is found instead of created twice: POST service/tickets
// is not idempotent, so after no answer or a 5xx the plugin searches before reporting, and the
// host asks it to search first on the next run.
#ifndef METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_TICKETS_H_
#define METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_TICKETS_H_

#include <meterbridge/documents.hpp>
#include <meterbridge/plugin.hpp>

#include <string>
#include <string_view>

#include "internal/client.h"

namespace meterbridge::connectwise {

// The externalXRef for a reference: itself when it fits (100 characters of [A-Za-z0-9:_.-]),
// else "mb-alert:h-" and a 64-bit digest of it.
std::string ticket_xref(std::string_view reference);

// Active, non-project boards with their active statuses (defaultFlag, closedStatus), and the
// priorities with their level.
ListTicketBoardsResult list_ticket_boards(Call& call, Client& client);
// Read-only: system/mySecurity (Service Tickets add/edit/inquire, Close Service Tickets edit)
// and probe reads of boards, the chosen board's statuses and tickets.
TicketPermissions check_ticket_permissions(Call& call, Client& client,
                                           const CheckTicketPermissionsRequest& request);
// POST service/tickets (summary cut to 100 characters), after a search by externalXRef when
// asked; after an unknown outcome, the search decides.
OpenTicketResult open_ticket(Call& call, Client& client, const OpenTicketRequest& request);
// A discussion note carrying "[note_key]"; a note already carrying it is not added again.
TicketChangeResult add_ticket_note(Call& call, Client& client, const AddTicketNoteRequest& request);
// PATCH of the status to the closed one (given, or the first closed status of the ticket's
// board); a ticket already closed is left alone.
TicketChangeResult close_ticket(Call& call, Client& client, const CloseTicketRequest& request);

}  // namespace meterbridge::connectwise

#endif  // METERBRIDGE_PLUGINS_CONNECTWISE_INTERNAL_TICKETS_H_
