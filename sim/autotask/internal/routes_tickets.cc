// Tickets and their notes (tickets-autotask.md): POST and PATCH Tickets (the id in the body),
// GET and POST Tickets/{parentId}/Notes, and the API user's security level, which Autotask
// enforces per entity and verb. Query, count, get by id and entityInformation come with every
// entity (routes_entities.cc); POST TicketNotes at the root does not exist (404).
#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "sim/autotask/internal/api_error.h"
#include "sim/autotask/internal/routes.h"

namespace mb::sim::autotask {

namespace json = boost::json;

void Api::require(const ApiUser& user, const EntitySchema& schema, Verb verb) const {
  const EntityAccess& access = user.access_to(schema);
  const std::string& level = verb == Verb::kQuery    ? access.query
                             : verb == Verb::kCreate ? access.create
                                                     : access.update;
  if (level != "None") return;  // Restricted: the simulator has no per-record restriction
  const char* what = verb == Verb::kQuery ? "query" : verb == Verb::kCreate ? "create" : "update";
  throw HttpError(static_cast<int>(settings_.permission_status),
                  "The logged in Resource does not have the adequate permissions to " +
                      std::string(what) + " this entity type (" + schema.singular + ").");
}

TicketRules Api::ticket_rules() const {
  return TicketRules{settings_.truncate_ticket_strings, settings_.ticket_required_fields};
}

void Api::add_ticket_routes(Router& router, const std::string& v1) {
  const std::string tickets = v1 + "/Tickets";
  router.add("POST", tickets, api([this](const Request& r, const ApiUser& user) {
               require(user, tickets_schema(), Verb::kCreate);
               return item_id_response(
                   tenant_.create_ticket(body_object(parse_body(r.body)), ticket_rules()));
             }));
  router.add("PATCH", tickets, api([this](const Request& r, const ApiUser& user) {
               require(user, tickets_schema(), Verb::kUpdate);
               return item_id_response(
                   tenant_.update_ticket(body_object(parse_body(r.body)), ticket_rules()));
             }));
  router.add("GET", tickets + "/{parentId}/Notes",
             api([this](const Request& r, const ApiUser& user) {
               require(user, ticket_notes_schema(), Verb::kQuery);
               const std::optional<int64_t> id = parse_id(r.path_param("parentId"));
               if (!id) return not_found(r);
               json::array items;
               for (const Row* note : tenant_.notes_of(*id))
                 items.push_back(row_to_wire(ticket_notes_schema(), *note));
               const size_t count = items.size();
               return wire_json(
                   200, json::object{{"items", std::move(items)},
                                     {"pageDetails", json::object{{"count", count},
                                                                  {"requestCount", 500},
                                                                  {"prevPageUrl", nullptr},
                                                                  {"nextPageUrl", nullptr}}}});
             }));
  router.add(
      "POST", tickets + "/{parentId}/Notes", api([this](const Request& r, const ApiUser& user) {
        require(user, ticket_notes_schema(), Verb::kCreate);
        const std::optional<int64_t> id = parse_id(r.path_param("parentId"));
        if (!id) return not_found(r);
        return item_id_response(
            tenant_.create_ticket_note(*id, body_object(parse_body(r.body)), ticket_rules()));
      }));
}

}  // namespace mb::sim::autotask
