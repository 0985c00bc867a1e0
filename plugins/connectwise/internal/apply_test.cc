// apply_quantities through the whole plugin (connectwise_plugin_test.h).
#include "connectwise_plugin_test.h"

namespace meterbridge::connectwise {
namespace {

using ApplyTest = ConnectWiseTest;

TEST_F(ApplyTest, PatchesAJsonPatchReplaceAndChecksTheReturnedQuantity) {
  one_addition(40);
  patch_applies();
  json::value v = apply_a_to_43();
  const json::value& line = v.at("lines").at(0);
  EXPECT_EQ(line.at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(line.at("quantity").as_int64(), 43);
  EXPECT_TRUE(line.at("error_class").is_null());

  auto patches = api_requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].path, "finance/agreements/9001/additions/77");
  EXPECT_EQ(json::parse(patches[0].body),
            json::parse(R"([{"op":"replace","path":"quantity","value":43}])"));
  EXPECT_FALSE(patches[0].idempotent) << "the engine must not resend a PATCH after a 5xx";
  EXPECT_EQ(patches[0].headers.at("Content-Type"), "application/json");
  EXPECT_EQ(api_requests("PUT").size(), 0u);
  EXPECT_EQ(api_requests("GET").size(), 0u) << "the line_ref saves a read";
}

TEST_F(ApplyTest, AFalse200FailsTheLineWithAClearMessage) {
  one_addition(40);
  platform_.on("PATCH", "finance/agreements/9001/additions/77",
               [this](const SeenRequest&) { return reply(200, addition77()); });
  json::value v = apply_a_to_43();
  const json::value& line = v.at("lines").at(0);
  EXPECT_EQ(line.at("outcome").as_string(), "failed");
  EXPECT_EQ(line.at("error_class").as_string(), "fatal");
  EXPECT_THAT(str(line.at("message")), HasSubstr("false 200")) << line;
  EXPECT_THAT(str(line.at("message")), HasSubstr("has 40, not 43")) << line;
}

TEST_F(ApplyTest, AnUnansweredPatchThatLandedIsConfirmedByReReading) {
  one_addition(40);
  platform_.on("PATCH", "finance/agreements/9001/additions/77", [this](const SeenRequest& s) {
    take_patch(s);
    return no_answer(/*sent=*/true);
  });
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(api_requests("PATCH").size(), 1u) << "never replayed blindly";
  auto gets = api_requests("GET");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].path, "finance/agreements/9001/additions/77");
}

TEST_F(ApplyTest, AnUnansweredPatchThatDidNotLandIsSentOnceMore) {
  one_addition(40);
  int patches = 0;
  platform_.on(
      "PATCH", "finance/agreements/9001/additions/77", [this, &patches](const SeenRequest& s) {
        if (++patches == 1)
          return reply(503, json::object{{"code", "ServiceUnavailable"}, {"message", "busy"}});
        take_patch(s);
        return reply(200, addition77());
      });
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(patches, 2);
  EXPECT_EQ(quantity77_, 43);
}

TEST_F(ApplyTest, AStaleLineRefIsResolvedAgainAndTheNewAdditionWritten) {
  // Addition 70 (the line_ref) was removed; 77 is the live addition now.
  one_addition(40);
  patch_applies();
  platform_.on("PATCH", "finance/agreements/9001/additions/70",
               error_reply(404, "NotFound", "Addition not found"));
  json::value v = apply_a_to_43(70);
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "updated") << v;
  EXPECT_EQ(quantity77_, 43);
}

TEST_F(ApplyTest, WithoutLineRefResolvesInBulkAndSkipsLinesAlreadyAtTarget) {
  one_addition(43);
  patch_applies();
  json::value v = call(
      &mb_plugin_table::on_apply_quantities,
      apply_input(
          R"({"key":"a","account_id":"250","service_id":"55","target":43,"expected_current":null},
             {"key":"b","account_id":"250","service_id":"99","target":5,"expected_current":null})"));
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "unchanged") << v;
  EXPECT_EQ(v.at("lines").at(0).at("quantity").as_int64(), 43);
  EXPECT_EQ(v.at("lines").at(1).at("outcome").as_string(), "no_contract_line") << v;
  EXPECT_EQ(api_requests("PATCH").size(), 0u);
}

TEST_F(ApplyTest, LinesThatWantDifferentQuantitiesForOneAdditionConflict) {
  one_addition(40);
  patch_applies();
  json::value v = call(&mb_plugin_table::on_apply_quantities,
                       apply_input(R"({"key":"a","account_id":"250","service_id":"55","target":43,
                                       "line_ref":{"agreement_id":9001,"addition_id":77}},
                                      {"key":"b","account_id":"250","service_id":"55","target":44,
                                       "line_ref":{"agreement_id":9001,"addition_id":77}})"));
  for (const json::value& line : v.at("lines").as_array()) {
    EXPECT_EQ(line.at("outcome").as_string(), "failed");
    EXPECT_EQ(line.at("error_class").as_string(), "conflict");
  }
  EXPECT_EQ(api_requests("PATCH").size(), 0u);
}

TEST_F(ApplyTest, AThrottledPatchAfterTheEnginesRetriesFailsAsRateLimited) {
  one_addition(40);
  platform_.on("PATCH", "finance/agreements/9001/additions/77", throttled());
  json::value v = apply_a_to_43();
  EXPECT_EQ(v.at("lines").at(0).at("outcome").as_string(), "failed");
  EXPECT_EQ(v.at("lines").at(0).at("error_class").as_string(), "rate_limited");
}

}  // namespace
}  // namespace meterbridge::connectwise
