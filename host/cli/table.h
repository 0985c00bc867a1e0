// A plain-text table for terminal output: columns sized to their content, no colours, so the
// same text reads well in a terminal, a log and an email.
#ifndef METERBRIDGE_HOST_CLI_TABLE_H_
#define METERBRIDGE_HOST_CLI_TABLE_H_

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace mb::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) {
    row.resize(header_.size());
    rows_.push_back(std::move(row));
  }
  // Right-align a column (numbers).
  void align_right(size_t column) { right_.push_back(column); }
  bool empty() const { return rows_.empty(); }

  void print(std::ostream& out) const {
    std::vector<size_t> width(header_.size());
    auto measure = [&](const std::vector<std::string>& row) {
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
    };
    measure(header_);
    for (const auto& r : rows_) measure(r);
    auto line = [&](const std::vector<std::string>& row) {
      std::string text;
      for (size_t i = 0; i < row.size(); ++i) {
        size_t pad = width[i] - display_width(row[i]);
        bool right = std::find(right_.begin(), right_.end(), i) != right_.end();
        if (i > 0) text += "  ";
        if (right) text += std::string(pad, ' ') + row[i];
        else if (i + 1 < row.size()) text += row[i] + std::string(pad, ' ');
        else text += row[i];
      }
      out << text << "\n";
    };
    line(header_);
    std::vector<std::string> rule;
    for (size_t w : width) rule.push_back(std::string(w, '-'));
    line(rule);
    for (const auto& r : rows_) line(r);
  }

 private:
  // Counts UTF-8 code points, not bytes, so names with accents stay aligned.
  static size_t display_width(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++n;
    return n;
  }
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> right_;
};

}  // namespace mb::cli

#endif  // METERBRIDGE_HOST_CLI_TABLE_H_
