// The conditions language, evaluated directly against records.
#include "sim/connectwise/internal/conditions.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace mb::sim::connectwise {
namespace {

namespace json = boost::json;

json::object company(const char* text) { return json::parse(text).as_object(); }

const json::object kNorthwind = company(R"({
  "id": 250, "identifier": "NWD", "name": "Northwind Dental & Co",
  "status": {"id": 1, "name": "Active", "_info": {}},
  "types": [{"id": 1, "name": "Client"}, {"id": 4, "name": "Partner"}],
  "deletedFlag": false, "annualRevenue": 1250000.5,
  "dateAcquired": "2024-03-15T00:00:00Z",
  "_info": {"lastUpdated": "2025-02-01T10:00:00Z"},
  "customFields": [{"id": 7, "caption": "Region", "value": "West"}]
})");

const json::object kMargies = company(R"({
  "id": 252, "identifier": "MargiesTravel", "name": "Margie's Travel",
  "status": {"id": 2, "name": "Inactive"}, "deletedFlag": true
})");

const json::object kQuoted = company(R"({
  "id": 253, "identifier": "QuotedCo", "name": "The \"Quoted\" Company", "deletedFlag": false
})");

bool matches(const std::string& text, const json::object& record,
             ConditionScope scope = ConditionScope::kConditions) {
  return RecordFilter::parse(text, Entity::kCompany, scope).matches(record);
}

std::string error_of(const std::string& text, ConditionScope scope = ConditionScope::kConditions) {
  try {
    RecordFilter::parse(text, Entity::kCompany, scope);
  } catch (const ConditionError& error) {
    return error.what();
  }
  return "";
}

TEST(ConnectWiseConditions, BlankMatchesEverything) {
  EXPECT_TRUE(RecordFilter::parse("  ", Entity::kCompany, ConditionScope::kConditions).empty());
  EXPECT_TRUE(matches("", kNorthwind));
}

TEST(ConnectWiseConditions, StringsInEitherQuoteIgnoringCase) {
  EXPECT_TRUE(matches(R"(name = "Northwind Dental & Co")", kNorthwind));
  EXPECT_TRUE(matches(R"(name = 'northwind dental & co')", kNorthwind));
  EXPECT_FALSE(matches(R"(name = "Northwind")", kNorthwind));
  EXPECT_TRUE(matches(R"(identifier != "XYZ")", kNorthwind));
}

TEST(ConnectWiseConditions, QuotesInsideValues) {
  // The documented way: the other quote character.
  EXPECT_TRUE(matches(R"(name = "Margie's Travel")", kMargies));
  EXPECT_TRUE(matches(R"(name = 'The "Quoted" Company')", kQuoted));
  // A backslash escapes the enclosing quote.
  EXPECT_TRUE(matches(R"(name = 'Margie\'s Travel')", kMargies));
  EXPECT_TRUE(matches(R"(name = "The \"Quoted\" Company")", kQuoted));
  // An unescaped quote of the same kind ends the string, leaving garbage behind.
  EXPECT_FALSE(error_of(R"(name = 'Margie's Travel')").empty());
}

TEST(ConnectWiseConditions, NumbersAndComparisons) {
  EXPECT_TRUE(matches("id = 250", kNorthwind));
  EXPECT_TRUE(matches("id > 249 and id <= 250", kNorthwind));
  EXPECT_FALSE(matches("id < 250", kNorthwind));
  EXPECT_TRUE(matches("annualRevenue >= 1250000.5", kNorthwind));
  EXPECT_TRUE(matches("annualRevenue > -1", kNorthwind));
}

TEST(ConnectWiseConditions, NullMeansMissingOrNull) {
  EXPECT_TRUE(matches("dateDeleted = null", kNorthwind));
  EXPECT_FALSE(matches("dateDeleted != null", kNorthwind));
  EXPECT_TRUE(matches("dateAcquired != NULL", kNorthwind));
  // A comparison with a missing value is never true, negated or not (SQL semantics).
  EXPECT_FALSE(matches("annualRevenue != 5", kMargies));
}

TEST(ConnectWiseConditions, BooleansInAnyCase) {
  EXPECT_TRUE(matches("deletedFlag = false", kNorthwind));
  EXPECT_TRUE(matches("deletedFlag = False", kNorthwind));
  EXPECT_TRUE(matches("deletedFlag = TRUE", kMargies));
}

TEST(ConnectWiseConditions, DateTimesInBrackets) {
  EXPECT_TRUE(matches("dateAcquired > [2024-01-01T00:00:00Z]", kNorthwind));
  EXPECT_TRUE(matches("dateAcquired = [2024-03-15]", kNorthwind));
  EXPECT_FALSE(matches("dateAcquired < [2024-03-15T00:00:00Z]", kNorthwind));
  // lastUpdated is a shortcut for _info/lastUpdated.
  EXPECT_TRUE(matches("lastUpdated > [2025-01-01T00:00:00Z]", kNorthwind));
  EXPECT_TRUE(matches("_info/lastUpdated < [2026-01-01T00:00:00Z]", kNorthwind));
}

TEST(ConnectWiseConditions, NestedFieldsWithSlash) {
  EXPECT_TRUE(matches("status/id = 1", kNorthwind));
  EXPECT_TRUE(matches(R"(status/name = "Active")", kNorthwind));
  EXPECT_TRUE(matches(R"(Status/Name = "inactive")", kMargies));  // field names in any case
}

TEST(ConnectWiseConditions, AndOrWithParentheses) {
  // "and" binds tighter than "or".
  EXPECT_TRUE(matches("id = 1 and id = 2 or id = 250", kNorthwind));
  EXPECT_FALSE(matches("id = 1 and (id = 2 or id = 250)", kNorthwind));
  EXPECT_TRUE(matches("(id = 250 or id = 251) AND deletedFlag = false", kNorthwind));
  EXPECT_FALSE(matches("(id = 250 or id = 252) and deletedFlag = false", kMargies));
  EXPECT_TRUE(matches("not (id = 1)", kNorthwind));
  EXPECT_FALSE(matches("not id = 250", kNorthwind));
}

TEST(ConnectWiseConditions, InLists) {
  EXPECT_TRUE(matches("id in (1, 250, 3)", kNorthwind));
  EXPECT_FALSE(matches("id in (1,2,3)", kNorthwind));
  EXPECT_TRUE(matches(R"(identifier in ("ABC", 'nwd'))", kNorthwind));
  EXPECT_TRUE(matches("id not in (1, 2)", kNorthwind));
}

TEST(ConnectWiseConditions, Contains) {
  EXPECT_TRUE(matches(R"(name contains "dental &")", kNorthwind));
  EXPECT_FALSE(matches(R"(name contains "Legal")", kNorthwind));
  EXPECT_TRUE(matches(R"(name not contains "Legal")", kNorthwind));
}

TEST(ConnectWiseConditions, LikeFollowsSqlServer) {
  EXPECT_TRUE(matches(R"(name like "North%")", kNorthwind));
  EXPECT_TRUE(matches(R"(name like "%DENTAL%")", kNorthwind));
  EXPECT_TRUE(matches(R"(name like "North*Co")", kNorthwind));  // * is a wildcard too
  EXPECT_TRUE(matches(R"(identifier like "N_D")", kNorthwind));
  EXPECT_FALSE(matches(R"(identifier like "N_")", kNorthwind));
  EXPECT_TRUE(matches(R"(identifier like "[LMN]WD")", kNorthwind));
  EXPECT_TRUE(matches(R"(identifier like "[^X]WD")", kNorthwind));
  EXPECT_TRUE(matches(R"(name not like "%Legal%")", kNorthwind));
  const json::object bracketed = company(R"({"id": 9, "name": "[Test] Lab"})");
  EXPECT_TRUE(matches(R"(name like "[[]Test]%")", bracketed));
}

TEST(ConnectWiseConditions, ChildConditionsReachIntoCollections) {
  EXPECT_TRUE(matches(R"(types/name = "Partner")", kNorthwind, ConditionScope::kChildConditions));
  EXPECT_FALSE(matches("types/id = 3", kNorthwind, ConditionScope::kChildConditions));
  EXPECT_NE(error_of("types/id = 1").find("childConditions"), std::string::npos);
}

TEST(ConnectWiseConditions, CustomFieldConditionsMatchOneCustomField) {
  const auto scope = ConditionScope::kCustomFieldConditions;
  EXPECT_TRUE(matches(R"(caption = "Region" and value = "West")", kNorthwind, scope));
  EXPECT_FALSE(matches(R"(caption = "Region" and value = "East")", kNorthwind, scope));
  EXPECT_FALSE(matches(R"(caption = "Region")", kMargies, scope));
}

TEST(ConnectWiseConditions, LiteralOfTheWrongTypeGivesTheDocumentedMessage) {
  EXPECT_EQ(error_of("deletedFlag = 1"),
            "Expected a boolean value, not a numeric. String values should be enclosed with "
            "double or single quotes; DateTime values should be enclosed in square brackets; "
            "numbers should consist of only digits, and optionally a decimal point and a "
            "negation sign; boolean values should be indicated with the keywords true or false; "
            "null values should be indicated by the keyword null.");
  EXPECT_EQ(error_of(R"(id = "250")").rfind("Expected a numeric value, not a string. ", 0), 0u);
  EXPECT_EQ(error_of(R"(dateAcquired > "2024-01-01")").rfind("Expected a datetime value", 0), 0u);
}

TEST(ConnectWiseConditions, MalformedConditionsAreRefused) {
  // An unquoted string reads as an unknown keyword.
  const std::string unquoted = error_of("name = Northwind");
  EXPECT_NE(unquoted.find("Unexpected value 'Northwind'"), std::string::npos) << unquoted;
  EXPECT_NE(unquoted.find(kLiteralGuidance), std::string::npos);
  EXPECT_NE(error_of(R"(name = "open)").find("Unterminated string"), std::string::npos);
  EXPECT_NE(error_of("id = 12abc").find("'12abc' is not a valid value"), std::string::npos);
  EXPECT_NE(error_of("dateAcquired > [2024-13-01]").find("not a valid DateTime"),
            std::string::npos);
  EXPECT_NE(error_of("colour = 1").find("Unknown field 'colour'"), std::string::npos);
  EXPECT_NE(error_of("id = 1 and").find("Expected a field name"), std::string::npos);
  EXPECT_NE(error_of("(id = 1").find("Expected ')'"), std::string::npos);
  EXPECT_NE(error_of("id == 1").find("Expected a value"), std::string::npos);
  EXPECT_NE(error_of("status = 1").find("compare one of its fields"), std::string::npos);
  EXPECT_NE(error_of("id like \"1%\"").find("like needs a string field"), std::string::npos);
  EXPECT_FALSE(error_of("deletedFlag > false").empty());
  EXPECT_FALSE(error_of("id 250").empty());
}

}  // namespace
}  // namespace mb::sim::connectwise
