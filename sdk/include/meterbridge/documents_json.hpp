// The one JSON codec of the ABI's documents (<meterbridge/documents.hpp>), used by the host and
// by every plugin, so both sides read and write each shape the same way.
//
//   ReadRequest request = decode<ReadRequest>(input_json);   // throws DocumentError
//   std::string result_json = encode(ReadResult{...});
//
// Header-only; it uses Boost.JSON, so a target including it links Boost::json (the installed
// SDK offers meterbridge::sdk_json for that). Include it only where documents are read or
// written; <meterbridge/documents.hpp> alone needs no JSON library.
//
// Reading is lenient where the ABI is: a missing optional member takes its default, an id sent
// as a number reads as its decimal text, a whole number sent as 3.0 reads as 3, and a member of
// the wrong type reads as absent. Only the shape itself is enforced: a document that is not an
// object, or a required array ("lines", "accounts", ...) that is missing, is a DocumentError.
// Results a plugin returns are read even more leniently (a missing array is empty), because the
// host judges each line itself.
#ifndef METERBRIDGE_DOCUMENTS_JSON_HPP_
#define METERBRIDGE_DOCUMENTS_JSON_HPP_

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "meterbridge/documents.hpp"
#include "meterbridge/json_fields.hpp"

namespace meterbridge {

// A document that does not have its documented shape. what() names the member.
class DocumentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace codec {

namespace json = boost::json;

// ---- Reading members -------------------------------------------------------------------------

inline json::object parse_object(std::string_view text, const char* document) {
  if (text.empty()) return {};  // hosts and plugins before 1.1 may send nothing for {}
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    throw DocumentError(std::string(document) + ": the document is not a JSON object");
  return std::move(v.get_object());
}

inline std::optional<int64_t> number_member(const json::object& o, std::string_view key) {
  return ::meterbridge::whole_number(o.if_contains(key));
}

// A string member, or the decimal text of an integer one (ids); nullopt otherwise.
inline std::optional<std::string> optional_text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

inline std::string text_member(const json::object& o, std::string_view key) {
  return optional_text(o, key).value_or(std::string());
}

inline std::optional<bool> bool_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

// Any JSON value as text; empty for an absent or null member.
inline JsonText json_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? JsonText() : json::serialize(*v);
}

// The objects of an array member. A required array that is missing or not an array throws;
// an optional one reads as empty. Members that are not objects throw when required, and are
// skipped otherwise.
template <typename Each>
void each_object(const json::object& o, std::string_view key, bool required, const char* document,
                 Each&& each) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    if (!required) return;
    throw DocumentError(std::string(document) + ": no \"" + std::string(key) + "\" array");
  }
  for (const json::value& item : v->get_array()) {
    if (item.is_object()) {
      each(item.get_object());
    } else if (required) {
      throw DocumentError(std::string(document) + ": an item of \"" + std::string(key) +
                          "\" is not an object");
    }
  }
}

template <typename Enum>
std::optional<Enum> enum_member(const json::object& o, std::string_view key,
                                std::string* unknown = nullptr) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  std::optional<Enum> value = from_wire<Enum>(v->get_string());
  if (!value && unknown != nullptr) *unknown = std::string(v->get_string());
  return value;
}

// ---- Writing members -------------------------------------------------------------------------

inline json::value or_null(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
inline json::value or_null(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
// An enum's wire name; else the unknown name it was read from; else null.
template <typename Enum>
json::value name_or_null(const std::optional<Enum>& value, const std::string& unknown = {}) {
  if (value) return json::value(wire_name(*value));
  return unknown.empty() ? json::value(nullptr) : json::value(unknown);
}
// JSON text back as a value; text that is not JSON (never written by this codec) as null.
inline json::value json_value(const JsonText& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

// ---- Documents -------------------------------------------------------------------------------
// decode_into(text, doc) and to_value(doc) for each document; decode<T>() and encode() below.

inline void decode_into(const json::object& o, AuthenticateRequest& d) {
  d.purpose = enum_member<AuthPurpose>(o, "purpose").value_or(AuthPurpose::kUnspecified);
}
inline json::value to_value(const AuthenticateRequest& d) {
  json::object o;
  if (d.purpose != AuthPurpose::kUnspecified) o["purpose"] = wire_name(d.purpose);
  return o;
}

inline void decode_into(const json::object& o, AuthenticateResult& d) {
  const json::value* status = o.if_contains("status");
  d.status_sent = status != nullptr && status->is_string();
  d.status =
      enum_member<AuthStatus>(o, "status", &d.unknown_status).value_or(AuthStatus::kUnreachable);
  d.message = text_member(o, "message");
  d.status_after_connect = optional_text(o, "status_after_connect");
}
inline json::value to_value(const AuthenticateResult& d) {
  json::object o{{"status", d.unknown_status.empty() ? json::value(wire_name(d.status))
                                                     : json::value(d.unknown_status)},
                 {"message", d.message}};
  if (d.status_after_connect) o["status_after_connect"] = *d.status_after_connect;
  return o;
}

inline void decode_into(const json::object& o, ListRequest& d) {
  d.cursor = optional_text(o, "cursor");
  d.search = optional_text(o, "search");
  d.limit = number_member(o, "limit");
}
inline json::value to_value(const ListRequest& d) {
  return json::object{
      {"cursor", or_null(d.cursor)}, {"search", or_null(d.search)}, {"limit", or_null(d.limit)}};
}

inline void decode_into(const json::object& o, ListPage& d) {
  each_object(o, "items", false, "list page", [&](const json::object& item) {
    ListItem i;
    i.id = text_member(item, "id");
    i.name = text_member(item, "name");
    i.active = bool_member(item, "active");
    i.details = json_member(item, "details");
    d.items.push_back(std::move(i));
  });
  d.next_cursor = optional_text(o, "next_cursor");
}
inline json::value to_value(const ListPage& d) {
  json::array items;
  for (const ListItem& i : d.items) {
    json::object item{{"id", i.id}, {"name", i.name}};
    if (i.active) item["active"] = *i.active;
    if (!i.details.empty()) item["details"] = json_value(i.details);
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)}, {"next_cursor", or_null(d.next_cursor)}};
}

inline void decode_into(const json::object& o, ReadRequest& d) {
  d.effective_date = text_member(o, "effective_date");
  each_object(o, "lines", true, "read_quantities input", [&](const json::object& line) {
    d.lines.push_back(ReadLine{text_member(line, "key"), text_member(line, "account_id"),
                               text_member(line, "service_id"), text_member(line, "metric"),
                               number_member(line, "last_pushed")});
  });
}
inline json::value to_value(const ReadRequest& d) {
  json::array lines;
  for (const ReadLine& l : d.lines)
    lines.push_back(json::object{{"key", l.key},
                                 {"account_id", l.account_id},
                                 {"service_id", l.service_id},
                                 {"metric", l.metric},
                                 {"last_pushed", or_null(l.last_pushed)}});
  return json::object{{"effective_date", d.effective_date}, {"lines", std::move(lines)}};
}

inline void decode_into(const json::object& o, ReadResult& d) {
  each_object(o, "lines", false, "read_quantities result", [&](const json::object& line) {
    ReadLineResult r;
    r.key = text_member(line, "key");
    r.quantity = number_member(line, "quantity");
    r.reason = enum_member<Reason>(line, "reason", &r.unknown_reason);
    r.message = text_member(line, "message");
    r.line_ref = json_member(line, "line_ref");
    d.lines.push_back(std::move(r));
  });
}
inline json::value to_value(const ReadResult& d) {
  json::array lines;
  for (const ReadLineResult& l : d.lines) {
    lines.push_back(json::object{{"key", l.key},
                                 {"quantity", or_null(l.quantity)},
                                 {"reason", name_or_null(l.reason, l.unknown_reason)},
                                 {"message", l.message},
                                 {"line_ref", json_value(l.line_ref)}});
  }
  return json::object{{"lines", std::move(lines)}};
}

inline void decode_into(const json::object& o, ApplyRequest& d) {
  d.idempotency_key = optional_text(o, "idempotency_key");
  d.effective_date = text_member(o, "effective_date");
  d.final = bool_member(o, "final").value_or(true);
  each_object(o, "lines", true, "apply_quantities input", [&](const json::object& line) {
    d.lines.push_back(ApplyLine{text_member(line, "key"), text_member(line, "account_id"),
                                text_member(line, "service_id"), number_member(line, "target"),
                                number_member(line, "expected_current"),
                                text_member(line, "metric"), json_member(line, "line_ref")});
  });
}
inline json::value to_value(const ApplyRequest& d) {
  json::array lines;
  for (const ApplyLine& l : d.lines)
    lines.push_back(json::object{
        {"key", l.key},
        {"account_id", l.account_id},
        {"service_id", l.service_id},
        {"target", or_null(l.target)},
        {"expected_current", or_null(l.expected_current)},
        {"metric", l.metric},
        {"line_ref", l.line_ref.empty() ? json::value(json::object()) : json_value(l.line_ref)}});
  return json::object{{"idempotency_key", or_null(d.idempotency_key)},
                      {"effective_date", d.effective_date},
                      {"lines", std::move(lines)},
                      {"final", d.final}};
}

inline void decode_into(const json::object& o, ApplyResult& d) {
  each_object(o, "lines", false, "apply_quantities result", [&](const json::object& line) {
    ApplyLineResult r;
    r.key = text_member(line, "key");
    // An outcome this SDK does not know is a failure: the host never counts it as written.
    r.outcome = enum_member<Outcome>(line, "outcome").value_or(Outcome::kFailed);
    r.quantity = number_member(line, "quantity");
    if (std::optional<std::string> cls = optional_text(line, "error_class"))
      r.error_class = error_class_from_wire(*cls);
    r.message = text_member(line, "message");
    r.in_doubt = bool_member(line, "in_doubt").value_or(false);
    d.lines.push_back(std::move(r));
  });
}
inline json::value to_value(const ApplyResult& d) {
  json::array lines;
  for (const ApplyLineResult& l : d.lines) {
    json::object line{
        {"key", l.key},
        {"outcome", wire_name(l.outcome)},
        {"quantity", or_null(l.quantity)},
        {"error_class",
         l.error_class ? json::value(error_class_wire_name(*l.error_class)) : json::value(nullptr)},
        {"message", l.message}};
    line["in_doubt"] = l.in_doubt;
    lines.push_back(std::move(line));
  }
  return json::object{{"lines", std::move(lines)}};
}

inline void decode_into(const json::object& o, ProvisionAccountsRequest& d) {
  each_object(o, "accounts", true, "provision_accounts input", [&](const json::object& a) {
    d.accounts.push_back(AccountToProvision{text_member(a, "id"), text_member(a, "name")});
  });
}
inline json::value to_value(const ProvisionAccountsRequest& d) {
  json::array accounts;
  for (const AccountToProvision& a : d.accounts)
    accounts.push_back(json::object{{"id", a.id}, {"name", a.name}});
  return json::object{{"accounts", std::move(accounts)}};
}

inline void decode_into(const json::object& o, ProvisionAccountsResult& d) {
  each_object(o, "items", false, "provision_accounts result", [&](const json::object& item) {
    ProvisionedAccount a;
    a.id = text_member(item, "id");
    a.account_id = optional_text(item, "account_id");
    a.name = text_member(item, "name");
    a.outcome = enum_member<ProvisionOutcome>(item, "outcome", &a.unknown_outcome);
    a.message = text_member(item, "message");
    d.items.push_back(std::move(a));
  });
}
inline json::value to_value(const ProvisionAccountsResult& d) {
  json::array items;
  for (const ProvisionedAccount& a : d.items) {
    json::object item{{"id", a.id},
                      {"name", a.name},
                      {"outcome", name_or_null(a.outcome, a.unknown_outcome)},
                      {"message", a.message}};
    if (a.account_id) item["account_id"] = *a.account_id;
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)}};
}

inline void decode_into(const json::object& o, ProvisionServicesRequest& d) {
  each_object(o, "services", true, "provision_services input", [&](const json::object& s) {
    d.services.push_back(ServiceToProvision{text_member(s, "id"), text_member(s, "name"),
                                            optional_text(s, "platform_id")});
  });
}
inline json::value to_value(const ProvisionServicesRequest& d) {
  json::array services;
  for (const ServiceToProvision& s : d.services)
    services.push_back(
        json::object{{"id", s.id}, {"name", s.name}, {"platform_id", or_null(s.platform_id)}});
  return json::object{{"services", std::move(services)}};
}

inline void decode_into(const json::object& o, ProvisionServicesResult& d) {
  each_object(o, "items", false, "provision_services result", [&](const json::object& item) {
    ProvisionedService s;
    s.id = text_member(item, "id");
    s.platform_id = text_member(item, "platform_id");
    s.outcome = enum_member<ProvisionOutcome>(item, "outcome", &s.unknown_outcome);
    s.metric = optional_text(item, "metric");
    s.message = text_member(item, "message");
    d.items.push_back(std::move(s));
  });
}
inline json::value to_value(const ProvisionServicesResult& d) {
  json::array items;
  for (const ProvisionedService& s : d.items) {
    json::object item{
        {"id", s.id},
        {"platform_id", s.platform_id.empty() ? json::value(nullptr) : json::value(s.platform_id)},
        {"outcome", name_or_null(s.outcome, s.unknown_outcome)},
        {"message", s.message}};
    if (s.metric) item["metric"] = *s.metric;
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)}};
}

inline void decode_into(const json::object& o, SetStatusRequest& d) {
  d.status = text_member(o, "status");
}
inline json::value to_value(const SetStatusRequest& d) {
  return json::object{{"status", d.status}};
}
inline void decode_into(const json::object& o, SetStatusResult& d) {
  d.status = text_member(o, "status");
  d.message = text_member(o, "message");
}
inline json::value to_value(const SetStatusResult& d) {
  return json::object{{"status", d.status}, {"message", d.message}};
}

inline void decode_into(const json::object& o, LinkAccountsRequest& d) {
  const char* document = "link_accounts input";
  if (const json::value* v = o.if_contains("link"); v != nullptr && v->is_array()) {
    for (const json::value& item : v->get_array()) {
      // An item that is not an object is a link naming nothing; the plugin refuses it.
      const json::object* l = item.if_object();
      d.link.push_back(l == nullptr ? AccountLink{}
                                    : AccountLink{text_member(*l, "account_id"),
                                                  text_member(*l, "platform_account_id")});
    }
  }
  if (const json::value* v = o.if_contains("unlink"); v != nullptr && v->is_array()) {
    for (const json::value& id : v->get_array()) {
      if (!id.is_string())
        throw DocumentError(std::string(document) + ": unlink holds a non-string");
      d.unlink.emplace_back(id.get_string());
    }
  }
}
inline json::value to_value(const LinkAccountsRequest& d) {
  json::array link, unlink;
  for (const AccountLink& l : d.link)
    link.push_back(
        json::object{{"account_id", l.account_id}, {"platform_account_id", l.platform_account_id}});
  for (const std::string& id : d.unlink) unlink.emplace_back(id);
  return json::object{{"link", std::move(link)}, {"unlink", std::move(unlink)}};
}
inline void decode_into(const json::object& o, LinkAccountsResult& d) {
  each_object(o, "items", false, "link_accounts result", [&](const json::object& item) {
    d.items.push_back(
        LinkedAccount{text_member(item, "account_id"), optional_text(item, "platform_account_id"),
                      enum_member<LinkOutcome>(item, "outcome").value_or(LinkOutcome::kFailed),
                      text_member(item, "message")});
  });
}
inline json::value to_value(const LinkAccountsResult& d) {
  json::array items;
  for (const LinkedAccount& l : d.items) {
    json::object item{{"account_id", l.account_id}, {"outcome", wire_name(l.outcome)}};
    if (l.platform_account_id) item["platform_account_id"] = *l.platform_account_id;
    if (!l.message.empty()) item["message"] = l.message;
    items.push_back(std::move(item));
  }
  return json::object{{"items", std::move(items)}};
}

// ---- The "tickets" capability ----------------------------------------------------------------


inline json::value to_value(const ListTicketBoardsResult& d) {
  json::array boards;
  for (const TicketBoard& b : d.boards) {
    json::array statuses, types;
    for (const TicketStatus& st : b.statuses)
      statuses.push_back(json::object{
          {"id", st.id}, {"name", st.name}, {"default", st.is_default}, {"closed", st.closed}});
    for (const TicketType& t : b.types) {
      json::array subtypes;
      for (const TicketSubtype& sub : t.subtypes)
        subtypes.push_back(json::object{{"id", sub.id}, {"name", sub.name}});
      types.push_back(json::object{{"id", t.id}, {"name", t.name}, {"subtypes", std::move(subtypes)}});
    }
    boards.push_back(json::object{{"id", b.id},
                                  {"name", b.name},
                                  {"statuses", std::move(statuses)},
                                  {"types", std::move(types)}});
  }
  json::array priorities;
  for (const TicketPriority& p : d.priorities)
    priorities.push_back(json::object{{"id", p.id},
                                      {"name", p.name},
                                      {"default", p.is_default},
                                      {"level", name_or_null(p.level)}});
  return json::object{{"boards", std::move(boards)}, {"priorities", std::move(priorities)}};
}
inline void decode_into(const json::object& o, ListTicketBoardsResult& d) {
  const char* document = "list_ticket_boards result";
  each_object(o, "boards", false, document, [&](const json::object& b) {
    TicketBoard& board = d.boards.emplace_back();
    board.id = text_member(b, "id");
    board.name = text_member(b, "name");
    each_object(b, "statuses", false, document, [&](const json::object& st) {
      board.statuses.push_back(TicketStatus{text_member(st, "id"), text_member(st, "name"),
                                            bool_member(st, "default").value_or(false),
                                            bool_member(st, "closed").value_or(false)});
    });
    each_object(b, "types", false, document, [&](const json::object& t) {
      TicketType& type = board.types.emplace_back();
      type.id = text_member(t, "id");
      type.name = text_member(t, "name");
      each_object(t, "subtypes", false, document, [&](const json::object& sub) {
        type.subtypes.push_back(TicketSubtype{text_member(sub, "id"), text_member(sub, "name")});
      });
    });
  });
  each_object(o, "priorities", false, document, [&](const json::object& p) {
    d.priorities.push_back(TicketPriority{text_member(p, "id"), text_member(p, "name"),
                                          bool_member(p, "default").value_or(false),
                                          enum_member<PriorityLevel>(p, "level")});
  });
}

inline void decode_into(const json::object& o, CheckTicketPermissionsRequest& d) {
  d.board_id = optional_text(o, "board_id");
}
inline json::value to_value(const CheckTicketPermissionsRequest& d) {
  return json::object{{"board_id", or_null(d.board_id)}};
}
inline void decode_into(const json::object& o, TicketPermissions& d) {
  d.can_list = bool_member(o, "can_list").value_or(false);
  d.can_create = bool_member(o, "can_create").value_or(false);
  d.can_update = bool_member(o, "can_update").value_or(false);
  d.can_close = bool_member(o, "can_close").value_or(false);
  if (const json::value* v = o.if_contains("missing"); v != nullptr && v->is_array())
    for (const json::value& m : v->get_array())
      if (m.is_string()) d.missing.emplace_back(m.get_string());
  d.message = text_member(o, "message");
}
inline json::value to_value(const TicketPermissions& d) {
  json::array missing;
  for (const std::string& m : d.missing) missing.emplace_back(m);
  return json::object{{"can_list", d.can_list},     {"can_create", d.can_create},
                      {"can_update", d.can_update}, {"can_close", d.can_close},
                      {"missing", std::move(missing)}, {"message", d.message}};
}

inline void decode_into(const json::object& o, OpenTicketRequest& d) {
  d.reference = text_member(o, "reference");
  d.account_id = text_member(o, "account_id");
  d.board_id = optional_text(o, "board_id");
  d.status_id = optional_text(o, "status_id");
  d.priority_id = optional_text(o, "priority_id");
  d.type_id = optional_text(o, "type_id");
  d.subtype_id = optional_text(o, "subtype_id");
  d.title = text_member(o, "title");
  d.description = text_member(o, "description");
  d.search_first = bool_member(o, "search_first").value_or(false);
  if (d.reference.empty() || d.account_id.empty())
    throw DocumentError("open_ticket input: \"reference\" and \"account_id\" are required");
}
inline json::value to_value(const OpenTicketRequest& d) {
  return json::object{{"reference", d.reference},
                      {"account_id", d.account_id},
                      {"board_id", or_null(d.board_id)},
                      {"status_id", or_null(d.status_id)},
                      {"priority_id", or_null(d.priority_id)},
                      {"type_id", or_null(d.type_id)},
                      {"subtype_id", or_null(d.subtype_id)},
                      {"title", d.title},
                      {"description", d.description},
                      {"search_first", d.search_first}};
}
inline void decode_into(const json::object& o, OpenTicketResult& d) {
  d.ticket_id = text_member(o, "ticket_id");
  d.outcome = enum_member<TicketOutcome>(o, "outcome");
  d.closed = bool_member(o, "closed").value_or(false);
  d.message = text_member(o, "message");
}
inline json::value to_value(const OpenTicketResult& d) {
  return json::object{{"ticket_id", d.ticket_id},
                      {"outcome", name_or_null(d.outcome)},
                      {"closed", d.closed},
                      {"message", d.message}};
}

inline void decode_into(const json::object& o, AddTicketNoteRequest& d) {
  d.ticket_id = text_member(o, "ticket_id");
  d.reference = text_member(o, "reference");
  d.note_key = text_member(o, "note_key");
  d.text = text_member(o, "text");
  if (d.ticket_id.empty()) throw DocumentError("add_ticket_note input: \"ticket_id\" is required");
}
inline json::value to_value(const AddTicketNoteRequest& d) {
  return json::object{{"ticket_id", d.ticket_id},
                      {"reference", d.reference},
                      {"note_key", d.note_key},
                      {"text", d.text}};
}
inline void decode_into(const json::object& o, CloseTicketRequest& d) {
  d.ticket_id = text_member(o, "ticket_id");
  d.status_id = optional_text(o, "status_id");
  d.note = optional_text(o, "note");
  if (d.ticket_id.empty()) throw DocumentError("close_ticket input: \"ticket_id\" is required");
}
inline json::value to_value(const CloseTicketRequest& d) {
  return json::object{
      {"ticket_id", d.ticket_id}, {"status_id", or_null(d.status_id)}, {"note", or_null(d.note)}};
}
inline void decode_into(const json::object& o, TicketChangeResult& d) {
  d.ticket_id = text_member(o, "ticket_id");
  d.outcome = enum_member<TicketOutcome>(o, "outcome");
  d.message = text_member(o, "message");
}
inline json::value to_value(const TicketChangeResult& d) {
  return json::object{
      {"ticket_id", d.ticket_id}, {"outcome", name_or_null(d.outcome)}, {"message", d.message}};
}

inline json::value to_value(const WriteIntent& d) {
  return json::object{{"key", d.key},
                      {"units_before", or_null(d.units_before)},
                      {"target", d.target},
                      {"ref", d.ref.empty() ? json::value(json::object()) : json_value(d.ref)}};
}
inline void decode_into(const json::object& o, WriteIntent& d) {
  d.key = text_member(o, "key");
  d.units_before = number_member(o, "units_before");
  d.target = number_member(o, "target").value_or(0);
  d.ref = json_member(o, "ref");
}

inline json::value to_value(const HttpRequest& d) {
  json::object o{{"method", d.method}, {"url", d.url}};
  if (!d.headers.empty()) {
    json::object headers;
    for (const auto& [name, value] : d.headers) headers[name] = value;
    o["headers"] = std::move(headers);
  }
  if (d.body) o["body"] = *d.body;
  if (d.idempotent) o["idempotent"] = *d.idempotent;
  if (!d.endpoint.empty()) o["endpoint"] = d.endpoint;
  if (d.timeout_ms) o["timeout_ms"] = *d.timeout_ms;
  return o;
}

inline void decode_into(const json::object& o, HttpRequest& d) {
  d.method = optional_text(o, "method").value_or("GET");
  d.url = text_member(o, "url");
  if (const json::value* h = o.if_contains("headers"); h != nullptr && h->is_object())
    for (const auto& [name, value] : h->get_object())
      if (value.is_string())
        d.headers.emplace_back(std::string(name), std::string(value.get_string()));
  d.body = optional_text(o, "body");
  d.endpoint = text_member(o, "endpoint");
  d.idempotent = bool_member(o, "idempotent");
  d.timeout_ms = number_member(o, "timeout_ms");
}

// The host's reading of a batch (callback_http_batch): stricter than decode_into, because a
// request sent without the headers or body its plugin meant is worse than none. A request that
// is not an object, has no url, or has headers or a body of the wrong type is a DocumentError
// naming it: "request 2: body must be a string".
inline std::vector<HttpRequest> decode_http_batch(const json::value& batch) {
  if (!batch.is_array()) throw DocumentError("HTTP batch must be a JSON array");
  std::vector<HttpRequest> out;
  size_t index = 0;
  for (const json::value& item : batch.get_array()) {
    std::string where = "request " + std::to_string(index++) + ": ";
    const json::object* o = item.if_object();
    if (o == nullptr) throw DocumentError(where + "must be an object");
    const json::value* url = o->if_contains("url");
    if (url == nullptr || !url->is_string() || url->get_string().empty())
      throw DocumentError(where + "url is required");
    if (const json::value* headers = o->if_contains("headers")) {
      if (!headers->is_object()) throw DocumentError(where + "headers must be an object");
      for (const auto& header : headers->get_object())
        if (!header.value().is_string())
          throw DocumentError(where + "header values must be strings");
    }
    if (const json::value* body = o->if_contains("body"); body != nullptr && !body->is_null())
      if (!body->is_string()) throw DocumentError(where + "body must be a string");
    decode_into(*o, out.emplace_back());
  }
  return out;
}

inline void decode_into(const json::object& o, HttpResponse& d) {
  d.status = static_cast<int>(number_member(o, "status").value_or(0));
  d.attempts = static_cast<int>(number_member(o, "attempts").value_or(0));
  if (const json::value* h = o.if_contains("headers"); h != nullptr && h->is_object())
    for (const auto& [name, value] : h->get_object())
      if (value.is_string()) d.headers[std::string(name)] = std::string(value.get_string());
  d.body = text_member(o, "body");
  d.retry_after_ms =
      static_cast<uint64_t>(std::max<int64_t>(0, number_member(o, "retry_after_ms").value_or(0)));
  if (const json::value* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    const json::object& err = e->get_object();
    // Without a class or "sent", the safe readings: transient, and maybe sent.
    std::optional<std::string> cls = optional_text(err, "class");
    d.error = HttpError{cls ? error_class_from_wire(*cls) : MB_STATUS_RETRY,
                        text_member(err, "message"), bool_member(err, "sent").value_or(true)};
  }
}
inline json::value to_value(const HttpResponse& d) {
  json::object o{{"status", d.status}, {"attempts", d.attempts}};
  if (d.status != 0) {
    json::object headers;
    for (const auto& [name, value] : d.headers) headers[name] = value;
    o["headers"] = std::move(headers);
    o["body"] = d.body;
    if (d.retry_after_ms > 0) o["retry_after_ms"] = d.retry_after_ms;
  } else {
    const HttpError e = d.error.value_or(HttpError{});
    o["error"] = json::object{
        {"class", error_class_wire_name(e.error_class)}, {"message", e.message}, {"sent", e.sent}};
  }
  return o;
}

inline void decode_into(const json::object& o, ErrorDocument& d) {
  const json::value* e = o.if_contains("error");
  if (e == nullptr || !e->is_object()) return;
  const json::object& err = e->get_object();
  d.error_class = error_class_from_wire(text_member(err, "class"));
  d.message = text_member(err, "message");
  d.retry_after_ms =
      static_cast<uint64_t>(std::max<int64_t>(0, number_member(err, "retry_after_ms").value_or(0)));
}
inline json::value to_value(const ErrorDocument& d) {
  json::object err{{"class", error_class_wire_name(d.error_class)}, {"message", d.message}};
  if (d.retry_after_ms > 0) err["retry_after_ms"] = d.retry_after_ms;
  return json::object{{"error", std::move(err)}};
}

}  // namespace codec

// Reads a document from JSON text. Throws DocumentError when its shape is wrong.
template <typename Document>
Document decode(std::string_view text) {
  Document d;
  codec::decode_into(codec::parse_object(text, "input"), d);
  return d;
}

// A plugin's list page as the host reads it: strictly, because a page read as empty would empty
// the host's cache of the platform's accounts. Unlike decode<ListPage>(), a page that is not an
// object, has no "items" array, or has an item that is not an object is a DocumentError.
inline ListPage decode_list_page(std::string_view text) {
  boost::json::object o = codec::parse_object(text, "list page");
  codec::each_object(o, "items", true, "list page", [](const boost::json::object&) {});
  ListPage page;
  codec::decode_into(o, page);
  return page;
}

// An HTTP batch as the host reads it (codec::decode_http_batch); text that is not JSON is a
// DocumentError too.
inline std::vector<HttpRequest> decode_http_batch(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) throw DocumentError("HTTP batch: not JSON (" + ec.message() + ")");
  return codec::decode_http_batch(v);
}

// Writes a document as JSON text.
template <typename Document>
std::string encode(const Document& d) {
  return boost::json::serialize(codec::to_value(d));
}

// Arrays of documents (HTTP batches, journal intents).
template <typename Document>
std::string encode_array(const std::vector<Document>& docs) {
  boost::json::array arr;
  arr.reserve(docs.size());
  for (const Document& d : docs) arr.push_back(codec::to_value(d));
  return boost::json::serialize(arr);
}

// Reads an array of documents; an item that is not an object throws.
template <typename Document>
std::vector<Document> decode_array(std::string_view text, const char* what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) throw DocumentError(std::string(what) + ": not a JSON array");
  std::vector<Document> out;
  out.reserve(v.get_array().size());
  for (const boost::json::value& item : v.get_array()) {
    if (!item.is_object()) throw DocumentError(std::string(what) + ": an item is not an object");
    Document d;
    codec::decode_into(item.get_object(), d);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace meterbridge

#endif  // METERBRIDGE_DOCUMENTS_JSON_HPP_
