#include "internal/tickets.h"

#include "autotask_plugin_test.h"

namespace meterbridge::autotask {
namespace {

// Tickets/entityInformation/fields with one active and one retired queue, the system statuses,
// an issue type with its sub-issue type, and priorities.
std::string ticket_fields() {
  auto value = [](int v, const char* label, bool active = true, bool is_default = false,
                  const char* parent = "") {
    return json::object{{"value", std::to_string(v)},
                        {"label", label},
                        {"isActive", active},
                        {"isDefaultValue", is_default},
                        {"parentValue", parent}};
  };
  auto field = [](const char* name, json::array values) {
    return json::object{{"name", name}, {"isPickList", true}, {"picklistValues", values}};
  };
  return json::serialize(json::object{
      {"fields", json::array{field("queueID", {value(29683482, "Monitoring Alert"),
                                               value(7, "Retired", false)}),
                             field("status", {value(1, "New", true, true), value(5, "Complete"),
                                              value(8, "In Progress")}),
                             field("priority", {value(4, "Critical"), value(1, "High"),
                                                value(2, "Medium", true, true)}),
                             field("issueType", {value(28, "Security")}),
                             field("subIssueType", {value(324, "Malware", true, false, "28")})}}});
}

constexpr char kOpen[] =
    R"({"reference":"mb-alert:al-1","account_id":"412","board_id":"29683482","status_id":"1",)"
    R"("priority_id":"4","title":"Malware","description":"seen","search_first":false})";

TEST(TicketExternalIdTest, AReferenceLongerThanTheFieldBecomesAStableDigest) {
  EXPECT_EQ(ticket_external_id("mb-alert:al-1"), "mb-alert:al-1");
  const std::string long_reference = "mb-alert:" + std::string(60, 'x');
  const std::string digest = ticket_external_id(long_reference);
  EXPECT_EQ(digest.rfind("mb-alert:h-", 0), 0u);
  EXPECT_EQ(digest.size(), 27u);
  EXPECT_EQ(digest, ticket_external_id(long_reference));
  EXPECT_NE(digest, ticket_external_id(long_reference + "y"));
}

TEST_F(AutotaskPluginTest, ActiveQueuesAreBoardsWithTheStatusesTypesAndPriorities) {
  autotask_.on("GET", "Tickets/entityInformation/fields", reply(200, ticket_fields()));
  json::object listed = result_of(open().call(&mb_plugin_table::on_list_ticket_boards, "{}"));
  const json::array& boards = listed.at("boards").as_array();
  ASSERT_EQ(boards.size(), 1u) << "the retired queue is not offered";
  EXPECT_EQ(boards[0].at("id"), "29683482");
  const json::array& statuses = boards[0].at("statuses").as_array();
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0].at("default"), true);
  EXPECT_EQ(statuses[1].at("closed"), true);
  EXPECT_EQ(boards[0].at("types").at(0).at("subtypes").at(0).at("id"), "324");
  EXPECT_EQ(listed.at("priorities").at(0).at("level"), "critical");
  EXPECT_EQ(listed.at("priorities").at(2).at("default"), true);
}

TEST_F(AutotaskPluginTest, ALostCreateIsFoundByItsExternalIdAndNeverSentTwice) {
  autotask_.on("POST", "Tickets", no_answer(/*sent=*/true));
  autotask_.on("POST", "Tickets/query",
               reply(200, page_of(json::array{json::object{{"id", 128926}, {"status", 1}}})));
  json::object opened = result_of(open().call(&mb_plugin_table::on_open_ticket, kOpen));
  EXPECT_EQ(opened.at("outcome"), "found");
  EXPECT_EQ(opened.at("ticket_id"), "128926");
  int creates = 0;
  for (const SeenRequest& r : autotask_.seen("POST", "Tickets"))
    creates += r.target == "Tickets" ? 1 : 0;
  EXPECT_EQ(creates, 1);
}

TEST_F(AutotaskPluginTest, ACompleteTicketIsAlreadyClosedWithoutAPatch) {
  autotask_.on("GET", "Tickets/128926",
               reply(200, R"({"item":{"id":128926,"status":5,"resolution":"done"}})"));
  json::object closed = result_of(
      open().call(&mb_plugin_table::on_close_ticket, R"({"ticket_id":"128926","status_id":"5"})"));
  EXPECT_EQ(closed.at("outcome"), "already_closed");
  EXPECT_TRUE(autotask_.seen("PATCH").empty());
}

}  // namespace
}  // namespace meterbridge::autotask
