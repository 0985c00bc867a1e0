#include "host/common/text_table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace mb {
namespace {

// The last column's share of a narrow line: columns with a width limit (names) wrap tighter, down
// to kMinLimitedWidth or their longest word, until the last one (the reason) has
// kWantedLastColumnWidth. Below
// kMinLastColumnWidth it wraps into so many lines that running past the edge reads better.
constexpr size_t kWantedLastColumnWidth = 40;
constexpr size_t kMinLastColumnWidth = 20;
constexpr size_t kMinLimitedWidth = 12;
constexpr const char* kColumnGap = "  ";
constexpr size_t kColumnGapWidth = 2;

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Splits `word` after `width` code points: {head, rest}.
std::pair<std::string, std::string> split_at(const std::string& word, size_t width) {
  size_t cut = 0, seen = 0;
  while (cut < word.size() && seen < width) {
    ++cut;
    while (cut < word.size() && is_continuation_byte(word[cut])) ++cut;
    ++seen;
  }
  return {word.substr(0, cut), word.substr(cut)};
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1)
    parts.push_back(text.substr(start, at - start));
  parts.push_back(text.substr(start));
  return parts;
}

void wrap_paragraph(const std::string& paragraph, size_t width, bool split_long_words,
                    std::vector<std::string>& lines) {
  std::string line;
  size_t line_width = 0;
  bool line_started = false;
  auto flush = [&] {
    lines.push_back(line);
    line.clear();
    line_width = 0;
    line_started = false;
  };
  for (std::string word : split(paragraph, ' ')) {
    size_t word_width = display_width(word);
    if (line_started && line_width + 1 + word_width > width) flush();
    while (split_long_words && word_width > width) {
      if (line_started) flush();
      auto [head, rest] = split_at(word, width);
      lines.push_back(head);
      word = rest;
      word_width = display_width(word);
    }
    if (line_started) {
      line += ' ';
      ++line_width;
    }
    line += word;
    line_width += word_width;
    line_started = true;
  }
  if (line_started || lines.empty()) flush();
}

}  // namespace

size_t display_width(const std::string& text) {
  size_t n = 0;
  for (char c : text)
    if (!is_continuation_byte(c)) ++n;
  return n;
}

std::vector<std::string> wrap_text(const std::string& text, size_t width, bool split_long_words) {
  std::vector<std::string> lines;
  for (const std::string& paragraph : split(text, '\n')) {
    if (width == 0)
      lines.push_back(paragraph);
    else
      wrap_paragraph(paragraph, width, split_long_words, lines);
  }
  return lines;
}

size_t terminal_width(int fd, size_t fallback) {
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    size_t value = 0;
    const char* end = columns + std::strlen(columns);
    auto [ptr, error] = std::from_chars(columns, end, value);
    if (error == std::errc() && ptr == end && value > 0) return value;
  }
  winsize size{};
  if (::isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return fallback;
}

TextTable::TextTable(std::vector<TextColumn> columns) : columns_(std::move(columns)) {}

void TextTable::add(std::vector<std::string> row) {
  row.resize(columns_.size());
  rows_.push_back(std::move(row));
}

std::vector<size_t> TextTable::column_widths(size_t line_width, size_t indent_width,
                                             bool& last_below) const {
  last_below = false;
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = display_width(columns_[c].header);
    for (const auto& row : rows_)
      for (const std::string& line : wrap_text(row[c], 0, false))
        widths[c] = std::max(widths[c], display_width(line));
  }
  if (line_width == 0 || columns_.empty()) return widths;
  const size_t last = columns_.size() - 1;
  std::vector<size_t> floor(columns_.size());
  for (size_t c = 0; c < last; ++c) {
    floor[c] = widths[c];
    if (columns_[c].max_width == 0) continue;
    const size_t header = display_width(columns_[c].header);
    // A name wraps between its words, never inside one ("Pharmaceuticals" stays whole).
    size_t longest_word = 0;
    for (const auto& row : rows_)
      for (const std::string& word : split(row[c], ' '))
        longest_word = std::max(longest_word, display_width(word));
    widths[c] = std::min(widths[c], std::max({columns_[c].max_width, header, longest_word}));
    floor[c] = std::min(widths[c], std::max({kMinLimitedWidth, header, longest_word}));
  }
  auto used = [&] {
    size_t total = indent_width;
    for (size_t c = 0; c < last; ++c) total += widths[c] + kColumnGapWidth;
    return total;
  };
  auto room = [&] { return line_width > used() ? line_width - used() : 0; };
  // The widest limited column gives up a character at a time while `narrow` says so.
  auto tighten_while = [&](auto narrow) {
    while (narrow()) {
      size_t widest = last;
      for (size_t c = 0; c < last; ++c)
        if (widths[c] > floor[c] && (widest == last || widths[c] > widths[widest])) widest = c;
      if (widest == last) return;
      --widths[widest];
    }
  };
  // Narrow line: limited columns wrap tighter for as much of the last column's text as there
  // is (not for its header alone).
  size_t last_text_width = 0;
  for (const auto& row : rows_)
    for (const std::string& line : wrap_text(row[last], 0, false))
      last_text_width = std::max(last_text_width, display_width(line));
  const std::vector<size_t> limited = widths;
  tighten_while([&] { return room() < std::min(kWantedLastColumnWidth, last_text_width); });
  if (last > 0 && room() < std::min(kWantedLastColumnWidth, last_text_width)) {
    // Still too narrow: the last column's text goes below its row, where it has the line, and
    // the other columns take back what they gave up, as far as the line allows.
    last_below = true;
    widths = limited;
    tighten_while([&] { return used() + display_width(columns_[last].header) > line_width; });
    widths[last] = display_width(columns_[last].header);
    return widths;
  }
  widths[last] = std::min(
      widths[last], std::max({room(), kMinLastColumnWidth, display_width(columns_[last].header)}));
  return widths;
}

std::string TextTable::render(size_t line_width, const std::string& indent) const {
  bool last_below = false;
  const std::vector<size_t> widths = column_widths(line_width, display_width(indent), last_below);
  const size_t last = columns_.size() - 1;
  // Below its row, the last column's text starts under the second column.
  const std::string below_indent(
      last_below ? display_width(indent) + widths[0] + kColumnGapWidth : 0, ' ');
  const size_t below_width = std::max(
      kMinLastColumnWidth, line_width > below_indent.size() ? line_width - below_indent.size() : 0);
  std::string out;
  // One row of cells, each already cut into its lines; the row takes as many lines as its
  // tallest cell.
  auto emit = [&](const std::vector<std::vector<std::string>>& cells) {
    size_t height = 1;
    for (const auto& cell : cells) height = std::max(height, cell.size());
    for (size_t i = 0; i < height; ++i) {
      std::string text = indent;
      for (size_t c = 0; c < cells.size(); ++c) {
        const std::string part = i < cells[c].size() ? cells[c][i] : "";
        size_t pad = widths[c] > display_width(part) ? widths[c] - display_width(part) : 0;
        if (c > 0) text += kColumnGap;
        if (columns_[c].align_right)
          text += std::string(pad, ' ') + part;
        else if (c < last)
          text += part + std::string(pad, ' ');
        else
          text += part;
      }
      // A line ends where its text does (an empty last cell, a continuation line).
      text.erase(text.find_last_not_of(' ') + 1);
      out += text + "\n";
    }
  };
  std::vector<std::vector<std::string>> cells(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) cells[c] = {columns_[c].header};
  emit(cells);
  for (size_t c = 0; c < columns_.size(); ++c) cells[c] = {std::string(widths[c], '-')};
  emit(cells);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns_.size(); ++c)
      cells[c] = wrap_text(row[c], line_width == 0 ? 0 : widths[c], /*split_long_words=*/c < last);
    if (!last_below) {
      emit(cells);
      continue;
    }
    cells[last].clear();
    emit(cells);
    if (row[last].empty()) continue;
    for (const std::string& line : wrap_text(row[last], below_width, false))
      out += below_indent + line + "\n";
  }
  return out;
}

}  // namespace mb
