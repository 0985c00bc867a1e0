// The typed documents of the meterbridge ABI: one C++ type per JSON document that crosses the
// waist (abi.h), with enums for the closed vocabularies (authenticate verdicts, read reasons,
// apply outcomes, error classes, ...). This header holds the types and their wire names only,
// and needs no JSON library; <meterbridge/documents_json.hpp> reads and writes them.
//
//   ReadResult result;
//   ReadLineResult& line = result.lines.emplace_back();
//   line.key = request.lines[0].key;
//   line.reason = Reason::kAmbiguousContractLine;   // "ambiguous_contract_line" on the wire
//
// The wire names are also C constants in abi.h (MB_REASON_..., MB_OUTCOME_..., ...), so a C
// plugin and this header spell them once. Fields a document may omit are std::optional; a
// platform object's reference ("line_ref", list "details") is opaque to the host and travels as
// JSON text (empty when absent).
#ifndef METERBRIDGE_DOCUMENTS_HPP_
#define METERBRIDGE_DOCUMENTS_HPP_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meterbridge/abi.h"

namespace meterbridge {

// ---- Vocabularies and their wire names ------------------------------------------------------

// A closed vocabulary: each enum value has one wire name. Parsing an unknown name gives nullopt.
template <typename Enum>
struct WireName {
  Enum value;
  const char* name;
};

namespace internal {
template <typename Enum, size_t N>
constexpr const char* name_in(const WireName<Enum> (&table)[N], Enum value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "";
}
template <typename Enum, size_t N>
std::optional<Enum> value_in(const WireName<Enum> (&table)[N], std::string_view name) {
  for (const auto& entry : table)
    if (name == entry.name) return entry.value;
  return std::nullopt;
}
}  // namespace internal

// Error classes are the ABI's mb_status values (MB_STATUS_RETRY, ...).
inline constexpr WireName<mb_status> kErrorClassNames[] = {
    {MB_STATUS_OK, MB_ERROR_CLASS_OK},
    {MB_STATUS_RETRY, MB_ERROR_CLASS_RETRY},
    {MB_STATUS_RATE_LIMITED, MB_ERROR_CLASS_RATE_LIMITED},
    {MB_STATUS_AUTH_FAILED, MB_ERROR_CLASS_AUTH_FAILED},
    {MB_STATUS_CONFIG_INVALID, MB_ERROR_CLASS_CONFIG_INVALID},
    {MB_STATUS_NOT_FOUND, MB_ERROR_CLASS_NOT_FOUND},
    {MB_STATUS_CONFLICT, MB_ERROR_CLASS_CONFLICT},
    {MB_STATUS_UNSUPPORTED, MB_ERROR_CLASS_UNSUPPORTED},
    {MB_STATUS_FATAL, MB_ERROR_CLASS_FATAL},
};
// "fatal" for a value the table does not know, as abi.h says.
inline const char* error_class_wire_name(mb_status status) {
  const char* name = internal::name_in(kErrorClassNames, status);
  return *name != '\0' ? name : MB_ERROR_CLASS_FATAL;
}
// MB_STATUS_FATAL for a name the table does not know.
inline mb_status error_class_from_wire(std::string_view name) {
  return internal::value_in(kErrorClassNames, name).value_or(MB_STATUS_FATAL);
}

// on_authenticate's "purpose"; kUnspecified when an older host sent {}.
enum class AuthPurpose { kUnspecified, kTest, kConnect };
inline constexpr WireName<AuthPurpose> kAuthPurposeNames[] = {
    {AuthPurpose::kTest, MB_PURPOSE_TEST}, {AuthPurpose::kConnect, MB_PURPOSE_CONNECT}};

// on_authenticate's verdict.
enum class AuthStatus { kOk, kPending, kAuthFailed, kConfigInvalid, kUnreachable, kConflict };
inline constexpr WireName<AuthStatus> kAuthStatusNames[] = {
    {AuthStatus::kOk, MB_AUTH_OK},
    {AuthStatus::kPending, MB_AUTH_PENDING},
    {AuthStatus::kAuthFailed, MB_AUTH_AUTH_FAILED},
    {AuthStatus::kConfigInvalid, MB_AUTH_CONFIG_INVALID},
    {AuthStatus::kUnreachable, MB_AUTH_UNREACHABLE},
    {AuthStatus::kConflict, MB_AUTH_CONFLICT},
};

// Why a read line has no quantity.
enum class Reason {
  kNoContractLine,
  kAmbiguousContractLine,
  kAccountInactive,
  kPlatformNotMapped,
  kNotFound,
};
inline constexpr WireName<Reason> kReasonNames[] = {
    {Reason::kNoContractLine, MB_REASON_NO_CONTRACT_LINE},
    {Reason::kAmbiguousContractLine, MB_REASON_AMBIGUOUS_CONTRACT_LINE},
    {Reason::kAccountInactive, MB_REASON_ACCOUNT_INACTIVE},
    {Reason::kPlatformNotMapped, MB_REASON_PLATFORM_NOT_MAPPED},
    {Reason::kNotFound, MB_REASON_NOT_FOUND},
};

// What an apply line came to.
enum class Outcome {
  kUpdated,
  kUnchanged,
  kFailed,
  kPlatformNotMapped,
  kNoContractLine,
  kAmbiguousContractLine,
  kAccountInactive,
};
inline constexpr WireName<Outcome> kOutcomeNames[] = {
    {Outcome::kUpdated, MB_OUTCOME_UPDATED},
    {Outcome::kUnchanged, MB_OUTCOME_UNCHANGED},
    {Outcome::kFailed, MB_OUTCOME_FAILED},
    {Outcome::kPlatformNotMapped, MB_OUTCOME_PLATFORM_NOT_MAPPED},
    {Outcome::kNoContractLine, MB_OUTCOME_NO_CONTRACT_LINE},
    {Outcome::kAmbiguousContractLine, MB_OUTCOME_AMBIGUOUS_CONTRACT_LINE},
    {Outcome::kAccountInactive, MB_OUTCOME_ACCOUNT_INACTIVE},
};

// What provisioning did to one account or service.
enum class ProvisionOutcome { kCreated, kRenamed, kMatched, kUnchanged, kFailed };
inline constexpr WireName<ProvisionOutcome> kProvisionOutcomeNames[] = {
    {ProvisionOutcome::kCreated, MB_PROVISION_CREATED},
    {ProvisionOutcome::kRenamed, MB_PROVISION_RENAMED},
    {ProvisionOutcome::kMatched, MB_PROVISION_MATCHED},
    {ProvisionOutcome::kUnchanged, MB_PROVISION_UNCHANGED},
    {ProvisionOutcome::kFailed, MB_PROVISION_FAILED},
};

// What linking did to one account.
enum class LinkOutcome { kLinked, kUpdated, kUnlinked, kFailed };
inline constexpr WireName<LinkOutcome> kLinkOutcomeNames[] = {
    {LinkOutcome::kLinked, MB_LINK_LINKED},
    {LinkOutcome::kUpdated, MB_LINK_UPDATED},
    {LinkOutcome::kUnlinked, MB_LINK_UNLINKED},
    {LinkOutcome::kFailed, MB_LINK_FAILED},
};

// What opening, noting or closing a ticket did (the "tickets" capability).
enum class TicketOutcome { kCreated, kFound, kNoted, kUnchanged, kClosed, kAlreadyClosed };
inline constexpr WireName<TicketOutcome> kTicketOutcomeNames[] = {
    {TicketOutcome::kCreated, MB_TICKET_CREATED},
    {TicketOutcome::kFound, MB_TICKET_FOUND},
    {TicketOutcome::kNoted, MB_TICKET_NOTED},
    {TicketOutcome::kUnchanged, MB_TICKET_UNCHANGED},
    {TicketOutcome::kClosed, MB_TICKET_CLOSED},
    {TicketOutcome::kAlreadyClosed, MB_TICKET_ALREADY_CLOSED},
};

// A platform priority's level, when the platform ranks its priorities.
enum class PriorityLevel { kCritical, kHigh, kMedium, kLow };
inline constexpr WireName<PriorityLevel> kPriorityLevelNames[] = {
    {PriorityLevel::kCritical, MB_PRIORITY_CRITICAL},
    {PriorityLevel::kHigh, MB_PRIORITY_HIGH},
    {PriorityLevel::kMedium, MB_PRIORITY_MEDIUM},
    {PriorityLevel::kLow, MB_PRIORITY_LOW},
};

// Which table names an enum's values.
template <typename Enum>
struct Vocabulary;
template <>
struct Vocabulary<AuthPurpose> {
  static constexpr const auto& names = kAuthPurposeNames;
};
template <>
struct Vocabulary<AuthStatus> {
  static constexpr const auto& names = kAuthStatusNames;
};
template <>
struct Vocabulary<Reason> {
  static constexpr const auto& names = kReasonNames;
};
template <>
struct Vocabulary<Outcome> {
  static constexpr const auto& names = kOutcomeNames;
};
template <>
struct Vocabulary<ProvisionOutcome> {
  static constexpr const auto& names = kProvisionOutcomeNames;
};
template <>
struct Vocabulary<LinkOutcome> {
  static constexpr const auto& names = kLinkOutcomeNames;
};
template <>
struct Vocabulary<TicketOutcome> {
  static constexpr const auto& names = kTicketOutcomeNames;
};
template <>
struct Vocabulary<PriorityLevel> {
  static constexpr const auto& names = kPriorityLevelNames;
};

// The wire name of a value ...
template <typename Enum>
const char* wire_name(Enum value) {
  return internal::name_in(Vocabulary<Enum>::names, value);
}
// ... and the value of a wire name (nullopt when unknown).
template <typename Enum>
std::optional<Enum> from_wire(std::string_view name) {
  return internal::value_in(Vocabulary<Enum>::names, name);
}

// ---- Documents, by hook -----------------------------------------------------------------------

// Text a document may carry where the ABI allows any JSON value (a platform reference, list
// item details): the JSON text itself, or empty when the member is absent or null.
using JsonText = std::string;

// on_authenticate
struct AuthenticateRequest {
  AuthPurpose purpose = AuthPurpose::kUnspecified;
};
struct AuthenticateResult {
  AuthStatus status = AuthStatus::kOk;
  std::string message;
  // On a connect: the status the host passes to on_set_status after provisioning.
  std::optional<std::string> status_after_connect;
  // Set when an answer is read: whether it had a "status" string at all (without one, `status`
  // reads as kUnreachable), and that string when this SDK does not know it (a newer plugin's).
  // Both have initializers so that existing `{status, message, after}` initializations compile
  // without -Wmissing-field-initializers.
  bool status_sent = true;
  std::string unknown_status = {};
};

// on_list_accounts and on_list_services
struct ListRequest {
  std::optional<std::string> cursor;  // nullopt: the first page
  std::optional<std::string> search;
  std::optional<int64_t> limit;
};
struct ListItem {
  std::string id;
  std::string name;
  std::optional<bool> active;  // accounts only
  JsonText details;            // a JSON object, or empty
};
struct ListPage {
  std::vector<ListItem> items;
  std::optional<std::string> next_cursor;  // nullopt: the last page
};

// `text` in ASCII lower case (platform ids, header names and searches compare this way; bytes
// outside ASCII are left as they are).
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Whether `text` contains `needle`, ASCII case-insensitively; an empty needle is in every text.
inline bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  return ascii_lower(text).find(ascii_lower(needle)) != std::string::npos;
}

// Whether an item matches a list request's search as the host means it: the search text in the
// item's name or id, case-insensitively. No search, or an empty one, matches every item. For
// platforms that cannot search, or that search more loosely than this.
inline bool matches_search(const ListRequest& request, std::string_view id, std::string_view name) {
  if (!request.search) return true;
  return contains_ignoring_case(name, *request.search) ||
         contains_ignoring_case(id, *request.search);
}

// on_read_quantities
struct ReadLine {
  std::string key;
  std::string account_id;  // ids the host sent as numbers arrive as their decimal text
  std::string service_id;
  std::string metric;  // MB_METRIC_USERS or MB_METRIC_DEVICES; the plugin checks it
  std::optional<int64_t> last_pushed;
};
struct ReadRequest {
  std::string effective_date;  // "YYYY-MM-DD", or empty when the host sent none
  std::vector<ReadLine> lines;
};
struct ReadLineResult {
  std::string key;
  std::optional<int64_t> quantity;
  std::optional<Reason> reason;  // set when there is no quantity to report
  // A reason this SDK does not know (a newer plugin's), as it was sent; the host fails the line.
  std::string unknown_reason;
  std::string message;
  JsonText line_ref;  // the platform object read, handed back on apply
};
struct ReadResult {
  std::vector<ReadLineResult> lines;
};

// on_apply_quantities
struct ApplyLine {
  std::string key;
  std::string account_id;
  std::string service_id;
  std::optional<int64_t> target;  // nullopt when missing or not a whole number
  std::optional<int64_t> expected_current;
  std::string metric;
  JsonText line_ref;
};
struct ApplyRequest {
  std::optional<std::string> idempotency_key;
  std::string effective_date;
  std::vector<ApplyLine> lines;
  bool final = true;  // the last batch of the run
};
struct ApplyLineResult {
  std::string key;
  Outcome outcome = Outcome::kFailed;
  std::optional<int64_t> quantity;
  std::optional<mb_status> error_class;  // on a failed line
  std::string message;
  bool in_doubt = false;  // a journaled write that may have been applied
};
struct ApplyResult {
  std::vector<ApplyLineResult> lines;
};

// on_provision_accounts
struct AccountToProvision {
  std::string id;
  std::string name;
};
struct ProvisionAccountsRequest {
  std::vector<AccountToProvision> accounts;
};
struct ProvisionedAccount {
  std::string id;
  std::optional<std::string> account_id;  // the platform's id when it differs from id
  std::string name;
  std::optional<ProvisionOutcome> outcome;
  std::string unknown_outcome;  // an outcome this SDK does not know, as it was sent
  std::string message;
};
struct ProvisionAccountsResult {
  std::vector<ProvisionedAccount> items;
};

// on_provision_services
struct ServiceToProvision {
  std::string id;
  std::string name;
  std::optional<std::string> platform_id;  // known from an earlier provisioning
};
struct ProvisionServicesRequest {
  std::vector<ServiceToProvision> services;
};
struct ProvisionedService {
  std::string id;
  std::string platform_id;  // empty when none was obtained
  std::optional<ProvisionOutcome> outcome;
  std::string unknown_outcome;        // an outcome this SDK does not know, as it was sent
  std::optional<std::string> metric;  // the metric the platform bills the service by
  std::string message;
};
struct ProvisionServicesResult {
  std::vector<ProvisionedService> items;
};

// on_set_status
struct SetStatusRequest {
  std::string status;
};
struct SetStatusResult {
  std::string status;
  std::string message;
};

// on_link_accounts
struct AccountLink {
  std::string account_id;
  std::string platform_account_id;
};
struct LinkAccountsRequest {
  std::vector<AccountLink> link;
  std::vector<std::string> unlink;
};
struct LinkedAccount {
  std::string account_id;
  std::optional<std::string> platform_account_id;
  LinkOutcome outcome = LinkOutcome::kFailed;
  std::string message;
};
struct LinkAccountsResult {
  std::vector<LinkedAccount> items;
};

// ---- The "tickets" capability (since 1.2) ---------------------------------------------------

// The reference a ticket carries for an alert: "mb-alert:<alert id>".
inline std::string ticket_reference(std::string_view alert_id) {
  return std::string(MB_TICKET_REFERENCE_PREFIX).append(alert_id);
}

// What a ticket carries instead of a reference its platform's field cannot hold (too long, or
// characters a search cannot quote): "mb-alert:h-" and the reference's 64-bit FNV-1a digest in
// 16 hex digits, 27 characters. Stable, so every run searches for the same text.
inline std::string ticket_reference_digest(std::string_view reference) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : reference) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  std::string digest = std::string(MB_TICKET_REFERENCE_PREFIX) + "h-";
  for (int shift = 60; shift >= 0; shift -= 4) digest += "0123456789abcdef"[(hash >> shift) & 0xF];
  return digest;
}

// on_list_ticket_boards (its input is {})
struct TicketStatus {
  std::string id;
  std::string name;
  bool is_default = false;  // "default": what a new ticket gets
  bool closed = false;      // setting it closes the ticket
};
struct TicketSubtype {
  std::string id;
  std::string name;
};
struct TicketType {
  std::string id;
  std::string name;
  std::vector<TicketSubtype> subtypes;
};
struct TicketBoard {
  std::string id;
  std::string name;
  std::vector<TicketStatus> statuses;
  std::vector<TicketType> types;
};
struct TicketPriority {
  std::string id;
  std::string name;
  bool is_default = false;
  std::optional<PriorityLevel> level;
};
struct ListTicketBoardsResult {
  std::vector<TicketBoard> boards;
  std::vector<TicketPriority> priorities;
};

// on_check_ticket_permissions
struct CheckTicketPermissionsRequest {
  std::optional<std::string> board_id;
};
struct TicketPermissions {
  bool can_list = false;
  bool can_create = false;
  bool can_update = false;
  bool can_close = false;
  std::vector<std::string> missing;  // what to grant, in the platform's words
  std::string message;
};

// on_open_ticket
struct OpenTicketRequest {
  std::string reference;  // ticket_reference(alert id)
  std::string account_id;
  std::optional<std::string> board_id;
  std::optional<std::string> status_id;
  std::optional<std::string> priority_id;
  std::optional<std::string> type_id;
  std::optional<std::string> subtype_id;
  std::string title;
  std::string description;
  bool search_first = false;  // an earlier create's answer was lost: find before creating
};
struct OpenTicketResult {
  std::string ticket_id;
  // kCreated or kFound; a result without a known outcome is read as nullopt, never as created.
  std::optional<TicketOutcome> outcome;
  bool closed = false;  // the ticket found is closed
  std::string message;
};

// on_add_ticket_note
struct AddTicketNoteRequest {
  std::string ticket_id;
  std::string reference;
  std::string note_key;  // stable per change: the same note is never added twice
  std::string text;
};
// on_close_ticket
struct CloseTicketRequest {
  std::string ticket_id;
  std::optional<std::string> status_id;  // nullopt: the board's closed status
  std::optional<std::string> note;
};
// The result of a note (kNoted, kUnchanged) or a close (kClosed, kAlreadyClosed).
struct TicketChangeResult {
  std::string ticket_id;
  std::optional<TicketOutcome> outcome;
  std::string message;
};

// callback_journal_intents
struct WriteIntent {
  std::string key;
  std::optional<int64_t> units_before;
  int64_t target = 0;
  JsonText ref;  // the platform object written, shown to users
};

// callback_http_batch: one request ...
struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  std::string endpoint;            // concurrency and budget key; default the URL path
  std::optional<bool> idempotent;  // default: GET/HEAD/PUT/DELETE/OPTIONS
  std::optional<int64_t> timeout_ms;
};

// ... and its outcome: an HTTP response (status != 0), or no answer (status == 0, error set).
struct HttpError {
  mb_status error_class = MB_STATUS_FATAL;
  std::string message;
  bool sent = false;  // the request may have reached the server: its outcome is unknown
};
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  int attempts = 0;
  uint64_t retry_after_ms = 0;  // the host's reading of Retry-After on a 429/503, 0 if none
  std::optional<HttpError> error;

  bool answered() const { return status != 0; }
  bool ok() const { return status >= 200 && status < 300; }
  // A header by its lower-case name, or empty.
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The error a callback or a batch reports instead of a result: {"error":{...}}.
struct ErrorDocument {
  mb_status error_class = MB_STATUS_FATAL;
  std::string message;
  uint64_t retry_after_ms = 0;
};

}  // namespace meterbridge

#endif  // METERBRIDGE_DOCUMENTS_HPP_
