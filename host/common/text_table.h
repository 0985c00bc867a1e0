// Plain-text tables that never cut a cell: columns sized to their content, and when a line
// width is given, a cell too wide for its column wraps onto continuation lines indented under
// that column, broken between words (a word longer than its column widens the column). The
// last column takes whatever width the others leave, so a long reason reads whole in a
// terminal, a log or an email. When the line is too narrow to leave it about 40
// characters even with names wrapped tighter, its text goes on the lines below its row,
// indented under the second column. Width 0 prints every row on one line (`--wide`).
//
//   TextTable t({{.header = "LINE", .align_right = true},
//                {.header = "WORKSPACE", .max_width = 32},
//                {.header = "DETAIL"}});
//   t.add({"3", "Northwind Traders", "no contract line for ..."});
//   std::string text = t.render(/*line_width=*/100, /*indent=*/"  ");
#ifndef METERBRIDGE_HOST_COMMON_TEXT_TABLE_H_
#define METERBRIDGE_HOST_COMMON_TEXT_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace mb {

struct TextColumn {
  std::string header;
  bool align_right = false;  // numbers
  // When wrapping, the widest this column may grow before its cells wrap (0: its content's
  // width). The last column ignores it: it takes the rest of the line.
  size_t max_width = 0;
};

class TextTable {
 public:
  explicit TextTable(std::vector<TextColumn> columns);
  // A row with fewer cells than columns is padded with empty cells.
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }
  // Header, a rule of dashes, then the rows, each line starting with `indent`. With
  // `line_width` 0 nothing wraps; otherwise cells wrap at spaces (a word longer than its column
  // is split, except in the last column, where it runs on rather than break a URL or an id).
  std::string render(size_t line_width, const std::string& indent = "") const;

 private:
  // `last_below`: the last column's text goes below each row (a narrow line).
  std::vector<size_t> column_widths(size_t line_width, size_t indent_width, bool& last_below) const;

  std::vector<TextColumn> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Code points, not bytes, so names with accents stay aligned.
size_t display_width(const std::string& text);
// `text` in lines of at most `width` code points, broken at spaces; a word wider than `width`
// is split when `split_long_words`, else it stays whole on its own line. Never drops a
// character other than the spaces a line is broken at. Width 0: one line.
std::vector<std::string> wrap_text(const std::string& text, size_t width, bool split_long_words);
// The terminal's width for output to `fd`: $COLUMNS when set to a number, else the terminal's
// own when `fd` is a terminal, else `fallback`.
size_t terminal_width(int fd, size_t fallback);

}  // namespace mb

#endif  // METERBRIDGE_HOST_COMMON_TEXT_TABLE_H_
