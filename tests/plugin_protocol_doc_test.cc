// docs/plugin-protocol.md is the contract a third party writes a process plugin from, so its
// examples must be true: every ```json block tagged with a schema name is validated against
// docs/plugin-protocol/<name>.schema.json, and every schema has at least one example.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kDocs = fs::path(MB_TEST_SOURCE_DIR) / "docs";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Example {
  std::string schema;  // "plugin-protocol/describe.request"
  std::string text;
  int line = 0;
};

// The fenced blocks opened by "```json <schema name>".
std::vector<Example> tagged_examples(const std::string& markdown) {
  std::vector<Example> out;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  Example* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (open != nullptr) {
      if (line.rfind("```", 0) == 0) {
        open = nullptr;
      } else {
        open->text += line + "\n";
      }
      continue;
    }
    const std::string fence = "```json ";
    if (line.rfind(fence, 0) == 0) {
      out.push_back(Example{line.substr(fence.size()), "", number});
      open = &out.back();
    }
  }
  return out;
}

std::vector<std::string> validation_errors(const boost::json::value& schema_doc,
                                           const boost::json::value& document) {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::BoostJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::BoostJsonAdapter adapter(document);
  std::vector<std::string> out;
  if (validator.validate(schema, adapter, &results)) return out;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& c : error.context) where += c;
    out.push_back(where + ": " + error.description);
  }
  return out;
}

TEST(PluginProtocolDoc, EveryTaggedExampleMatchesItsSchema) {
  std::vector<Example> examples = tagged_examples(read_text(kDocs / "plugin-protocol.md"));
  ASSERT_GT(examples.size(), 30u);
  for (const Example& e : examples) {
    SCOPED_TRACE("plugin-protocol.md line " + std::to_string(e.line) + " (" + e.schema + ")");
    fs::path schema_path = kDocs / (e.schema + ".schema.json");
    ASSERT_TRUE(fs::exists(schema_path)) << schema_path;
    boost::json::value schema = boost::json::parse(read_text(schema_path));
    boost::json::value document;
    ASSERT_NO_THROW(document = boost::json::parse(e.text)) << e.text;
    std::vector<std::string> errors = validation_errors(schema, document);
    EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  }
}

TEST(PluginProtocolDoc, EverySchemaHasAnExample) {
  std::set<std::string> shown;
  for (const Example& e : tagged_examples(read_text(kDocs / "plugin-protocol.md")))
    shown.insert(e.schema);
  int schemas = 0;
  for (const auto& entry : fs::directory_iterator(kDocs / "plugin-protocol")) {
    std::string name = entry.path().filename().string();
    const std::string suffix = ".schema.json";
    ASSERT_GT(name.size(), suffix.size());
    ++schemas;
    std::string stem = "plugin-protocol/" + name.substr(0, name.size() - suffix.size());
    EXPECT_TRUE(shown.count(stem) == 1) << "no example in plugin-protocol.md for " << stem;
  }
  EXPECT_GT(schemas, 30);
}

// The schemas are strict where a plugin author could slip: a misspelled outcome is caught.
TEST(PluginProtocolDoc, SchemasRefuseAWrongDocument) {
  boost::json::value schema = boost::json::parse(
      read_text(kDocs / "plugin-protocol/apply_quantities.response.schema.json"));
  boost::json::value wrong = boost::json::parse(
      R"({"jsonrpc":"2.0","id":7,"result":{"lines":[{"key":"a","outcome":"update"}]}})");
  EXPECT_FALSE(validation_errors(schema, wrong).empty());
  boost::json::value no_id = boost::json::parse(R"({"jsonrpc":"2.0","result":{"lines":[]}})");
  EXPECT_FALSE(validation_errors(schema, no_id).empty());
}

}  // namespace
