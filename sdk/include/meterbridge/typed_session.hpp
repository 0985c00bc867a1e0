// The typed session: a plugin's hooks as C++ functions of the typed documents
// (<meterbridge/documents.hpp>) instead of JSON text. It sits on the string-level Session of
// <meterbridge/plugin.hpp>, which stays the one thing the C waist calls: the JSON is read and
// written here, once, with the SDK's codec.
//
//   class HaloSession : public meterbridge::TypedSession {
//     ReadResult read_quantities(Call& call, const ReadRequest& request) override { ... }
//     ...
//   };
//   // in HaloPlugin::open:
//   return meterbridge::serve(std::make_unique<HaloSession>(config));
//
// A document the host sent in the wrong shape fails the hook with MB_STATUS_CONFIG_INVALID.
// Optional capabilities throw MB_STATUS_UNSUPPORTED unless overridden (and advertised).
// disconnect stays text-level: its input is {} and its result free-form.
#ifndef METERBRIDGE_TYPED_SESSION_HPP_
#define METERBRIDGE_TYPED_SESSION_HPP_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "meterbridge/documents.hpp"
#include "meterbridge/documents_json.hpp"
#include "meterbridge/plugin.hpp"

namespace meterbridge {

// Reads the document a hook received; a wrong shape is MB_STATUS_CONFIG_INVALID, named.
template <typename Request>
Request read_document(std::string_view input) {
  try {
    return decode<Request>(input);
  } catch (const DocumentError& e) {
    throw PluginError(MB_STATUS_CONFIG_INVALID, e.what());
  }
}

class TypedSession {
 public:
  virtual ~TypedSession() = default;
  virtual AuthenticateResult authenticate(Call& call, const AuthenticateRequest& request) = 0;
  virtual ListPage list_accounts(Call& call, const ListRequest& request) = 0;
  virtual ListPage list_services(Call& call, const ListRequest& request) = 0;
  virtual ReadResult read_quantities(Call& call, const ReadRequest& request) = 0;
  virtual ApplyResult apply_quantities(Call& call, const ApplyRequest& request) = 0;

  virtual ProvisionAccountsResult provision_accounts(Call&, const ProvisionAccountsRequest&) {
    throw unsupported();
  }
  virtual ProvisionServicesResult provision_services(Call&, const ProvisionServicesRequest&) {
    throw unsupported();
  }
  virtual SetStatusResult set_status(Call&, const SetStatusRequest&) { throw unsupported(); }
  virtual LinkAccountsResult link_accounts(Call&, const LinkAccountsRequest&) {
    throw unsupported();
  }
  // Text-level: the input is {} and the result a free-form JSON object.
  virtual std::string disconnect(Call&, std::string_view) { return "{}"; }

  // The "tickets" capability (abi.h), advertised as Capabilities::tickets.
  virtual ListTicketBoardsResult list_ticket_boards(Call&) { throw unsupported(); }
  virtual TicketPermissions check_ticket_permissions(Call&, const CheckTicketPermissionsRequest&) {
    throw unsupported();
  }
  virtual OpenTicketResult open_ticket(Call&, const OpenTicketRequest&) { throw unsupported(); }
  virtual TicketChangeResult add_ticket_note(Call&, const AddTicketNoteRequest&) {
    throw unsupported();
  }
  virtual TicketChangeResult close_ticket(Call&, const CloseTicketRequest&) { throw unsupported(); }

 protected:
  static PluginError unsupported() {
    return PluginError(MB_STATUS_UNSUPPORTED, "capability not offered by this plugin");
  }
};

namespace internal {

// The string-level Session the C waist calls, reading and writing the documents of a
// TypedSession with the SDK's codec.
class TypedSessionAdapter final : public Session {
 public:
  explicit TypedSessionAdapter(std::unique_ptr<TypedSession> typed) : typed_(std::move(typed)) {}

  std::string authenticate(Call& call, std::string_view input) override {
    return encode(typed_->authenticate(call, read<AuthenticateRequest>(input)));
  }
  std::string list_accounts(Call& call, std::string_view input) override {
    return encode(typed_->list_accounts(call, read<ListRequest>(input)));
  }
  std::string list_services(Call& call, std::string_view input) override {
    return encode(typed_->list_services(call, read<ListRequest>(input)));
  }
  std::string read_quantities(Call& call, std::string_view input) override {
    return encode(typed_->read_quantities(call, read<ReadRequest>(input)));
  }
  std::string apply_quantities(Call& call, std::string_view input) override {
    return encode(typed_->apply_quantities(call, read<ApplyRequest>(input)));
  }
  std::string provision_accounts(Call& call, std::string_view input) override {
    return encode(typed_->provision_accounts(call, read<ProvisionAccountsRequest>(input)));
  }
  std::string provision_services(Call& call, std::string_view input) override {
    return encode(typed_->provision_services(call, read<ProvisionServicesRequest>(input)));
  }
  std::string set_status(Call& call, std::string_view input) override {
    return encode(typed_->set_status(call, read<SetStatusRequest>(input)));
  }
  std::string link_accounts(Call& call, std::string_view input) override {
    return encode(typed_->link_accounts(call, read<LinkAccountsRequest>(input)));
  }
  std::string disconnect(Call& call, std::string_view input) override {
    return typed_->disconnect(call, input);
  }
  std::string list_ticket_boards(Call& call, std::string_view) override {
    return encode(typed_->list_ticket_boards(call));
  }
  std::string check_ticket_permissions(Call& call, std::string_view input) override {
    return encode(
        typed_->check_ticket_permissions(call, read<CheckTicketPermissionsRequest>(input)));
  }
  std::string open_ticket(Call& call, std::string_view input) override {
    return encode(typed_->open_ticket(call, read<OpenTicketRequest>(input)));
  }
  std::string add_ticket_note(Call& call, std::string_view input) override {
    return encode(typed_->add_ticket_note(call, read<AddTicketNoteRequest>(input)));
  }
  std::string close_ticket(Call& call, std::string_view input) override {
    return encode(typed_->close_ticket(call, read<CloseTicketRequest>(input)));
  }

 private:
  template <typename Request>
  static Request read(std::string_view input) {
    return read_document<Request>(input);
  }

  std::unique_ptr<TypedSession> typed_;
};

}  // namespace internal

// What Plugin::open returns for a typed session:
//   return meterbridge::serve(std::make_unique<HaloSession>(config));
inline std::unique_ptr<Session> serve(std::unique_ptr<TypedSession> typed) {
  return std::make_unique<internal::TypedSessionAdapter>(std::move(typed));
}

}  // namespace meterbridge

#endif  // METERBRIDGE_TYPED_SESSION_HPP_
