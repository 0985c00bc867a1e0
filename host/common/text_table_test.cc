#include "host/common/text_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace mb {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "|";
  return text;
}

TEST(WrapTextTest, BreaksAtSpacesWithinTheWidthAndKeepsEveryWord) {
  EXPECT_EQ(joined(wrap_text("the quick brown fox jumps", 10, false)),
            "the quick|brown fox|jumps|");
  EXPECT_EQ(joined(wrap_text("short", 10, false)), "short|");
  EXPECT_EQ(joined(wrap_text("", 10, false)), "|");
}

TEST(WrapTextTest, ALongWordIsSplitOnlyWhenAsked) {
  EXPECT_EQ(joined(wrap_text("see https://example.com/a/long/path now", 10, false)),
            "see|https://example.com/a/long/path|now|");
  EXPECT_EQ(joined(wrap_text("abcdefghijkl xy", 5, true)), "abcde|fghij|kl xy|");
}

TEST(WrapTextTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(display_width("Zürich Café"), 11u);
  EXPECT_EQ(joined(wrap_text("Zürich Café Genève", 11, false)), "Zürich Café|Genève|");
  EXPECT_EQ(joined(wrap_text("äöüäöü", 4, true)), "äöüä|öü|");
}

TEST(WrapTextTest, WidthZeroKeepsEachParagraphWhole) {
  std::string long_text(300, 'x');
  EXPECT_EQ(wrap_text(long_text, 0, true), std::vector<std::string>{long_text});
  EXPECT_EQ(joined(wrap_text("one\ntwo", 0, true)), "one|two|");
}

TextTable a_table() {
  TextTable t({{.header = "N", .align_right = true},
               {.header = "NAME", .max_width = 8},
               {.header = "DETAIL"}});
  t.add({"7", "Northwind Traders", "the platform has no contract line for this service"});
  return t;
}

TEST(TextTableTest, WideRendersEachRowOnOneLine) {
  EXPECT_EQ(a_table().render(0, "  "),
            "  N  NAME               DETAIL\n"
            "  -  -----------------  --------------------------------------------------\n"
            "  7  Northwind Traders  the platform has no contract line for this service\n");
}

// A name wraps between its words within its column's limit, but a word longer than the limit
// widens the column rather than being split ("Northwind" in a column limited to 8).
TEST(TextTableTest, WrapsTheLastColumnUnderItselfAndLongNamesWithinTheirColumn) {
  EXPECT_EQ(a_table().render(60, "  "),
            "  N  NAME       DETAIL\n"
            "  -  ---------  --------------------------------------------\n"
            "  7  Northwind  the platform has no contract line for this\n"
            "     Traders    service\n");
}

TEST(TextTableTest, OnANarrowLineTheLastColumnGoesBelowItsRow) {
  EXPECT_EQ(a_table().render(40, "  "),
            "  N  NAME       DETAIL\n"
            "  -  ---------  ------\n"
            "  7  Northwind\n"
            "     Traders\n"
            "     the platform has no contract line\n"
            "     for this service\n");
}

TEST(TextTableTest, LimitedColumnsWrapTighterBeforeTheLastColumnGoesBelow) {
  TextTable t({{.header = "NAME", .max_width = 32}, {.header = "DETAIL"}});
  t.add({"Northwind Traders International", std::string(40, 'x')});
  // 60 columns: the name gives up width (down to 12) so the reason keeps 40.
  EXPECT_EQ(t.render(60),
            "NAME                DETAIL\n"
            "------------------  ----------------------------------------\n"
            "Northwind Traders   " +
                std::string(40, 'x') +
                "\n"
                "International\n");
}

TEST(TextTableTest, AnEmptyLastCellLeavesNoTrailingSpaces) {
  TextTable t({{.header = "A"}, {.header = "B"}});
  t.add({"x", ""});
  EXPECT_EQ(t.render(0), "A  B\n-  -\nx\n");
}

TEST(TerminalWidthTest, ColumnsFromTheEnvironmentWinThenTheFallback) {
  ::setenv("COLUMNS", "132", 1);
  EXPECT_EQ(terminal_width(-1, 100), 132u);
  ::setenv("COLUMNS", "wide", 1);
  EXPECT_EQ(terminal_width(-1, 100), 100u);
  ::unsetenv("COLUMNS");
  EXPECT_EQ(terminal_width(-1, 100), 100u);
}

}  // namespace
}  // namespace mb
