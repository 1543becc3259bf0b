// The human-readable output: the numbers a person looks for are there.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_fixtures.hpp"
#include "render/render.hpp"

namespace beamscope::cli {
namespace {

TEST(TextRender, OverviewShowsCountsAndMemory) {
  std::ostringstream out;
  print_overview_text(out, testing::full_keyframe(), 1);
  const std::string text = out.str();
  EXPECT_NE(text.find("demo@host"), std::string::npos);
  EXPECT_NE(text.find("50123 / 262144"), std::string::npos) << text;
  EXPECT_NE(text.find("10050 messages"), std::string::npos) << text;
  EXPECT_NE(text.find("25%"), std::string::npos) << text;
}

TEST(TextRender, TopHasHeaderAndOneRowPerProcess) {
  std::vector<v1::ProcessSample> rows{testing::full_process()};
  rows[0].set_registered_name(std::string(100, 'x'));  // cut, not wrapped
  std::ostringstream out;
  print_top_text(out, "demo@host", protocol::SortKey::kMailbox, rows);
  const std::string text = out.str();
  EXPECT_NE(text.find("MAILBOX"), std::string::npos);
  EXPECT_NE(text.find("<0.123.0>"), std::string::npos);
  EXPECT_NE(text.find("10001"), std::string::npos);
  EXPECT_EQ(text.find(std::string(40, 'x')), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

}  // namespace
}  // namespace beamscope::cli
