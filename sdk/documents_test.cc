// The typed documents' codec: every document reads back what it wrote, the ABI's lenient
// readings hold (ids as numbers, whole numbers as 3.0, unknown names kept apart), and a document
// of the wrong shape is refused naming what is wrong.
#include <gtest/gtest.h>

#include <meterbridge/documents.hpp>
#include <meterbridge/documents_json.hpp>

#include <string>

namespace meterbridge {
namespace {

TEST(DocumentsTest, EveryEnumValueHasOneWireNameThatReadsBack) {
  for (const auto& e : kReasonNames) EXPECT_EQ(from_wire<Reason>(e.name), e.value);
  for (const auto& e : kOutcomeNames) EXPECT_EQ(from_wire<Outcome>(e.name), e.value);
  for (const auto& e : kAuthStatusNames) EXPECT_EQ(from_wire<AuthStatus>(e.name), e.value);
  for (const auto& e : kProvisionOutcomeNames)
    EXPECT_EQ(from_wire<ProvisionOutcome>(e.name), e.value);
  for (const auto& e : kLinkOutcomeNames) EXPECT_EQ(from_wire<LinkOutcome>(e.name), e.value);
  EXPECT_EQ(std::string(wire_name(Reason::kAmbiguousContractLine)), "ambiguous_contract_line");
  EXPECT_EQ(error_class_from_wire("rate_limited"), MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(error_class_from_wire("something new"), MB_STATUS_FATAL);
  EXPECT_EQ(std::string(error_class_wire_name(42)), "fatal");
}

TEST(DocumentsTest, AListSearchMatchesTheNameOrIdIgnoringAsciiCase) {
  ListRequest request;
  EXPECT_TRUE(matches_search(request, "c-1", "Harbor Legal"));  // no search: everything
  request.search = "";
  EXPECT_TRUE(matches_search(request, "c-1", "Harbor Legal"));
  request.search = "LEGAL";
  EXPECT_TRUE(matches_search(request, "c-1", "Harbor Legal"));
  request.search = "C-1";
  EXPECT_TRUE(matches_search(request, "c-1", "Harbor Legal"));
  request.search = "Harbour";
  EXPECT_FALSE(matches_search(request, "c-1", "Harbor Legal"));
  EXPECT_EQ(ascii_lower("MixedCase-\xC3\x89"), "mixedcase-\xC3\x89");  // bytes past ASCII kept
  EXPECT_TRUE(contains_ignoring_case("anything", ""));
}

TEST(DocumentsTest, ReadRequestReadsIdsSentAsNumbersAsTheirText) {
  ReadRequest r = decode<ReadRequest>(
      R"({"effective_date":"2026-01-01","lines":[{"key":"k","account_id":412,
          "service_id":"9","metric":"users","last_pushed":3.0}]})");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].account_id, "412");
  EXPECT_EQ(r.lines[0].service_id, "9");
  EXPECT_EQ(r.lines[0].last_pushed, 3);
  EXPECT_EQ(r.effective_date, "2026-01-01");
}

TEST(DocumentsTest, ARequestWithoutItsLinesArrayIsRefusedByName) {
  try {
    decode<ApplyRequest>(R"({"idempotency_key":"k"})");
    FAIL() << "no error";
  } catch (const DocumentError& e) {
    EXPECT_NE(std::string(e.what()).find("\"lines\""), std::string::npos);
  }
  EXPECT_THROW(decode<ReadRequest>("[1,2]"), DocumentError);
  EXPECT_THROW(decode<ReadRequest>(R"({"lines":[1]})"), DocumentError);
}

TEST(DocumentsTest, ReadResultRoundTripsAndKeepsAnUnknownReasonApart) {
  ReadResult out;
  out.lines.push_back(ReadLineResult{"a", 5, std::nullopt, "", "", R"({"id":7})"});
  out.lines.push_back(
      ReadLineResult{"b", std::nullopt, Reason::kAmbiguousContractLine, "", "two lines", ""});
  ReadResult back = decode<ReadResult>(encode(out));
  ASSERT_EQ(back.lines.size(), 2u);
  EXPECT_EQ(back.lines[0].quantity, 5);
  EXPECT_EQ(back.lines[0].line_ref, R"({"id":7})");
  EXPECT_EQ(back.lines[1].reason, Reason::kAmbiguousContractLine);
  EXPECT_EQ(back.lines[1].message, "two lines");

  ReadResult newer = decode<ReadResult>(R"({"lines":[{"key":"c","reason":"held_by_vendor"}]})");
  EXPECT_FALSE(newer.lines[0].reason);
  EXPECT_EQ(newer.lines[0].unknown_reason, "held_by_vendor");
}

TEST(DocumentsTest, ApplyResultReadsAnUnknownOutcomeAsAFailure) {
  ApplyResult r = decode<ApplyResult>(
      R"({"lines":[{"key":"a","outcome":"teleported","error_class":"conflict","in_doubt":true}]})");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].outcome, Outcome::kFailed);
  EXPECT_EQ(r.lines[0].error_class, MB_STATUS_CONFLICT);
  EXPECT_TRUE(r.lines[0].in_doubt);
  EXPECT_TRUE(decode<ApplyResult>("{}").lines.empty()) << "results are read leniently";
}

TEST(DocumentsTest, ApplyRequestRoundTrips) {
  ApplyRequest in;
  in.idempotency_key = "c:run-1:batch-1";
  in.effective_date = "2026-01-01";
  in.final = false;
  in.lines.push_back(ApplyLine{"k", "412", "9", 12, std::nullopt, "devices", R"({"a":1})"});
  ApplyRequest back = decode<ApplyRequest>(encode(in));
  EXPECT_EQ(back.idempotency_key, in.idempotency_key);
  EXPECT_FALSE(back.final);
  ASSERT_EQ(back.lines.size(), 1u);
  EXPECT_EQ(back.lines[0].target, 12);
  EXPECT_FALSE(back.lines[0].expected_current);
  EXPECT_EQ(back.lines[0].metric, "devices");
  EXPECT_EQ(back.lines[0].line_ref, R"({"a":1})");
}

TEST(DocumentsTest, HttpResponsesKeepRetryAfterAndTheNoAnswerError) {
  std::vector<HttpResponse> r = decode_array<HttpResponse>(
      R"([{"status":429,"headers":{"retry-after":"2"},"body":"","attempts":3,"retry_after_ms":2000},
          {"status":0,"error":{"class":"retry","message":"reset","sent":true},"attempts":1}])",
      "responses");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].retry_after_ms, 2000u);
  EXPECT_EQ(r[0].header("retry-after"), "2");
  EXPECT_FALSE(r[1].answered());
  ASSERT_TRUE(r[1].error);
  EXPECT_EQ(r[1].error->error_class, MB_STATUS_RETRY);
  EXPECT_TRUE(r[1].error->sent);
}

TEST(DocumentsTest, ProvisioningAndLinkingRoundTrip) {
  ProvisionServicesResult s;
  s.items.push_back(ProvisionedService{"svc", "77", ProvisionOutcome::kMatched, "", "devices", ""});
  ProvisionServicesResult back = decode<ProvisionServicesResult>(encode(s));
  EXPECT_EQ(back.items[0].outcome, ProvisionOutcome::kMatched);
  EXPECT_EQ(back.items[0].metric, "devices");

  LinkAccountsRequest l = decode<LinkAccountsRequest>(
      R"({"link":[{"account_id":"ws-1","platform_account_id":"c-1"}],"unlink":["ws-9"]})");
  EXPECT_EQ(l.link[0].platform_account_id, "c-1");
  EXPECT_EQ(l.unlink, std::vector<std::string>{"ws-9"});
  EXPECT_THROW(decode<LinkAccountsRequest>(R"({"unlink":[1]})"), DocumentError);
}

TEST(DocumentsTest, AnAuthenticateResultTellsAMissingStatusFromAnUnknownOne) {
  AuthenticateResult ok = decode<AuthenticateResult>(
      R"({"status":"pending","message":"m","status_after_connect":"active"})");
  EXPECT_EQ(ok.status, AuthStatus::kPending);
  EXPECT_TRUE(ok.status_sent);
  EXPECT_EQ(ok.unknown_status, "");
  EXPECT_EQ(ok.status_after_connect, "active");

  AuthenticateResult missing = decode<AuthenticateResult>(R"({"message":"m"})");
  EXPECT_FALSE(missing.status_sent);
  EXPECT_EQ(missing.status, AuthStatus::kUnreachable);
  EXPECT_FALSE(decode<AuthenticateResult>(R"({"status":3})").status_sent);

  AuthenticateResult unknown = decode<AuthenticateResult>(R"({"status":"suspended"})");
  EXPECT_TRUE(unknown.status_sent);
  EXPECT_EQ(unknown.unknown_status, "suspended");
  EXPECT_EQ(decode<AuthenticateResult>(encode(unknown)).unknown_status, "suspended");
}

TEST(DocumentsTest, TheHostsListPageReadingRefusesAPageWithoutItems) {
  ListPage page = decode_list_page(
      R"({"items":[{"id":7,"name":"Acme","active":false,"details":{"x":1}}],"next_cursor":"c2"})");
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "7");
  EXPECT_EQ(page.items[0].active, false);
  EXPECT_EQ(page.items[0].details, R"({"x":1})");
  EXPECT_EQ(page.next_cursor, "c2");
  EXPECT_EQ(decode_list_page(R"({"items":[]})").next_cursor, std::nullopt);

  for (const char* bad :
       {"", "[]", "not json", R"({"next_cursor":null})", R"({"items":{}})", R"({"items":[1]})"}) {
    EXPECT_THROW(decode_list_page(bad), DocumentError) << bad;
  }
  EXPECT_TRUE(decode<ListPage>(R"({"next_cursor":null})").items.empty());  // the lenient reading
}

TEST(DocumentsTest, TheHostsHttpBatchReadingNamesTheRequestAndMemberAtFault) {
  std::vector<HttpRequest> batch = decode_http_batch(
      R"([{"url":"https://x/a"},
          {"method":"POST","url":"https://x/b","headers":{"Accept":"json"},"body":"{}",
           "idempotent":true,"endpoint":"b","timeout_ms":500}])");
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].method, "GET");
  EXPECT_EQ(batch[0].body, std::nullopt);
  EXPECT_EQ(batch[0].idempotent, std::nullopt);
  EXPECT_EQ(batch[1].headers,
            (std::vector<std::pair<std::string, std::string>>{{"Accept", "json"}}));
  EXPECT_EQ(batch[1].body, "{}");
  EXPECT_EQ(batch[1].timeout_ms, 500);

  auto refusal = [](const char* text) {
    try {
      decode_http_batch(text);
    } catch (const DocumentError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(R"({"url":"https://x"})"), "HTTP batch must be a JSON array");
  EXPECT_EQ(refusal(R"([{"url":"https://x"}, 3])"), "request 1: must be an object");
  EXPECT_EQ(refusal(R"([{"url":""}])"), "request 0: url is required");
  EXPECT_EQ(refusal(R"([{"url":"https://x","headers":[]}])"),
            "request 0: headers must be an object");
  EXPECT_EQ(refusal(R"([{"url":"https://x","headers":{"A":1}}])"),
            "request 0: header values must be strings");
  EXPECT_EQ(refusal(R"([{"url":"https://x","body":{}}])"), "request 0: body must be a string");
  EXPECT_EQ(refusal(R"([{"url":"https://x","body":null}])"), "accepted");
  EXPECT_NE(refusal("[").find("HTTP batch: not JSON"), std::string::npos);
}

}  // namespace
}  // namespace meterbridge
