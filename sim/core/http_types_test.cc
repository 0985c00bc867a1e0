#include "sim/core/http_types.h"

#include <gtest/gtest.h>

namespace mb::sim {
namespace {

TEST(SimParseRequestTargetTest, DecodesPathAndQuery) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(
      parse_request_target("/a%20b/c?conditions=name%3D%22A%26B%22&x=1+2&flag", path, query));
  EXPECT_EQ(path, "/a b/c");
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"conditions", "name=\"A&B\""}));
  EXPECT_EQ(query[1], (std::pair<std::string, std::string>{"x", "1 2"}));
  EXPECT_EQ(query[2], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(SimParseRequestTargetTest, KeepsPlusInThePath) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(parse_request_target("/a+b", path, query));
  EXPECT_EQ(path, "/a+b");
}

TEST(SimParseRequestTargetTest, RejectsBrokenTargets) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  EXPECT_FALSE(parse_request_target("http://example.com/", path, query));
  EXPECT_FALSE(parse_request_target("/bad%2", path, query));
  EXPECT_FALSE(parse_request_target("/x?y=%zz", path, query));
}

TEST(SimRequestTest, HeaderLookupIgnoresCase) {
  Request request;
  request.headers["authorization"] = "Bearer x";
  EXPECT_EQ(request.header("Authorization"), "Bearer x");
  EXPECT_FALSE(request.header("accept"));
}

TEST(SimRequestTest, QueryIntRejectsNonIntegers) {
  Request request;
  request.query = {{"page", "2"}, {"pageSize", "ten"}};
  EXPECT_EQ(request.query_int("page"), 2);
  EXPECT_FALSE(request.query_int("missing"));
  EXPECT_THROW(request.query_int("pageSize"), HttpError);
}

TEST(SimRequestTest, JsonBodyThrowsBadRequestForInvalidJson) {
  Request request;
  request.body = "{not json";
  try {
    request.json_body();
    FAIL() << "expected HttpError";
  } catch (const HttpError& error) {
    EXPECT_EQ(error.status(), 400);
  }
}

TEST(SimResponseTest, SetHeaderReplacesAnyCase) {
  Response response = Response::json(200, boost::json::object{{"a", 1}});
  response.set_header("content-type", "text/plain");
  EXPECT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.header("Content-Type"), "text/plain");
  EXPECT_EQ(response.body, R"({"a":1})");
}

TEST(SimUrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(url_encode_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(url_encode_component("Az09-_.~"), "Az09-_.~");
}

}  // namespace
}  // namespace mb::sim
