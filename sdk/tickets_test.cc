// The "tickets" capability of the SDK: its documents and their codec, and a typed session
// offering it, driven through the fake host as the host drives a plugin.
#include <gtest/gtest.h>

#include <meterbridge/documents.hpp>
#include <meterbridge/documents_json.hpp>
#include <meterbridge/testing/fake_host.hpp>
#include <meterbridge/typed_session.hpp>

#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>

namespace meterbridge {
namespace {

TEST(TicketDocuments, EveryOutcomeAndLevelHasOneWireNameThatReadsBack) {
  for (const auto& e : kTicketOutcomeNames) EXPECT_EQ(from_wire<TicketOutcome>(e.name), e.value);
  for (const auto& e : kPriorityLevelNames) EXPECT_EQ(from_wire<PriorityLevel>(e.name), e.value);
  EXPECT_EQ(std::string(wire_name(TicketOutcome::kAlreadyClosed)), "already_closed");
  EXPECT_EQ(ticket_reference("al-7f3a"), "mb-alert:al-7f3a");
}

TEST(TicketDocuments, ADigestOfAReferenceIsStableShortAndTellsReferencesApart) {
  const std::string reference = ticket_reference(std::string(200, 'x'));
  const std::string digest = ticket_reference_digest(reference);
  EXPECT_EQ(digest.rfind("mb-alert:h-", 0), 0u);
  EXPECT_EQ(digest.size(), 27u);
  EXPECT_EQ(digest, ticket_reference_digest(reference));
  EXPECT_NE(digest, ticket_reference_digest(reference + "y"));
}

TEST(TicketDocuments, BoardsRoundTripWithStatusesTypesAndPriorities) {
  ListTicketBoardsResult boards;
  TicketBoard& board = boards.boards.emplace_back();
  board.id = "12";
  board.name = "Security Alerts";
  board.statuses = {{"1", "New", true, false}, {"9", ">Closed", false, true}};
  board.types.push_back(TicketType{"4", "Security", {{"41", "Malware"}}});
  boards.priorities.push_back(TicketPriority{"3", "Priority 1", false, PriorityLevel::kCritical});
  boards.priorities.push_back(TicketPriority{"8", "Priority 3", true, std::nullopt});

  ListTicketBoardsResult back = decode<ListTicketBoardsResult>(encode(boards));
  ASSERT_EQ(back.boards.size(), 1u);
  EXPECT_EQ(back.boards[0].name, "Security Alerts");
  ASSERT_EQ(back.boards[0].statuses.size(), 2u);
  EXPECT_TRUE(back.boards[0].statuses[0].is_default);
  EXPECT_TRUE(back.boards[0].statuses[1].closed);
  EXPECT_EQ(back.boards[0].types[0].subtypes[0].name, "Malware");
  ASSERT_EQ(back.priorities.size(), 2u);
  EXPECT_EQ(back.priorities[0].level, PriorityLevel::kCritical);
  EXPECT_TRUE(back.priorities[1].is_default);
  EXPECT_FALSE(back.priorities[1].level);
}

TEST(TicketDocuments, OpenTicketReadsNumericIdsAsTextAndNeedsAReferenceAndAnAccount) {
  OpenTicketRequest r = decode<OpenTicketRequest>(
      R"({"reference":"mb-alert:a1","account_id":250,"board_id":12,"priority_id":null,
          "title":"t","search_first":true})");
  EXPECT_EQ(r.account_id, "250");
  EXPECT_EQ(r.board_id, "12");
  EXPECT_FALSE(r.priority_id);
  EXPECT_TRUE(r.search_first);
  EXPECT_EQ(decode<OpenTicketRequest>(encode(r)).reference, "mb-alert:a1");
  EXPECT_THROW(decode<OpenTicketRequest>(R"({"account_id":"250"})"), DocumentError);
  EXPECT_THROW(decode<OpenTicketRequest>(R"({"reference":"mb-alert:a1"})"), DocumentError);
  EXPECT_THROW(decode<CloseTicketRequest>(R"({"status_id":"9"})"), DocumentError);
}

TEST(TicketDocuments, AnUnknownOutcomeReadsAsNoneNeverAsCreated) {
  OpenTicketResult r = decode<OpenTicketResult>(R"({"ticket_id":"7","outcome":"made"})");
  EXPECT_EQ(r.ticket_id, "7");
  EXPECT_FALSE(r.outcome);
  TicketPermissions p = decode<TicketPermissions>(
      R"({"can_list":true,"can_create":false,"missing":["Service Tickets: Add"]})");
  EXPECT_TRUE(p.can_list);
  EXPECT_FALSE(p.can_create);
  EXPECT_FALSE(p.can_close);  // absent: not proven, so not granted
  EXPECT_EQ(p.missing, std::vector<std::string>{"Service Tickets: Add"});
}

// ---- A typed plugin offering tickets, on an in-memory board ------------------------------------

constexpr char kManifest[] =
    R"({"id":"memtickets","version":"1.0.0","abi":"1.2","capabilities":["tickets"],)"
    R"("config_schema":{"type":"object"}})";

class MemTicketsSession : public TypedSession {
 public:
  AuthenticateResult authenticate(Call&, const AuthenticateRequest&) override { return {}; }
  ListPage list_accounts(Call&, const ListRequest&) override { return {}; }
  ListPage list_services(Call&, const ListRequest&) override { return {}; }
  ReadResult read_quantities(Call&, const ReadRequest&) override { return {}; }
  ApplyResult apply_quantities(Call&, const ApplyRequest&) override { return {}; }

  ListTicketBoardsResult list_ticket_boards(Call&) override {
    ListTicketBoardsResult r;
    r.boards.push_back(TicketBoard{"12", "Alerts", {{"1", "New", true, false}}, {}});
    return r;
  }
  TicketPermissions check_ticket_permissions(Call&,
                                             const CheckTicketPermissionsRequest& r) override {
    TicketPermissions p;
    p.can_list = p.can_create = p.can_update = true;
    p.missing.push_back("close on board " + r.board_id.value_or("?"));
    return p;
  }
  OpenTicketResult open_ticket(Call&, const OpenTicketRequest& r) override {
    if (r.search_first) {
      for (const auto& [id, reference] : tickets_)
        if (reference == r.reference) return {id, TicketOutcome::kFound, false, ""};
    }
    std::string id = std::to_string(100 + tickets_.size());
    tickets_[id] = r.reference;
    return {id, TicketOutcome::kCreated, false, ""};
  }
  TicketChangeResult add_ticket_note(Call&, const AddTicketNoteRequest& r) override {
    return {r.ticket_id, TicketOutcome::kNoted, r.note_key};
  }
  TicketChangeResult close_ticket(Call&, const CloseTicketRequest& r) override {
    if (!tickets_.count(r.ticket_id)) throw PluginError(MB_STATUS_NOT_FOUND, "no such ticket");
    bool first = closed_.insert(r.ticket_id).second;
    return {r.ticket_id, first ? TicketOutcome::kClosed : TicketOutcome::kAlreadyClosed, ""};
  }

 private:
  std::map<std::string, std::string> tickets_;  // id -> reference
  std::set<std::string> closed_;
};

class MemTicketsPlugin : public Plugin {
 public:
  std::string describe() override { return kManifest; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.tickets = true;
    return c;
  }
  std::unique_ptr<Session> open(Call&, std::string_view) override {
    return serve(std::make_unique<MemTicketsSession>());
  }
};

}  // namespace
}  // namespace meterbridge

MB_PLUGIN(meterbridge::MemTicketsPlugin)

namespace meterbridge {
namespace {

using testing::CallResult;
using testing::FakeHost;

boost::json::value result_of(const CallResult& r) {
  EXPECT_TRUE(r.ok()) << r.error_message;
  return r.ok() ? boost::json::parse(r.result) : boost::json::value();
}

TEST(TypedTicketSession, OffersTheFiveHooksAndAnswersEachWithItsDocument) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  const mb_plugin_table* t = plugin.table();
  EXPECT_EQ(t->abi_minor, MB_ABI_VERSION_MINOR);
  EXPECT_EQ(t->size, sizeof(mb_plugin_table));
  EXPECT_NE(t->on_list_ticket_boards, nullptr);
  EXPECT_NE(t->on_close_ticket, nullptr);
  EXPECT_EQ(t->on_set_status, nullptr);
  auto session = plugin.open("{}");

  auto boards = result_of(session.call(&mb_plugin_table::on_list_ticket_boards, "{}"));
  EXPECT_EQ(boards.at("boards").at(0).at("statuses").at(0).at("default"), true);
  auto permissions =
      result_of(session.call(&mb_plugin_table::on_check_ticket_permissions, R"({"board_id":12})"));
  EXPECT_EQ(permissions.at("can_close"), false);
  EXPECT_EQ(permissions.at("missing").at(0), "close on board 12");

  const std::string open =
      R"({"reference":"mb-alert:a1","account_id":"250","board_id":"12","title":"Malware"})";
  auto created = result_of(session.call(&mb_plugin_table::on_open_ticket, open));
  EXPECT_EQ(created.at("outcome"), "created");
  // The host lost the answer: searching first finds the ticket instead of opening another.
  const std::string again =
      R"({"reference":"mb-alert:a1","account_id":"250","title":"Malware","search_first":true})";
  auto found = result_of(session.call(&mb_plugin_table::on_open_ticket, again));
  EXPECT_EQ(found.at("outcome"), "found");
  EXPECT_EQ(found.at("ticket_id"), created.at("ticket_id"));

  auto noted = result_of(session.call(&mb_plugin_table::on_add_ticket_note,
                                      R"({"ticket_id":"100","note_key":"v2","text":"again"})"));
  EXPECT_EQ(noted.at("outcome"), "noted");
  auto closed =
      result_of(session.call(&mb_plugin_table::on_close_ticket, R"({"ticket_id":"100"})"));
  EXPECT_EQ(closed.at("outcome"), "closed");
  auto closed_again =
      result_of(session.call(&mb_plugin_table::on_close_ticket, R"({"ticket_id":"100"})"));
  EXPECT_EQ(closed_again.at("outcome"), "already_closed");
}

TEST(TypedTicketSession, ADocumentInTheWrongShapeFailsAsConfigInvalidNamingTheMember) {
  FakeHost host;
  auto plugin = host.load(&meterbridge_plugin_negotiate);
  auto session = plugin.open("{}");
  CallResult r = session.call(&mb_plugin_table::on_open_ticket, R"({"account_id":"250"})");
  EXPECT_EQ(r.status, MB_STATUS_CONFIG_INVALID);
  EXPECT_NE(r.error_message.find("reference"), std::string::npos) << r.error_message;
  CallResult missing = session.call(&mb_plugin_table::on_close_ticket, R"({"ticket_id":"9"})");
  EXPECT_EQ(missing.status, MB_STATUS_NOT_FOUND);
}

}  // namespace
}  // namespace meterbridge
