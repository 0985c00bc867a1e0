// A plain-text table for terminal output: columns sized to their content, no colours, so the
// same text reads well in a terminal, a log and an email. Printed with a width, a last column
// too long for the line (a reason, a summary) wraps under itself instead of being cut.
#ifndef METERBRIDGE_HOST_CLI_TABLE_H_
#define METERBRIDGE_HOST_CLI_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "host/common/text_table.h"

namespace mb::cli {

class Table {
 public:
  explicit Table(const std::vector<std::string>& header) {
    for (const auto& h : header) columns_.push_back({.header = h});
  }
  void add(std::vector<std::string> row) {
    row.resize(columns_.size());
    rows_.push_back(std::move(row));
  }
  // Right-align a column (numbers).
  void align_right(size_t column) { columns_.at(column).align_right = true; }
  bool empty() const { return rows_.empty(); }

  // `width` 0: every row on one line.
  void print(std::ostream& out, size_t width = 0) const {
    TextTable table(columns_);
    for (const auto& r : rows_) table.add(r);
    out << table.render(width);
  }

 private:
  std::vector<TextColumn> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace mb::cli

#endif  // METERBRIDGE_HOST_CLI_TABLE_H_
