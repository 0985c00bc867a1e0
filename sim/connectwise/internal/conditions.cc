#include "sim/connectwise/internal/conditions.h"

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/connectwise/internal/wire_format.h"
#include "sim/core/http_types.h"

namespace mb::sim::connectwise {

const std::string_view kLiteralGuidance =
    "String values should be enclosed with double or single quotes; DateTime values should be "
    "enclosed in square brackets; numbers should consist of only digits, and optionally a decimal "
    "point and a negation sign; boolean values should be indicated with the keywords true or "
    "false; null values should be indicated by the keyword null.";

namespace json = boost::json;

// The tree a parsed condition becomes. A named namespace, not an anonymous one: RecordFilter
// (external linkage) holds a pointer to its root.
namespace condition_tree {

enum class LiteralType { kString, kNumber, kBoolean, kDateTime, kNull };

// ---------------------------------------------------------------------------------------------
// SQL Server LIKE, case-insensitive, over UTF-8 code points.

static size_t code_point_length(std::string_view text, size_t position) {
  const auto lead = static_cast<unsigned char>(text[position]);
  size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  return position + length <= text.size() ? length : text.size() - position;
}

class LikePattern {
 public:
  explicit LikePattern(std::string_view pattern) {
    const std::string lowered = to_lower_ascii(pattern);
    size_t i = 0;
    while (i < lowered.size()) {
      const char c = lowered[i];
      if (c == '%' || c == '*') {
        if (tokens_.empty() || tokens_.back().kind != Token::kAnyRun) {
          tokens_.push_back({Token::kAnyRun, "", false});
        }
        ++i;
      } else if (c == '_') {
        tokens_.push_back({Token::kAnyOne, "", false});
        ++i;
      } else if (c == '[' && lowered.find(']', i + 1) != std::string::npos) {
        const size_t close = lowered.find(']', i + 2);  // "[]...]": a leading ] is a member
        if (close == std::string::npos) {
          tokens_.push_back({Token::kLiteral, "[", false});
          ++i;
          continue;
        }
        Token token{Token::kClass, "", false};
        std::string_view body(lowered.data() + i + 1, close - i - 1);
        if (!body.empty() && body.front() == '^') {
          token.negated = true;
          body.remove_prefix(1);
        }
        token.text = std::string(body);
        tokens_.push_back(std::move(token));
        i = close + 1;
      } else {
        const size_t length = code_point_length(lowered, i);
        tokens_.push_back({Token::kLiteral, lowered.substr(i, length), false});
        i += length;
      }
    }
  }

  bool matches(std::string_view value) const {
    const std::string text = to_lower_ascii(value);
    // Greedy matching with one backtrack point per "%" (the classic wildcard algorithm).
    size_t token = 0, position = 0;
    std::optional<std::pair<size_t, size_t>> backtrack;  // (token after %, text position)
    while (position < text.size()) {
      if (token < tokens_.size() && tokens_[token].kind == Token::kAnyRun) {
        backtrack = std::make_pair(++token, position);
        continue;
      }
      if (token < tokens_.size()) {
        const size_t consumed = match_one(tokens_[token], text, position);
        if (consumed > 0) {
          ++token;
          position += consumed;
          continue;
        }
      }
      if (!backtrack) return false;
      backtrack->second += code_point_length(text, backtrack->second);
      token = backtrack->first;
      position = backtrack->second;
    }
    while (token < tokens_.size() && tokens_[token].kind == Token::kAnyRun) ++token;
    return token == tokens_.size();
  }

 private:
  struct Token {
    enum Kind { kLiteral, kAnyRun, kAnyOne, kClass } kind;
    std::string text;  // kLiteral: one code point; kClass: the members between the brackets
    bool negated = false;
  };

  // Bytes of `text` at `position` the token consumes; 0 when it does not match there.
  static size_t match_one(const Token& token, std::string_view text, size_t position) {
    const size_t length = code_point_length(text, position);
    const std::string_view current = text.substr(position, length);
    switch (token.kind) {
      case Token::kLiteral:
        return current == token.text ? length : 0;
      case Token::kAnyOne:
        return length;
      case Token::kClass:
        return class_contains(token.text, current) != token.negated ? length : 0;
      case Token::kAnyRun:
        return 0;
    }
    return 0;
  }

  static bool class_contains(std::string_view members, std::string_view character) {
    for (size_t i = 0; i < members.size();) {
      const size_t length = code_point_length(members, i);
      const std::string_view low = members.substr(i, length);
      const size_t after = i + length;
      if (after + 1 < members.size() && members[after] == '-') {
        const size_t high_length = code_point_length(members, after + 1);
        const std::string_view high = members.substr(after + 1, high_length);
        if (low <= character && character <= high) return true;
        i = after + 1 + high_length;
      } else {
        if (low == character) return true;
        i = after;
      }
    }
    return false;
  }

  std::vector<Token> tokens_;
};

// ---------------------------------------------------------------------------------------------
// The expression tree

enum class Operator {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kLike,
  kContains,
  kIn
};

struct Literal {
  LiteralType type = LiteralType::kNull;
  std::string text;  // kString: as written; lower-cased copy below for comparisons
  std::string lowered;
  double number = 0;
  bool boolean = false;
  int64_t time = 0;
  std::shared_ptr<const LikePattern> pattern;  // kLike only
};

static std::optional<double> number_of(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return std::nullopt;
}

template <typename V>
int three_way(const V& a, const V& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

struct Node {
  enum Kind { kAnd, kOr, kNot, kCompare } kind = kCompare;
  std::vector<std::unique_ptr<const Node>> children;  // kAnd, kOr (two or more), kNot (one)

  // kCompare
  FieldPath field;
  FieldType value_type = FieldType::kAny;  // the type compared (array elements for collections)
  Operator op = Operator::kEqual;
  bool negated = false;  // not like / not contains / not in
  std::vector<Literal> literals;

  bool evaluate(const json::object& record) const {
    switch (kind) {
      case kAnd:
        for (const auto& child : children) {
          if (!child->evaluate(record)) return false;
        }
        return true;
      case kOr:
        for (const auto& child : children) {
          if (child->evaluate(record)) return true;
        }
        return false;
      case kNot:
        return !children.front()->evaluate(record);
      case kCompare:
        return compare(record);
    }
    return false;
  }

 private:
  bool compare(const json::object& record) const {
    std::vector<const json::value*> values;
    collect_values(record, field, values);
    bool any_present = false;
    for (const json::value* value : values) any_present = any_present || !value->is_null();
    if (literals.size() == 1 && literals.front().type == LiteralType::kNull) {
      // "x = null" holds when the field is missing or null; a collection field is tested as a
      // whole in childConditions ("any element is not null").
      return op == Operator::kEqual ? !any_present : any_present;
    }
    // SQL semantics: a comparison with a null field is never true, negated or not.
    for (const json::value* value : values) {
      if (value->is_null()) continue;
      if (matches_value(*value) != negated) return true;
    }
    return false;
  }

  bool matches_value(const json::value& value) const {
    if (op == Operator::kIn) {
      for (const Literal& literal : literals) {
        if (compare_with(value, literal, Operator::kEqual)) return true;
      }
      return false;
    }
    return compare_with(value, literals.front(), op);
  }

  static bool compare_with(const json::value& value, const Literal& literal, Operator op) {
    std::optional<int> order;
    switch (literal.type) {
      case LiteralType::kString: {
        if (!value.is_string()) return false;
        const std::string lowered = to_lower_ascii(value.get_string());
        if (op == Operator::kLike) return literal.pattern->matches(value.get_string());
        if (op == Operator::kContains) return lowered.find(literal.lowered) != std::string::npos;
        order = three_way(std::string_view(lowered), std::string_view(literal.lowered));
        break;
      }
      case LiteralType::kNumber: {
        const std::optional<double> number = number_of(value);
        if (!number) return false;
        order = three_way(*number, literal.number);
        break;
      }
      case LiteralType::kBoolean:
        if (!value.is_bool()) return false;
        order = three_way(value.get_bool(), literal.boolean);
        break;
      case LiteralType::kDateTime: {
        if (!value.is_string()) return false;
        const std::optional<int64_t> time = parse_timestamp(value.get_string());
        if (!time) return false;
        order = three_way(*time, literal.time);
        break;
      }
      case LiteralType::kNull:
        return false;
    }
    switch (op) {
      case Operator::kEqual:
        return *order == 0;
      case Operator::kNotEqual:
        return *order != 0;
      case Operator::kLess:
        return *order < 0;
      case Operator::kLessEqual:
        return *order <= 0;
      case Operator::kGreater:
        return *order > 0;
      case Operator::kGreaterEqual:
        return *order >= 0;
      default:
        return false;
    }
  }
};

}  // namespace condition_tree

namespace {

using condition_tree::LikePattern;
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
