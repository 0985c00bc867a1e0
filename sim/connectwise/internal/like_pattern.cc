#include "sim/connectwise/internal/like_pattern.h"

#include <optional>
#include <utility>

#include "sim/core/http_types.h"

namespace mb::sim::connectwise {
namespace {

size_t code_point_length(std::string_view text, size_t position) {
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

}  // namespace

LikePattern::LikePattern(std::string_view pattern) {
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

bool LikePattern::matches(std::string_view value) const {
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

size_t LikePattern::match_one(const Token& token, std::string_view text, size_t position) {
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

bool LikePattern::class_contains(std::string_view members, std::string_view character) {
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

}  // namespace mb::sim::connectwise
