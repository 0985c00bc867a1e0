// The C typed documents (<meterbridge/documents.h>) held to the C++ codec
// (<meterbridge/documents_json.hpp>): what the C++ side writes, the C readers read the same; what
// the C writers write is the very text the C++ codec writes for the same document; and bad input
// gives a named error, never a crash.
#include "meterbridge/documents.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "meterbridge/documents.hpp"
#include "meterbridge/documents_json.hpp"
#include "meterbridge/http.hpp"

namespace {

using namespace meterbridge;

mb_str view(const std::string& text) { return mb_str{text.data(), text.size()}; }

std::optional<std::string> optional(const char* text) {
  return text == nullptr ? std::nullopt : std::optional<std::string>(text);
}
std::optional<int64_t> optional(int has, int64_t value) {
  return has ? std::optional<int64_t>(value) : std::nullopt;
}
std::string text(const char* json) { return json == nullptr ? std::string() : std::string(json); }

// The C writer's text, freed.
std::string take(char* json) {
  EXPECT_NE(json, nullptr);
  std::string out = json != nullptr ? json : "";
  std::free(json);
  return out;
}

// ---- What the host sends: the C++ codec writes it, the C readers read it ---------------------

TEST(CDocuments, ReadsTheAuthenticateRequestAsTheHostWritesIt) {
  for (AuthPurpose purpose :
       {AuthPurpose::kTest, AuthPurpose::kConnect, AuthPurpose::kUnspecified}) {
    const std::string json = encode(AuthenticateRequest{purpose});
    mb_authenticate_request request;
    ASSERT_TRUE(mb_authenticate_request_from_json(view(json), &request, nullptr)) << json;
    EXPECT_EQ(std::string(request.purpose),
              purpose == AuthPurpose::kUnspecified ? "" : wire_name(purpose));
    mb_authenticate_request_release(&request);
  }
}

TEST(CDocuments, ReadsListRequestsAsTheHostWritesThem) {
  for (const ListRequest& sent : {ListRequest{"page-2", "acme", 500},
                                  ListRequest{std::nullopt, std::nullopt, std::nullopt}}) {
    const std::string json = encode(sent);
    mb_list_request request;
    ASSERT_TRUE(mb_list_request_from_json(view(json), &request, nullptr)) << json;
    EXPECT_EQ(optional(request.cursor), sent.cursor);
    EXPECT_EQ(optional(request.search), sent.search);
    EXPECT_EQ(optional(request.has_limit, request.limit), sent.limit);
    mb_list_request_release(&request);
  }
}

TEST(CDocuments, ReadsTheReadRequestWithItsLinesAndMetric) {
  ReadRequest sent;
  sent.effective_date = "2026-03-01";
  sent.lines = {{"k1", "acct-1", "svc-1", MB_METRIC_USERS, 41},
                {"k2", "\xc3\xa9t\xc3\xa9 \"quoted\"", "svc-2", MB_METRIC_DEVICES, std::nullopt}};
  const std::string json = encode(sent);
  mb_read_request request;
  mb_error error;
  ASSERT_TRUE(mb_read_request_from_json(view(json), &request, &error)) << error.message;
  EXPECT_EQ(std::string(request.effective_date), sent.effective_date);
  ASSERT_EQ(request.line_count, sent.lines.size());
  for (size_t i = 0; i < sent.lines.size(); ++i) {
    EXPECT_EQ(std::string(request.lines[i].key), sent.lines[i].key);
    EXPECT_EQ(std::string(request.lines[i].account_id), sent.lines[i].account_id);
    EXPECT_EQ(std::string(request.lines[i].service_id), sent.lines[i].service_id);
    EXPECT_EQ(std::string(request.lines[i].metric), sent.lines[i].metric);
    EXPECT_EQ(optional(request.lines[i].has_last_pushed, request.lines[i].last_pushed),
              sent.lines[i].last_pushed);
  }
  mb_read_request_release(&request);
  EXPECT_EQ(request.lines, nullptr);
  mb_read_request_release(&request);  // twice is harmless
}

TEST(CDocuments, ReadsTheApplyRequestWithItsLinesAndReferences) {
  ApplyRequest sent;
  sent.idempotency_key = "run-7/batch-2";
  sent.effective_date = "2026-03-01";
  sent.final = false;
  sent.lines = {{"k1", "a1", "s1", 50, 43, MB_METRIC_USERS, R"({"contract_service_id":55120})"},
                {"k2", "a2", "s2", std::nullopt, std::nullopt, MB_METRIC_DEVICES, ""}};
  const std::string json = encode(sent);
  mb_apply_request request;
  ASSERT_TRUE(mb_apply_request_from_json(view(json), &request, nullptr)) << json;
  EXPECT_EQ(optional(request.idempotency_key), sent.idempotency_key);
  EXPECT_EQ(std::string(request.effective_date), sent.effective_date);
  EXPECT_EQ(request.final, 0);
  ASSERT_EQ(request.line_count, 2u);
  for (size_t i = 0; i < 2; ++i) {
    const mb_apply_line& line = request.lines[i];
    EXPECT_EQ(std::string(line.key), sent.lines[i].key);
    EXPECT_EQ(std::string(line.account_id), sent.lines[i].account_id);
    EXPECT_EQ(std::string(line.service_id), sent.lines[i].service_id);
    EXPECT_EQ(optional(line.has_target, line.target), sent.lines[i].target);
    EXPECT_EQ(optional(line.has_expected_current, line.expected_current),
              sent.lines[i].expected_current);
    EXPECT_EQ(std::string(line.metric), sent.lines[i].metric);
  }
  EXPECT_EQ(text(request.lines[0].line_ref), sent.lines[0].line_ref);
  EXPECT_EQ(text(request.lines[1].line_ref), "{}");  // the host sends {} for no reference
  mb_apply_request_release(&request);
}

TEST(CDocuments, ReadsProvisioningSetStatusAndLinkingRequests) {
  {
    ProvisionAccountsRequest sent{{{"a1", "Acme"}, {"a2", "Globex"}}};
    const std::string json = encode(sent);
    mb_provision_accounts_request request;
    ASSERT_TRUE(mb_provision_accounts_request_from_json(view(json), &request, nullptr));
    ASSERT_EQ(request.account_count, 2u);
    EXPECT_STREQ(request.accounts[1].id, "a2");
    EXPECT_STREQ(request.accounts[1].name, "Globex");
    mb_provision_accounts_request_release(&request);
  }
  {
    ProvisionServicesRequest sent{{{"s1", "Seats", "p-9"}, {"s2", "Devices", std::nullopt}}};
    const std::string json = encode(sent);
    mb_provision_services_request request;
    ASSERT_TRUE(mb_provision_services_request_from_json(view(json), &request, nullptr));
    ASSERT_EQ(request.service_count, 2u);
    EXPECT_STREQ(request.services[0].platform_id, "p-9");
    EXPECT_EQ(request.services[1].platform_id, nullptr);
    EXPECT_STREQ(request.services[1].name, "Devices");
    mb_provision_services_request_release(&request);
  }
  {
    const std::string json = encode(SetStatusRequest{"active"});
    mb_set_status_request request;
    ASSERT_TRUE(mb_set_status_request_from_json(view(json), &request, nullptr));
    EXPECT_STREQ(request.status, "active");
    mb_set_status_request_release(&request);
  }
  {
    LinkAccountsRequest sent{{{"a1", "p1"}, {"a2", "p2"}}, {"a3", "a4"}};
    const std::string json = encode(sent);
    mb_link_accounts_request request;
    ASSERT_TRUE(mb_link_accounts_request_from_json(view(json), &request, nullptr));
    ASSERT_EQ(request.link_count, 2u);
    EXPECT_STREQ(request.link[1].account_id, "a2");
    EXPECT_STREQ(request.link[1].platform_account_id, "p2");
    ASSERT_EQ(request.unlink_count, 2u);
    EXPECT_STREQ(request.unlink[1], "a4");
    mb_link_accounts_request_release(&request);
  }
}

// The same odd texts, read by both sides, read the same: ids as numbers, 3.0, wrong types,
// missing members, an empty input.
TEST(CDocuments, ReadsLenientlyExactlyWhereTheCppCodecDoes) {
  const std::string read_input =
      R"({"lines":[{"key":7,"account_id":12345678901,"service_id":true,"metric":null,
                    "last_pushed":3.0},{"last_pushed":"5"},{"key":"k","last_pushed":2.5}]})";
  ReadRequest expected = decode<ReadRequest>(read_input);
  mb_read_request request;
  ASSERT_TRUE(mb_read_request_from_json(view(read_input), &request, nullptr));
  ASSERT_EQ(request.line_count, expected.lines.size());
  for (size_t i = 0; i < expected.lines.size(); ++i) {
    EXPECT_EQ(std::string(request.lines[i].key), expected.lines[i].key);
    EXPECT_EQ(std::string(request.lines[i].account_id), expected.lines[i].account_id);
    EXPECT_EQ(std::string(request.lines[i].service_id), expected.lines[i].service_id);
    EXPECT_EQ(std::string(request.lines[i].metric), expected.lines[i].metric);
    EXPECT_EQ(optional(request.lines[i].has_last_pushed, request.lines[i].last_pushed),
              expected.lines[i].last_pushed);
  }
  EXPECT_EQ(std::string(request.effective_date), expected.effective_date);
  mb_read_request_release(&request);

  const std::string apply_input =
      R"({"final":"no","idempotency_key":null,"lines":[{"target":1e2,"line_ref":null},
          {"target":-0,"expected_current":18446744073709551615,"line_ref":[1,{"a":"b"}]}]})";
  ApplyRequest expected_apply = decode<ApplyRequest>(apply_input);
  mb_apply_request apply;
  ASSERT_TRUE(mb_apply_request_from_json(view(apply_input), &apply, nullptr));
  EXPECT_EQ(apply.final, expected_apply.final ? 1 : 0);
  EXPECT_EQ(optional(apply.idempotency_key), expected_apply.idempotency_key);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(optional(apply.lines[i].has_target, apply.lines[i].target),
              expected_apply.lines[i].target);
    EXPECT_EQ(optional(apply.lines[i].has_expected_current, apply.lines[i].expected_current),
              expected_apply.lines[i].expected_current);
    EXPECT_EQ(text(apply.lines[i].line_ref), expected_apply.lines[i].line_ref);
  }
  mb_apply_request_release(&apply);

  mb_list_request list;
  ASSERT_TRUE(mb_list_request_from_json(mb_str{nullptr, 0}, &list, nullptr));  // {} from old hosts
  EXPECT_EQ(list.cursor, nullptr);
  EXPECT_EQ(list.has_limit, 0);
  mb_list_request_release(&list);
  ASSERT_TRUE(mb_list_request_from_json(view(R"({"cursor":17,"limit":"10"})"), &list, nullptr));
  ListRequest expected_list = decode<ListRequest>(R"({"cursor":17,"limit":"10"})");
  EXPECT_EQ(optional(list.cursor), expected_list.cursor);
  EXPECT_EQ(optional(list.has_limit, list.limit), expected_list.limit);
  mb_list_request_release(&list);

  const std::string link_input = R"({"link":[{"account_id":"a"},5,"x"],"unlink":[]})";
  LinkAccountsRequest expected_link = decode<LinkAccountsRequest>(link_input);
  mb_link_accounts_request link;
  ASSERT_TRUE(mb_link_accounts_request_from_json(view(link_input), &link, nullptr));
  ASSERT_EQ(link.link_count, expected_link.link.size());
  for (size_t i = 0; i < link.link_count; ++i) {
    EXPECT_EQ(std::string(link.link[i].account_id), expected_link.link[i].account_id);
    EXPECT_EQ(std::string(link.link[i].platform_account_id),
              expected_link.link[i].platform_account_id);
  }
  mb_link_accounts_request_release(&link);
}

// ---- Malformed input: refused with the document and member named, never a crash -------------

TEST(CDocuments, RefusesMalformedRequestsNamingTheDocumentAndMember) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case read_cases[] = {
      {"not json", "read_quantities input: the document is not a JSON object (invalid JSON"},
      {"[]", "read_quantities input: the document is not a JSON object"},
      {"{}", "read_quantities input: no \"lines\" array"},
      {R"({"lines":{}})", "read_quantities input: no \"lines\" array"},
      {R"({"lines":[{},3]})", "read_quantities input: an item of \"lines\" is not an object"},
      {"{\"lines\":[{\"key\":\"\xff\"}]}", "read_quantities input: the document is not a JSON"},
      {R"({"lines":[)", "read_quantities input: the document is not a JSON object (invalid"},
  };
  for (const Case& c : read_cases) {
    mb_read_request request;
    mb_error error;
    EXPECT_FALSE(mb_read_request_from_json(view(c.input), &request, &error)) << c.input;
    EXPECT_EQ(error.error_class, MB_STATUS_CONFIG_INVALID);
    EXPECT_EQ(std::string(error.message).rfind(c.message, 0), 0u) << error.message;
    EXPECT_EQ(request.lines, nullptr);
    EXPECT_EQ(request.owned, nullptr);
    mb_read_request_release(&request);
    // The C++ codec refuses the same texts.
    EXPECT_THROW(decode<ReadRequest>(c.input), DocumentError) << c.input;
  }
  mb_error error;
  mb_apply_request apply;
  EXPECT_FALSE(mb_apply_request_from_json(view(R"({"lines":null})"), &apply, &error));
  EXPECT_STREQ(error.message, "apply_quantities input: no \"lines\" array");
  mb_provision_accounts_request accounts;
  EXPECT_FALSE(mb_provision_accounts_request_from_json(view("{}"), &accounts, &error));
  EXPECT_STREQ(error.message, "provision_accounts input: no \"accounts\" array");
  mb_provision_services_request services;
  EXPECT_FALSE(
      mb_provision_services_request_from_json(view(R"({"services":[1]})"), &services, &error));
  EXPECT_STREQ(error.message, "provision_services input: an item of \"services\" is not an object");
  mb_link_accounts_request link;
  EXPECT_FALSE(mb_link_accounts_request_from_json(view(R"({"unlink":["a",2]})"), &link, &error));
  EXPECT_STREQ(error.message, "link_accounts input: unlink holds a non-string");
  mb_authenticate_request auth;
  EXPECT_FALSE(mb_authenticate_request_from_json(view("\"connect\""), &auth, nullptr));
  mb_set_status_request status;
  EXPECT_FALSE(mb_set_status_request_from_json(view("{"), &status, &error));
  EXPECT_EQ(std::string(error.message).rfind("set_status input:", 0), 0u);
}

// ---- What a C plugin answers: the C writers write the C++ codec's very text ------------------

TEST(CDocuments, WritesTheAuthenticateResultAsTheCppCodecDoes) {
  mb_authenticate_result c_result = {MB_AUTH_CONFLICT, "integration disabled", "active"};
  AuthenticateResult cpp{AuthStatus::kConflict, "integration disabled", "active"};
  const std::string written = take(mb_authenticate_result_to_json(&c_result));
  EXPECT_EQ(written, encode(cpp));
  mb_authenticate_result empty = {};
  AuthenticateResult read =
      decode<AuthenticateResult>(take(mb_authenticate_result_to_json(&empty)));
  EXPECT_EQ(read.status, AuthStatus::kUnreachable);
}

TEST(CDocuments, WritesAListPageAsTheCppCodecDoes) {
  mb_list_item items[3] = {};
  items[0] = {"1", "Acme \"East\"", 1, 1, R"( {"region": "eu"} )"};
  items[1] = {"2", "Globex", 1, 0, nullptr};
  items[2] = {"seats", "Seats", 0, 0, nullptr};
  mb_list_page page = {items, 3, "next-3"};
  ListPage cpp;
  cpp.items = {{"1", "Acme \"East\"", true, R"({"region":"eu"})"},
               {"2", "Globex", false, ""},
               {"seats", "Seats", std::nullopt, ""}};
  cpp.next_cursor = "next-3";
  EXPECT_EQ(take(mb_list_page_to_json(&page)), encode(cpp));
  mb_list_page last = {nullptr, 0, nullptr};
  EXPECT_EQ(take(mb_list_page_to_json(&last)), encode(ListPage{}));
}

TEST(CDocuments, WritesAReadResultAsTheCppCodecDoes) {
  mb_read_line_result lines[3] = {};
  lines[0].key = "k1";
  lines[0].has_quantity = 1;
  lines[0].quantity = 42;
  lines[0].line_ref = R"({"contract_service_id":55120})";
  lines[1].key = "k2";
  lines[1].reason = MB_REASON_AMBIGUOUS_CONTRACT_LINE;
  lines[1].message = "two lines match \xe2\x80\x94 pick one";
  lines[2].key = "k3";
  lines[2].has_quantity = 1;
  lines[2].quantity = -9223372036854775807 - 1;
  mb_read_result result = {lines, 3};
  ReadResult cpp;
  cpp.lines.resize(3);
  cpp.lines[0] = {"k1", 42, std::nullopt, "", "", R"({"contract_service_id":55120})"};
  cpp.lines[1] = {"k2",
                  std::nullopt,
                  Reason::kAmbiguousContractLine,
                  "",
                  "two lines match \xe2\x80\x94 pick one",
                  ""};
  cpp.lines[2] = {"k3", INT64_MIN, std::nullopt, "", "", ""};
  const std::string written = take(mb_read_result_to_json(&result));
  EXPECT_EQ(written, encode(cpp));
  ReadResult read = decode<ReadResult>(written);
  EXPECT_EQ(read.lines[1].reason, Reason::kAmbiguousContractLine);
  EXPECT_EQ(read.lines[0].line_ref, cpp.lines[0].line_ref);
}

TEST(CDocuments, WritesAnApplyResultWithOutcomesAndErrorClassesAsTheCppCodecDoes) {
  mb_apply_line_result lines[4] = {};
  lines[0] = {"k1", MB_OUTCOME_UPDATED, 1, 50, MB_STATUS_OK, nullptr, 0};
  lines[1] = {"k2", MB_OUTCOME_FAILED, 0, 0, MB_STATUS_RATE_LIMITED, "throttled", 0};
  lines[2] = {"k3", MB_OUTCOME_FAILED, 0, 0, MB_STATUS_RETRY, "no answer after sending", 1};
  lines[3] = {"k4", nullptr, 0, 0, MB_STATUS_OK, nullptr, 0};  // no outcome: failed
  mb_apply_result result = {lines, 4};
  ApplyResult cpp;
  cpp.lines = {
      {"k1", Outcome::kUpdated, 50, std::nullopt, "", false},
      {"k2", Outcome::kFailed, std::nullopt, MB_STATUS_RATE_LIMITED, "throttled", false},
      {"k3", Outcome::kFailed, std::nullopt, MB_STATUS_RETRY, "no answer after sending", true},
      {"k4", Outcome::kFailed, std::nullopt, std::nullopt, "", false}};
  const std::string written = take(mb_apply_result_to_json(&result));
  EXPECT_EQ(written, encode(cpp));
  ApplyResult read = decode<ApplyResult>(written);
  EXPECT_EQ(read.lines[1].error_class, MB_STATUS_RATE_LIMITED);
  EXPECT_TRUE(read.lines[2].in_doubt);
}

TEST(CDocuments, WritesProvisioningSetStatusAndLinkingResultsAsTheCppCodecDoes) {
  mb_provisioned_account accounts[2] = {{"a1", "p-1", "Acme", MB_PROVISION_CREATED, nullptr},
                                        {"a2", nullptr, "Globex", nullptr, "refused"}};
  mb_provision_accounts_result accounts_result = {accounts, 2};
  ProvisionAccountsResult cpp_accounts;
  cpp_accounts.items = {{"a1", "p-1", "Acme", ProvisionOutcome::kCreated, "", ""},
                        {"a2", std::nullopt, "Globex", std::nullopt, "", "refused"}};
  EXPECT_EQ(take(mb_provision_accounts_result_to_json(&accounts_result)), encode(cpp_accounts));

  mb_provisioned_service services[2] = {
      {"s1", "p-9", MB_PROVISION_MATCHED, MB_METRIC_DEVICES, nullptr},
      {"s2", nullptr, MB_PROVISION_FAILED, nullptr, "no such product"}};
  mb_provision_services_result services_result = {services, 2};
  ProvisionServicesResult cpp_services;
  cpp_services.items = {{"s1", "p-9", ProvisionOutcome::kMatched, "", MB_METRIC_DEVICES, ""},
                        {"s2", "", ProvisionOutcome::kFailed, "", std::nullopt, "no such product"}};
  EXPECT_EQ(take(mb_provision_services_result_to_json(&services_result)), encode(cpp_services));

  mb_set_status_result status = {"active", "now billing"};
  EXPECT_EQ(take(mb_set_status_result_to_json(&status)),
            encode(SetStatusResult{"active", "now billing"}));

  mb_linked_account links[3] = {{"a1", "p1", MB_LINK_LINKED, nullptr},
                                {"a2", nullptr, MB_LINK_UNLINKED, ""},
                                {"a3", nullptr, nullptr, "unknown platform account"}};
  mb_link_accounts_result link_result = {links, 3};
  LinkAccountsResult cpp_links;
  cpp_links.items = {{"a1", "p1", LinkOutcome::kLinked, ""},
                     {"a2", std::nullopt, LinkOutcome::kUnlinked, ""},
                     {"a3", std::nullopt, LinkOutcome::kFailed, "unknown platform account"}};
  EXPECT_EQ(take(mb_link_accounts_result_to_json(&link_result)), encode(cpp_links));
}

TEST(CDocuments, WritesWriteIntentsAndHttpRequestsAsTheCppCodecDoes) {
  mb_write_intent intents[2] = {{"k1", 1, 43, 50, R"({"contract_service_id":55120})"},
                                {"k2", 0, 0, 7, nullptr}};
  std::vector<WriteIntent> cpp_intents = {{"k1", 43, 50, R"({"contract_service_id":55120})"},
                                          {"k2", std::nullopt, 7, ""}};
  EXPECT_EQ(take(mb_write_intents_to_json(intents, 2)), encode_array(cpp_intents));

  mb_http_header headers[2] = {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}};
  mb_http_request requests[3] = {};
  requests[0].url = "https://api.example.com/v1/customers?page=2";
  requests[0].headers = headers;
  requests[0].header_count = 2;
  requests[0].endpoint = "customers";
  requests[1].method = "POST";
  requests[1].url = "https://api.example.com/v1/adjustments";
  requests[1].body = R"({"unitChange":3})";
  requests[1].idempotency = MB_HTTP_NOT_IDEMPOTENT;
  requests[1].timeout_ms = 5000;
  requests[2].method = "PUT";
  requests[2].url = "https://api.example.com/v1/counts/1";
  requests[2].body = "";
  requests[2].idempotency = MB_HTTP_IDEMPOTENT;
  std::vector<HttpRequest> cpp(3);
  cpp[0].url = requests[0].url;
  cpp[0].headers = {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}};
  cpp[0].endpoint = "customers";
  cpp[1].method = "POST";
  cpp[1].url = requests[1].url;
  cpp[1].body = R"({"unitChange":3})";
  cpp[1].idempotent = false;
  cpp[1].timeout_ms = 5000;
  cpp[2].method = "PUT";
  cpp[2].url = requests[2].url;
  cpp[2].body = "";
  cpp[2].idempotent = true;
  const std::string written = take(mb_http_requests_to_json(requests, 3));
  EXPECT_EQ(written, encode_array(cpp));
  std::vector<HttpRequest> read = decode_array<HttpRequest>(written, "batch");
  EXPECT_EQ(read[1].idempotent, false);
  EXPECT_EQ(read[0].headers, cpp[0].headers);
}

// ---- HTTP responses: the host's C++ side writes them, the C reader reads them ----------------

TEST(CDocuments, ReadsHttpResponsesKeepingRetryAfterAndMayHaveBeenSent) {
  std::vector<HttpResponse> sent(3);
  sent[0].status = 200;
  sent[0].headers = {{"content-type", "application/json"}};
  sent[0].body = R"({"items":[]})";
  sent[0].attempts = 1;
  sent[1].status = 429;
  sent[1].retry_after_ms = 30000;
  sent[1].attempts = 3;
  sent[2].attempts = 2;
  sent[2].error = HttpError{MB_STATUS_RETRY, "connection reset", true};
  const std::string json = encode_array(sent);
  mb_http_responses responses;
  mb_error error;
  ASSERT_TRUE(mb_http_responses_from_json(view(json), &responses, &error)) << error.message;
  ASSERT_EQ(responses.count, 3u);
  const mb_http_response& ok = responses.items[0];
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(std::string(ok.body, ok.body_length), sent[0].body);
  EXPECT_STREQ(mb_http_response_header(&ok, "content-type"), "application/json");
  EXPECT_EQ(mb_http_response_header(&ok, "retry-after"), nullptr);
  EXPECT_EQ(ok.has_error, 0);
  EXPECT_EQ(responses.items[1].retry_after_ms, 30000u);
  EXPECT_EQ(mb_http_retry_after_ms(&responses.items[1]), 30000u);
  EXPECT_EQ(responses.items[1].attempts, 3);
  const mb_http_response& lost = responses.items[2];
  EXPECT_EQ(lost.status, 0);
  EXPECT_EQ(lost.has_error, 1);
  EXPECT_EQ(lost.error_class, MB_STATUS_RETRY);
  EXPECT_STREQ(lost.error_message, "connection reset");
  EXPECT_EQ(lost.error_sent, 1);
  mb_http_responses_release(&responses);
}

TEST(CDocuments, ReadsRetryAfterFromTheHeaderWhenTheHostGaveNone) {
  const std::string json =
      R"([{"status":503,"headers":{"retry-after":"120"},"body":"","attempts":1},
          {"status":503,"headers":{"retry-after":"Wed, 21 Oct 2015 07:28:00 GMT"},"attempts":1},
          {"status":0,"error":{"message":"?"},"attempts":1}])";
  HttpResponse cpp_header = decode_array<HttpResponse>(json, "r")[0];
  mb_http_responses responses;
  ASSERT_TRUE(mb_http_responses_from_json(view(json), &responses, nullptr));
  EXPECT_EQ(mb_http_retry_after_ms(&responses.items[0]), 120000u);
  EXPECT_EQ(mb_http_retry_after_ms(&responses.items[0]), retry_after_ms(cpp_header));
  EXPECT_EQ(mb_http_retry_after_ms(&responses.items[1]), 0u);
  // Without a class or "sent": transient, and maybe sent, as the C++ codec reads it.
  EXPECT_EQ(responses.items[2].error_class, MB_STATUS_RETRY);
  EXPECT_EQ(responses.items[2].error_sent, 1);
  mb_http_responses_release(&responses);
}

TEST(CDocuments, RefusesAnUnreadableResponseArray) {
  for (const char* bad : {"{}", "[1]", "[{}", ""}) {
    mb_http_responses responses;
    mb_error error;
    EXPECT_FALSE(mb_http_responses_from_json(view(bad), &responses, &error)) << bad;
    EXPECT_EQ(std::string(error.message).rfind("the host's HTTP responses:", 0), 0u)
        << error.message;
    EXPECT_EQ(responses.items, nullptr);
    mb_http_responses_release(&responses);
  }
}

// ---- Calling the host: a scripted host-services table ---------------------------------------

struct ScriptedHost {
  mb_status http_status = MB_STATUS_OK;
  std::string http_answer;
  std::string http_batch_seen;
  mb_status journal_status = MB_STATUS_OK;
  std::string journal_seen;
  std::string result;
  mb_status error_class = MB_STATUS_OK;
  uint64_t retry_after_ms = 0;
  std::string error_message;
  mb_host_services services{};

  ScriptedHost() {
    services.size = sizeof services;
    services.abi_major = MB_ABI_VERSION_MAJOR;
    services.abi_minor = MB_ABI_VERSION_MINOR;
    services.callback_result_set = [](mb_call_host_ptr call, mb_str json) {
      self(call)->result.assign(json.ptr, json.len);
    };
    services.callback_error_set = [](mb_call_host_ptr call, mb_status cls, uint64_t after,
                                     mb_str message) {
      self(call)->error_class = cls;
      self(call)->retry_after_ms = after;
      self(call)->error_message.assign(message.ptr, message.len);
    };
    services.callback_http_batch = [](mb_call_host_ptr call, mb_str requests, mb_str* out) {
      ScriptedHost* host = self(call);
      host->http_batch_seen.assign(requests.ptr, requests.len);
      *out = mb_str{host->http_answer.data(), host->http_answer.size()};
      return host->http_status;
    };
    services.callback_journal_intents = [](mb_call_host_ptr call, mb_str intents) {
      self(call)->journal_seen.assign(intents.ptr, intents.len);
      return self(call)->journal_status;
    };
  }
  static ScriptedHost* self(mb_call_host_ptr call) { return static_cast<ScriptedHost*>(call); }
  mb_call_host_ptr call() { return this; }
};

TEST(CDocuments, RunsAnHttpBatchThroughTheHost) {
  ScriptedHost host;
  host.http_answer =
      R"([{"status":429,"headers":{},"body":"","attempts":1,"retry_after_ms":5000}])";
  mb_http_request request = {};
  request.url = "https://api.example.com/v1/customers";
  mb_http_responses responses;
  mb_error error;
  ASSERT_EQ(mb_http_run(&host.services, host.call(), &request, 1, &responses, &error),
            MB_STATUS_OK);
  EXPECT_EQ(host.http_batch_seen,
            R"([{"method":"GET","url":"https://api.example.com/v1/customers"}])");
  EXPECT_EQ(mb_http_retry_after_ms(&responses.items[0]), 5000u);
  mb_http_responses_release(&responses);
}

TEST(CDocuments, ReportsARefusedBatchWithTheHostsClassMessageAndWait) {
  ScriptedHost host;
  host.http_status = MB_STATUS_RATE_LIMITED;
  host.http_answer = encode(ErrorDocument{MB_STATUS_RATE_LIMITED, "hourly budget spent", 60000});
  mb_http_request request = {};
  request.url = "https://api.example.com/";
  mb_http_responses responses;
  mb_error error;
  EXPECT_EQ(mb_http_run(&host.services, host.call(), &request, 1, &responses, &error),
            MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(error.error_class, MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(error.retry_after_ms, 60000u);
  EXPECT_STREQ(error.message, "the host refused the HTTP batch: hourly budget spent");
  EXPECT_EQ(responses.items, nullptr);
  // A hook passes it straight on.
  EXPECT_EQ(mb_send_error(&host.services, host.call(), &error), MB_STATUS_RATE_LIMITED);
  EXPECT_EQ(host.retry_after_ms, 60000u);
  EXPECT_EQ(host.error_message, error.message);
}

TEST(CDocuments, FailsABatchWhoseAnswerIsUnreadableOrShort) {
  ScriptedHost host;
  mb_http_request requests[2] = {};
  requests[0].url = requests[1].url = "https://api.example.com/";
  mb_http_responses responses;
  mb_error error;
  host.http_answer = "garbage";
  EXPECT_EQ(mb_http_run(&host.services, host.call(), requests, 2, &responses, &error),
            MB_STATUS_FATAL);
  EXPECT_EQ(std::string(error.message).rfind("the host's HTTP responses: not a JSON array", 0), 0u);
  host.http_answer = R"([{"status":200}])";
  EXPECT_EQ(mb_http_run(&host.services, host.call(), requests, 2, &responses, &error),
            MB_STATUS_FATAL);
  EXPECT_STREQ(error.message, "the host answered an HTTP batch of 2 requests with 1 responses");
  EXPECT_EQ(responses.items, nullptr);
  mb_host_services none{};
  EXPECT_EQ(mb_http_run(&none, host.call(), requests, 2, &responses, &error),
            MB_STATUS_UNSUPPORTED);
}

TEST(CDocuments, JournalsIntentsOnlyWhereTheHostOffersAJournal) {
  ScriptedHost host;
  mb_write_intent intent = {"k1", 1, 43, 50, R"({"id":1})"};
  mb_error error;
  EXPECT_EQ(mb_journal_intents(&host.services, host.call(), &intent, 1, &error), MB_STATUS_OK);
  EXPECT_EQ(host.journal_seen, R"([{"key":"k1","units_before":43,"target":50,"ref":{"id":1}}])");
  host.journal_status = MB_STATUS_RETRY;
  EXPECT_EQ(mb_journal_intents(&host.services, host.call(), &intent, 1, &error), MB_STATUS_RETRY);
  EXPECT_STREQ(error.message, "the host could not journal the writes; none was sent");
  // An ABI 1.0 host's table ends before callback_journal_intents.
  host.services.size = offsetof(mb_host_services, callback_journal_intents);
  EXPECT_EQ(mb_journal_intents(&host.services, host.call(), &intent, 1, &error),
            MB_STATUS_UNSUPPORTED);
}

TEST(CDocuments, SendsResultsAndErrorsToTheHost) {
  ScriptedHost host;
  mb_set_status_result status = {"active", ""};
  EXPECT_EQ(mb_send_result(&host.services, host.call(), mb_set_status_result_to_json(&status)),
            MB_STATUS_OK);
  EXPECT_EQ(host.result, R"({"status":"active","message":""})");
  // Out of memory while writing: the hook fails rather than answering nothing.
  EXPECT_EQ(mb_send_result(&host.services, host.call(), nullptr), MB_STATUS_FATAL);
  EXPECT_EQ(host.error_class, MB_STATUS_FATAL);
  // An error without a class is still an error.
  EXPECT_EQ(mb_fail(&host.services, host.call(), MB_STATUS_OK, 0, nullptr), MB_STATUS_FATAL);
  EXPECT_EQ(host.error_message, "unknown error");
}

TEST(CDocuments, NamesErrorClassesAsTheCppSideDoes) {
  for (mb_status status = MB_STATUS_OK; status <= MB_STATUS_FATAL + 1; ++status) {
    EXPECT_STREQ(mb_error_class_name(status), error_class_wire_name(status));
    EXPECT_EQ(mb_error_class_from_name(mb_error_class_name(status)),
              error_class_from_wire(error_class_wire_name(status)));
  }
  EXPECT_EQ(mb_error_class_from_name("nonsense"), MB_STATUS_FATAL);
  EXPECT_EQ(mb_error_class_from_name(nullptr), MB_STATUS_FATAL);
}

}  // namespace
