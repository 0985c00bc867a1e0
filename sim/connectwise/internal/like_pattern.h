// SQL Server's LIKE as the conditions language uses it: case-insensitive, over UTF-8 code
// points. % (or *) is any run of characters, _ one character, [abc] / [a-z] / [^a] a class, so
// a literal "[" is written "[[]".
//
//   LikePattern pattern("north%");
//   pattern.matches("Northwind Dental");  // true
#ifndef METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIKE_PATTERN_H_
#define METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIKE_PATTERN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mb::sim::connectwise {

class LikePattern {
 public:
  explicit LikePattern(std::string_view pattern);

  bool matches(std::string_view value) const;

 private:
  struct Token {
    enum Kind { kLiteral, kAnyRun, kAnyOne, kClass } kind;
    std::string text;  // kLiteral: one code point; kClass: the members between the brackets
    bool negated = false;
  };

  // Bytes of `text` at `position` the token consumes; 0 when it does not match there.
  static size_t match_one(const Token& token, std::string_view text, size_t position);
  static bool class_contains(std::string_view members, std::string_view character);

  std::vector<Token> tokens_;
};

}  // namespace mb::sim::connectwise

#endif  // METERBRIDGE_SIM_CONNECTWISE_INTERNAL_LIKE_PATTERN_H_
