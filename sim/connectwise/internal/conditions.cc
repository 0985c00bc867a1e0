#include "sim/connectwise/internal/conditions.h"

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/connectwise/internal/condition_tree.h"
#include "sim/connectwise/internal/like_pattern.h"
#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/http_types.h"

namespace mb::sim::connectwise {

const std::string_view kLiteralGuidance =
    "String values should be enclosed with double or single quotes; DateTime values should be "
    "enclosed in square brackets; numbers should consist of only digits, and optionally a decimal "
    "point and a negation sign; boolean values should be indicated with the keywords true or "
    "false; null values should be indicated by the keyword null.";

namespace json = boost::json;

namespace {

using condition_tree::Literal;
using condition_tree::LiteralType;
using condition_tree::Node;
using condition_tree::Operator;

std::string_view literal_type_name(LiteralType type) {
  switch (type) {
    case LiteralType::kString:
      return "string";
    case LiteralType::kNumber:
      return "numeric";
    case LiteralType::kBoolean:
      return "boolean";
    case LiteralType::kDateTime:
      return "datetime";
    case LiteralType::kNull:
      return "null";
  }
  return "value";
}

[[noreturn]] void fail_literal(const std::string& what) {
  throw ConditionError(what + ". " + std::string(kLiteralGuidance));
}

// ---------------------------------------------------------------------------------------------
// Tokens

struct Token {
  enum Kind { kWord, kString, kNumber, kDateTime, kOperator, kOpen, kClose, kComma, kEnd } kind;
  std::string text;     // the word, the string's value, the operator, the raw number/date
  size_t position = 0;  // 1-based, for messages
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      while (position_ < text_.size() && is_space(text_[position_])) ++position_;
      if (position_ >= text_.size()) break;
      tokens.push_back(next());
    }
    tokens.push_back({Token::kEnd, "", text_.size() + 1});
    return tokens;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  static bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  Token next() {
    const size_t start = position_;
    const char c = text_[position_];
    if (c == '"' || c == '\'') return quoted(c);
    if (c == '[') return date_time();
    if (c == '-' || is_digit(c)) return number();
    if (c == '(') return single(Token::kOpen);
    if (c == ')') return single(Token::kClose);
    if (c == ',') return single(Token::kComma);
    if (c == '=' || c == '<' || c == '>' || c == '!') {
      ++position_;
      if (position_ < text_.size() && text_[position_] == '=' && c != '=') ++position_;
      const std::string op(text_.substr(start, position_ - start));
      if (op == "!")
        throw ConditionError("Unexpected '!' at position " + std::to_string(start + 1) +
                             "; the operator is !=");
      return {Token::kOperator, op, start + 1};
    }
    if (is_word_start(c)) {
      // A field path ("company/identifier") or a keyword.
      while (position_ < text_.size() &&
             (is_word_char(text_[position_]) ||
              (text_[position_] == '/' && position_ + 1 < text_.size() &&
               is_word_start(text_[position_ + 1])))) {
        ++position_;
      }
      return {Token::kWord, std::string(text_.substr(start, position_ - start)), start + 1};
    }
    fail_literal("Unexpected character '" + std::string(1, c) + "' at position " +
                 std::to_string(start + 1));
  }

  Token single(Token::Kind kind) {
    ++position_;
    return {kind, std::string(1, text_[position_ - 1]), position_};
  }

  Token quoted(char quote) {
    const size_t start = position_++;
    std::string value;
    while (position_ < text_.size()) {
      const char c = text_[position_++];
      if (c == quote) return {Token::kString, std::move(value), start + 1};
      if (c == '\\' && position_ < text_.size() &&
          (text_[position_] == quote || text_[position_] == '\\')) {
        value += text_[position_++];
        continue;
      }
      value += c;
    }
    fail_literal("Unterminated string starting at position " + std::to_string(start + 1));
  }

  Token date_time() {
    const size_t start = position_;
    const size_t close = text_.find(']', start);
    if (close == std::string_view::npos) {
      fail_literal("Unterminated DateTime starting at position " + std::to_string(start + 1));
    }
    position_ = close + 1;
    return {Token::kDateTime, std::string(text_.substr(start + 1, close - start - 1)), start + 1};
  }

  Token number() {
    const size_t start = position_;
    if (text_[position_] == '-') ++position_;
    const size_t digits_start = position_;
    while (position_ < text_.size() && is_digit(text_[position_])) ++position_;
    bool valid = position_ > digits_start;
    if (valid && position_ < text_.size() && text_[position_] == '.') {
      ++position_;
      const size_t fraction_start = position_;
      while (position_ < text_.size() && is_digit(text_[position_])) ++position_;
      valid = position_ > fraction_start;
    }
    // "12abc" or "1.2.3" is one malformed literal, not a number followed by something.
    while (position_ < text_.size() &&
           (is_word_char(text_[position_]) || text_[position_] == '.')) {
      ++position_;
      valid = false;
    }
    const std::string raw(text_.substr(start, position_ - start));
    if (!valid)
      fail_literal("'" + raw + "' is not a valid value at position " + std::to_string(start + 1));
    return {Token::kNumber, raw, start + 1};
  }

  std::string_view text_;
  size_t position_ = 0;
};

bool is_keyword(const Token& token, std::string_view keyword) {
  return token.kind == Token::kWord && equals_ignore_case(token.text, keyword);
}

class Parser {
 public:
  Parser(std::string_view text, Entity entity, ConditionScope scope)
      : tokens_(Tokenizer(text).run()), entity_(entity), scope_(scope) {}

  std::unique_ptr<const Node> parse() {
    auto root = parse_or();
    if (peek().kind != Token::kEnd) {
      throw ConditionError("Unexpected '" + peek().text + "' at position " +
                           std::to_string(peek().position) + "; expected and, or or the end");
    }
    return root;
  }

 private:
  const Token& peek() const { return tokens_[index_]; }
  const Token& take() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }

  std::unique_ptr<const Node> parse_or() {
    return parse_chain(Node::kOr, "or", &Parser::parse_and);
  }
  std::unique_ptr<const Node> parse_and() {
    return parse_chain(Node::kAnd, "and", &Parser::parse_unary);
  }

  std::unique_ptr<const Node> parse_chain(Node::Kind kind, std::string_view keyword,
                                          std::unique_ptr<const Node> (Parser::*operand)()) {
    auto first = (this->*operand)();
    if (!is_keyword(peek(), keyword)) return first;
    auto chain = std::make_unique<Node>();
    chain->kind = kind;
    chain->children.push_back(std::move(first));
    while (is_keyword(peek(), keyword)) {
      take();
      chain->children.push_back((this->*operand)());
    }
    return chain;
  }

  std::unique_ptr<const Node> parse_unary() {
    if (is_keyword(peek(), "not")) {
      take();
      auto negation = std::make_unique<Node>();
      negation->kind = Node::kNot;
      negation->children.push_back(parse_unary());
      return negation;
    }
    if (peek().kind == Token::kOpen) {
      take();
      auto inner = parse_or();
      if (peek().kind != Token::kClose) {
        throw ConditionError("Expected ')' at position " + std::to_string(peek().position));
      }
      take();
      return inner;
    }
    return parse_comparison();
  }

  std::unique_ptr<const Node> parse_comparison() {
    const Token& field_token = take();
    if (field_token.kind != Token::kWord || is_reserved(field_token.text)) {
      throw ConditionError(
          "Expected a field name at position " + std::to_string(field_token.position) +
          (field_token.kind == Token::kEnd ? "" : ", found '" + field_token.text + "'"));
    }
    auto node = std::make_unique<Node>();
    node->field = resolve(field_token.text);
    node->value_type = comparable_type(node->field);

    const Token& op_token = take();
    if (op_token.kind == Token::kOperator) {
      node->op = symbol_operator(op_token);
    } else {
      if (is_keyword(op_token, "not")) {
        node->negated = true;
        const Token& after_not = take();
        if (!keyword_operator(after_not, node->op)) {
          throw ConditionError("Expected like, contains or in after 'not' at position " +
                               std::to_string(after_not.position));
        }
      } else if (!keyword_operator(op_token, node->op)) {
        throw ConditionError("Expected an operator after '" + field_token.text + "' at position " +
                             std::to_string(op_token.position));
      }
    }

    if (node->op == Operator::kIn) {
      if (take().kind != Token::kOpen) {
        throw ConditionError("Expected '(' after in, e.g. id in (1,2,3)");
      }
      do {
        node->literals.push_back(literal(*node));
      } while (peek().kind == Token::kComma && (take(), true));
      if (take().kind != Token::kClose) throw ConditionError("Expected ')' to close the in list");
    } else {
      node->literals.push_back(literal(*node));
    }
    return node;
  }

  static bool is_reserved(std::string_view word) {
    for (std::string_view keyword :
         {"and", "or", "not", "in", "like", "contains", "null", "true", "false"}) {
      if (equals_ignore_case(word, keyword)) return true;
    }
    return false;
  }

  static Operator symbol_operator(const Token& token) {
    if (token.text == "=") return Operator::kEqual;
    if (token.text == "!=") return Operator::kNotEqual;
    if (token.text == "<") return Operator::kLess;
    if (token.text == "<=") return Operator::kLessEqual;
    if (token.text == ">") return Operator::kGreater;
    if (token.text == ">=") return Operator::kGreaterEqual;
    throw ConditionError("Unknown operator '" + token.text + "' at position " +
                         std::to_string(token.position));
  }

  static bool keyword_operator(const Token& token, Operator& op) {
    if (is_keyword(token, "like")) {
      op = Operator::kLike;
    } else if (is_keyword(token, "contains")) {
      op = Operator::kContains;
    } else if (is_keyword(token, "in")) {
      op = Operator::kIn;
    } else {
      return false;
    }
    return true;
  }

  FieldPath resolve(const std::string& text) const {
    const Entity entity =
        scope_ == ConditionScope::kCustomFieldConditions ? Entity::kCustomFieldValue : entity_;
    FieldPath path;
    try {
      path = resolve_field_path(entity, text);
    } catch (const FieldPathError& error) {
      throw ConditionError(error.what());
    }
    const bool collection = path.through_collection || is_collection(path.type);
    if (collection && scope_ == ConditionScope::kConditions) {
      throw ConditionError("'" + text +
                           "' is in a collection; filter collections with childConditions");
    }
    return path;
  }

  // The type a literal is compared with: a string collection compares its elements.
  static FieldType comparable_type(const FieldPath& path) {
    switch (path.type) {
      case FieldType::kStringArray:
        return FieldType::kString;
      case FieldType::kReference:
      case FieldType::kReferenceArray:
      case FieldType::kCustomFieldArray:
      case FieldType::kInfo:
        throw ConditionError("'" + path.text + "' is an object; compare one of its fields, e.g. " +
                             path.text + "/id");
      default:
        return path.type;
    }
  }

  Literal literal(const Node& node) {
    const Token& token = take();
    Literal value;
    switch (token.kind) {
      case Token::kString:
        value.type = LiteralType::kString;
        value.text = token.text;
        value.lowered = to_lower_ascii(token.text);
        break;
      case Token::kNumber:
        value.type = LiteralType::kNumber;
        value.number = std::stod(token.text);
        break;
      case Token::kDateTime: {
        const std::optional<int64_t> time = parse_timestamp(token.text);
        if (!time) fail_literal("'[" + token.text + "]' is not a valid DateTime");
        value.type = LiteralType::kDateTime;
        value.time = *time;
        break;
      }
      case Token::kWord:
        if (is_keyword(token, "null")) {
          value.type = LiteralType::kNull;
        } else if (is_keyword(token, "true") || is_keyword(token, "false")) {
          value.type = LiteralType::kBoolean;
          value.boolean = is_keyword(token, "true");
        } else {
          fail_literal("Unexpected value '" + token.text + "' at position " +
                       std::to_string(token.position));
        }
        break;
      case Token::kEnd:
        fail_literal("Expected a value after '" + node.field.text +
                     "' at the end of the conditions");
      default:
        fail_literal("Expected a value at position " + std::to_string(token.position) +
                     ", found '" + token.text + "'");
    }
    check_literal(node, value);
    if (node.op == Operator::kLike) value.pattern = std::make_shared<const LikePattern>(value.text);
    return value;
  }

  static void check_literal(const Node& node, const Literal& value) {
    if (value.type == LiteralType::kNull) {
      if (node.op != Operator::kEqual && node.op != Operator::kNotEqual) {
        throw ConditionError("null can only be compared with = or !=");
      }
      return;
    }
    if ((node.op == Operator::kLike || node.op == Operator::kContains) &&
        (value.type != LiteralType::kString ||
         (node.value_type != FieldType::kString && node.value_type != FieldType::kAny))) {
      throw ConditionError(std::string(node.op == Operator::kLike ? "like" : "contains") +
                           " needs a string field and a string value ('" + node.field.text + "')");
    }
    std::optional<LiteralType> expected;
    switch (node.value_type) {
      case FieldType::kString:
        expected = LiteralType::kString;
        break;
      case FieldType::kInteger:
      case FieldType::kDecimal:
        expected = LiteralType::kNumber;
        break;
      case FieldType::kBoolean:
        expected = LiteralType::kBoolean;
        break;
      case FieldType::kDateTime:
        expected = LiteralType::kDateTime;
        break;
      default:
        break;  // untyped: compared dynamically
    }
    if (expected && *expected != value.type) {
      fail_literal("Expected a " + std::string(literal_type_name(*expected)) + " value, not a " +
                   std::string(literal_type_name(value.type)));
    }
    if (value.type == LiteralType::kBoolean && node.op != Operator::kEqual &&
        node.op != Operator::kNotEqual && node.op != Operator::kIn) {
      throw ConditionError("Booleans can only be compared with = or != ('" + node.field.text +
                           "')");
    }
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  Entity entity_;
  ConditionScope scope_;
};

}  // namespace

RecordFilter::RecordFilter() = default;
RecordFilter::~RecordFilter() = default;
RecordFilter::RecordFilter(RecordFilter&&) noexcept = default;
RecordFilter& RecordFilter::operator=(RecordFilter&&) noexcept = default;

RecordFilter RecordFilter::parse(std::string_view text, Entity entity, ConditionScope scope) {
  RecordFilter filter;
  filter.scope_ = scope;
  bool blank = true;
  for (char c : text) blank = blank && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
  if (!blank) filter.root_ = Parser(text, entity, scope).parse();
  return filter;
}

bool RecordFilter::matches(const json::object& record) const {
  if (root_ == nullptr) return true;
  if (scope_ != ConditionScope::kCustomFieldConditions) return root_->evaluate(record);
  // A record matches when one of its custom fields satisfies the whole expression.
  const json::value* custom_fields = record.if_contains("customFields");
  if (custom_fields == nullptr || !custom_fields->is_array()) return false;
  for (const json::value& custom_field : custom_fields->get_array()) {
    if (custom_field.is_object() && root_->evaluate(custom_field.get_object())) return true;
  }
  return false;
}

}  // namespace mb::sim::connectwise
