// Service tickets: boards with their statuses, priorities, creating a ticket (validation, the
// board's default status, initialDescription as the first note), finding it by externalXRef,
// closing it by PATCHing its status, notes, and the security role's 403s and mySecurity.
#include <gtest/gtest.h>

#include "sim/connectwise/connectwise_test_fixture.h"

namespace mb::sim::connectwise {
namespace {

constexpr char kTicket[] =
    R"({"summary":"Ransomware behaviour on LAPTOP-7","company":{"id":250},"board":{"id":12},
        "priority":{"id":1},"externalXRef":"mb-alert:al-1","initialDescription":"Mass renames."})";

class ConnectWiseTicketsTest : public ConnectWiseSimTest {
 protected:
  void SetUp() override { start(); }
  size_t count_in_state(const char* table) { return state().at(table).as_array().size(); }
};

TEST_F(ConnectWiseTicketsTest, BoardsListTheirActiveStatusesAndPrioritiesHaveLevels) {
  const json::value boards = get_json(
      api("/service/boards?conditions=" + encode("inactiveFlag=false and projectFlag=false") +
          "&orderBy=" + encode("name asc")));
  EXPECT_EQ(ids(boards), (std::vector<int64_t>{13, 12}));
  const json::value statuses =
      get_json(api("/service/boards/12/statuses?conditions=" + encode("inactive=false") +
                   "&orderBy=" + encode("sortOrder asc")));
  EXPECT_EQ(ids(statuses), (std::vector<int64_t>{101, 102, 109}));
  EXPECT_EQ(statuses.at(0).at("defaultFlag"), true);
  EXPECT_EQ(statuses.at(2).at("closedStatus"), true);
  const json::value priorities = get_json(api("/service/priorities"));
  EXPECT_EQ(priorities.at(0).at("level"), "Critical");
  get_json(api("/service/boards/99/statuses"), 404);
}

TEST_F(ConnectWiseTicketsTest, ACreatedTicketGetsTheBoardsDefaultStatusAndIsFoundByItsXRef) {
  const json::value created = call_json("POST", api("/service/tickets"), 201, kTicket);
  EXPECT_EQ(created.at("status").at("id"), 101);
  EXPECT_EQ(created.at("status").at("name"), "New");
  EXPECT_EQ(created.at("company").at("identifier"), "NWD");
  EXPECT_EQ(created.at("closedFlag"), false);
  EXPECT_FALSE(created.as_object().contains("initialDescription"));
  const int64_t id = created.at("id").as_int64();
  const json::value notes = get_json(api("/service/tickets/" + std::to_string(id) + "/notes"));
  ASSERT_EQ(notes.as_array().size(), 1u);
  EXPECT_EQ(notes.at(0).at("text"), "Mass renames.");
  EXPECT_EQ(notes.at(0).at("detailDescriptionFlag"), true);

  const json::value found = get_json(api(
      "/service/tickets?conditions=" + encode("externalXRef=\"mb-alert:al-1\" and company/id=250") +
      "&fields=id,closedFlag"));
  EXPECT_EQ(ids(found), (std::vector<int64_t>{id}));
  EXPECT_TRUE(
      get_json(api("/service/tickets?conditions=" + encode("externalXRef=\"mb-alert:al-2\"")))
          .as_array()
          .empty());
}

TEST_F(ConnectWiseTicketsTest, AnInvalidTicketIsRefusedNamingTheFieldAndNothingIsStored) {
  const json::value no_summary = call_json("POST", api("/service/tickets"), 400,
                                           R"({"company":{"id":250},"board":{"id":12}})");
  EXPECT_EQ(no_summary.at("code"), "InvalidObject");
  EXPECT_EQ(no_summary.at("message"), "ticket object is invalid");
  EXPECT_EQ(no_summary.at("errors").at(0).at("field"), "summary");
  const std::string long_summary(101, 'x');
  const json::value too_long =
      call_json("POST", api("/service/tickets"), 400,
                R"({"summary":")" + long_summary + R"(","company":{"id":250},"board":{"id":12}})");
  EXPECT_EQ(too_long.at("errors").at(0).at("field"), "summary");
  const json::value other_board =
      call_json("POST", api("/service/tickets"), 400,
                R"({"summary":"s","company":{"id":250},"board":{"id":12},"status":{"id":131}})");
  EXPECT_EQ(other_board.at("errors").at(0).at("field"), "status/id");
  const json::value deleted =
      call_json("POST", api("/service/tickets"), 400,
                R"({"summary":"s","company":{"id":254},"board":{"id":12}})");
  EXPECT_EQ(deleted.at("errors").at(0).at("field"), "company/id");
  call_json("POST", api("/service/tickets"), 400,
            R"({"summary":"s","company":{"id":250},"board":{"id":14}})");  // a project board
  EXPECT_EQ(count_in_state("tickets"), 0u);
}

TEST_F(ConnectWiseTicketsTest, PatchingAClosedStatusClosesTheTicketAndANoteNeedsAFlag) {
  const int64_t id = call_json("POST", api("/service/tickets"), 201, kTicket).at("id").as_int64();
  const std::string ticket = api("/service/tickets/" + std::to_string(id));
  const json::value closed =
      call_json("PATCH", ticket, 200, R"([{"op":"replace","path":"status","value":{"id":109}}])");
  EXPECT_EQ(closed.at("closedFlag"), true);
  EXPECT_EQ(closed.at("closedBy"), "Pk7hQ2");
  const json::value reopened = call_json(
      "PATCH", ticket, 200, R"([{"op":"replace","path":"status","value":{"name":"New"}}])");
  EXPECT_EQ(reopened.at("closedFlag"), false);
  EXPECT_FALSE(reopened.as_object().contains("closedDate"));

  const json::value no_flag = call_json("POST", ticket + "/notes", 400, R"({"text":"again"})");
  EXPECT_EQ(no_flag.at("errors").at(0).at("message"),
            "Please choose where to display the notes in order to save this record.");
  call_json("POST", ticket + "/notes", 201, R"({"text":"again","internalAnalysisFlag":true})");
  EXPECT_EQ(get_json(ticket + "/notes").as_array().size(), 2u);
  get_json(api("/service/tickets/999999"), 404);
}

TEST_F(ConnectWiseTicketsTest, AMemberWithoutTicketRightsGets403AndMySecuritySaysWhy) {
  start_with_seed(R"({"apiMembers":[{"publicKey":"Pk7hQ2","privateKey":"Sx9mR4",
      "forbidden":["POST service/tickets","PATCH service/tickets","CLOSE service/tickets"]}],
      "companies":[{"id":250,"identifier":"NWD","name":"Northwind Dental"}],
      "boards":[{"id":12,"name":"Security Alerts"}],
      "boardStatuses":[{"id":101,"name":"New","board":{"id":12},"defaultFlag":true}]})");
  const json::value refused =
      call_json("POST", api("/service/tickets"), 403,
                R"({"summary":"s","company":{"id":250},"board":{"id":12}})");
  EXPECT_EQ(refused.at("code"), "Security");
  const json::value rows = get_json(api("/system/mySecurity"));
  ASSERT_EQ(rows.as_array().size(), 3u);
  EXPECT_EQ(rows.at(0).at("moduleFunctionName"), "Service Tickets");
  EXPECT_EQ(rows.at(0).at("addLevel"), "None");
  EXPECT_EQ(rows.at(0).at("inquireLevel"), "All");
  EXPECT_EQ(rows.at(1).at("editLevel"), "None");
  EXPECT_EQ(rows.at(2).at("inquireLevel"), "All");
}

}  // namespace
}  // namespace mb::sim::connectwise
