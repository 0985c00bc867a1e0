// Query parameters (fields, orderBy, paging) and the wire format, without HTTP in between.
#include "sim/connectwise/internal/list_query.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "sim/connectwise/internal/api_error.h"
#include "sim/connectwise/internal/wire_format.h"

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

Request request_with(std::vector<std::pair<std::string, std::string>> query,
                     std::map<std::string, std::string> headers = {}) {
  Request request;
  request.method = "GET";
  request.path = "/v2025_1/apis/3.0/company/companies";
  request.query = std::move(query);
  request.headers = std::move(headers);
  return request;
}

ApiError parse_error(const Request& request, PagingLimits limits = {}) {
  try {
    ListQuery::parse(request, Entity::kCompany, limits);
  } catch (const ApiError& error) {
    return error;
  }
  return ApiError(0, "", "no error");
}

TEST(ConnectWiseFields, KeepsOnlyTheNamedMembersInRecordOrder) {
  const json::object record = json::parse(R"({"id": 250, "identifier": "NWD", "name": "Northwind",
      "status": {"id": 1, "name": "Active", "_info": {}},
      "types": [{"id": 1, "name": "Client"}], "deletedFlag": false})")
                                  .as_object();
  const FieldSelection fields =
      FieldSelection::parse("name, STATUS/id,id,types/name", Entity::kCompany);
  EXPECT_EQ(json::value(fields.project(record)),
            json::parse(
                R"({"id":250,"name":"Northwind","status":{"id":1},"types":[{"name":"Client"}]})"));
  EXPECT_EQ(
      FieldSelection::parse("status,status/id", Entity::kCompany).project(record).at("status"),
      record.at("status"));
  EXPECT_TRUE(FieldSelection::parse("", Entity::kCompany).empty());
  EXPECT_THROW(FieldSelection::parse("id,colour", Entity::kCompany), ApiError);
}

TEST(ConnectWiseOrderBy, ParsesDirectionsAndRefusesObjects) {
  const std::vector<SortKey> keys =
      parse_order_by("name desc, company/id ASC, id", Entity::kAgreement);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_TRUE(keys[0].descending);
  EXPECT_EQ(keys[1].field.segments, (std::vector<std::string>{"company", "id"}));
  EXPECT_FALSE(keys[2].descending);
  EXPECT_THROW(parse_order_by("name sideways", Entity::kAgreement), ApiError);
  EXPECT_THROW(parse_order_by("company", Entity::kAgreement), ApiError);
  EXPECT_THROW(parse_order_by("nonsense", Entity::kAgreement), ApiError);
}

TEST(ConnectWiseOrderBy, OrdersNullsFirstAndStringsIgnoringCase) {
  Request request = request_with({{"orderBy", "name asc"}});
  const ListQuery query = ListQuery::parse(request, Entity::kCompany, {});
  const json::object a = json::parse(R"({"id": 1, "name": "beta"})").as_object();
  const json::object b = json::parse(R"({"id": 2, "name": "Alpha"})").as_object();
  const json::object unnamed = json::parse(R"({"id": 3})").as_object();
  EXPECT_TRUE(query.before(b, a));
  EXPECT_TRUE(query.before(unnamed, b));
  EXPECT_FALSE(query.before(a, a));
}

TEST(ConnectWisePaging, DefaultsTo25AndCapsAt1000) {
  EXPECT_EQ(ListQuery::parse(request_with({}), Entity::kCompany, {}).paging.page_size, 25);
  EXPECT_EQ(
      ListQuery::parse(request_with({{"pagesize", "1000"}}), Entity::kCompany, {}).paging.page_size,
      1000);
  const ApiError too_big = parse_error(request_with({{"pageSize", "1001"}}));
  EXPECT_EQ(too_big.status(), 400);
  EXPECT_EQ(json::value(too_big.body()),
            json::parse(R"({"code":"InvalidObject","message":"pageSize object is invalid",
              "errors":[{"code":"OutOfRange",
                         "message":"The field pageSize must be between 1 and 1000.",
                         "resource":"pageSize","field":"pageSize"}]})"));
  PagingLimits clamping;
  clamping.clamp_over_max = true;
  EXPECT_EQ(ListQuery::parse(request_with({{"pageSize", "5000"}}), Entity::kCompany, clamping)
                .paging.page_size,
            1000);
  EXPECT_EQ(parse_error(request_with({{"pageSize", "0"}})).status(), 400);
  EXPECT_EQ(parse_error(request_with({{"page", "0"}})).status(), 400);
  EXPECT_EQ(parse_error(request_with({{"page", "two"}})).status(), 400);
}

TEST(ConnectWisePaging, ForwardOnlyTakesPageIdAndRefusesOrderBy) {
  const std::map<std::string, std::string> forward = {{"pagination-type", "forward-only"}};
  const ListQuery query = ListQuery::parse(
      request_with({{"pageId", "260"}, {"page", "7"}}, forward), Entity::kCompany, {});
  EXPECT_TRUE(query.paging.forward_only);
  EXPECT_EQ(query.paging.page_id, 260);
  EXPECT_FALSE(query.matches(json::parse(R"({"id": 260})").as_object()));
  EXPECT_TRUE(query.matches(json::parse(R"({"id": 261})").as_object()));
  EXPECT_EQ(parse_error(request_with({{"orderBy", "name"}}, forward)).status(), 400);
}

TEST(ConnectWiseWireFormat, DecimalsKeepTheirFraction) {
  EXPECT_EQ(
      to_wire_json(json::parse(R"({"id":77,"quantity":40.0,"unitPrice":4.5,"q":[0.0,-2.0]})")),
      R"({"id":77,"quantity":40.0,"unitPrice":4.5,"q":[0.0,-2.0]})");
  EXPECT_EQ(to_wire_json(json::value("a\"b")), R"("a\"b")");
}

TEST(ConnectWiseWireFormat, TimestampsRoundTrip) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(format_timestamp(*parse_timestamp("2025-06-01")), "2025-06-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2025-06-01T10:11:12.345+02:00")),
            "2025-06-01T08:11:12Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
  EXPECT_FALSE(parse_timestamp("2025-02-29"));
  EXPECT_FALSE(parse_timestamp("2025-1-1"));
  EXPECT_FALSE(parse_timestamp("yesterday"));
}

}  // namespace
}  // namespace mb::sim::connectwise
