#include "beamscope/exporters/family_set.hpp"

#include <gtest/gtest.h>

namespace beamscope::exporters {
namespace {

TEST(LabelValue, KeepsValidUtf8AndSpecials) {
  const std::string s = "a\"b\\c\nd \xC3\xA9 \xF0\x9F\x90\x9B";
  EXPECT_EQ(label_value(s), s);  // escaping is the serializer's job
}

TEST(LabelValue, ReplacesInvalidSequences) {
  EXPECT_EQ(label_value("x\xFFy"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong '/'
  EXPECT_EQ(label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(label_value("ok\xE2\x9C"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

TEST(LabelValue, BoundedAtCharacterBoundary) {
  std::string long_name;
  for (int i = 0; i < 200; ++i) long_name += "\xC3\xA9";  // 400 bytes
  const auto v = label_value(long_name);
  EXPECT_LE(v.size(), kMaxLabelValueBytes);
  EXPECT_EQ(v.size() % 2, 0u);
  EXPECT_EQ(label_value(v), v);
}

TEST(FamilySet, GroupsSeriesByNameInFirstUseOrder) {
  constexpr MetricSpec a{"a_metric", "A.", prometheus::MetricType::Gauge};
  constexpr MetricSpec b{"b_total", "B.", prometheus::MetricType::Counter};
  FamilySet set;
  NodeScope n1(set, {{"node", "one"}});
  NodeScope n2(set, {{"node", "two"}});
  n1.gauge(a, 1);
  n1.counter(b, 2, {{"k", "v"}});
  n2.gauge(a, 3);
  EXPECT_EQ(set.series(), 3u);
  auto families = set.take();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "a_metric");
  ASSERT_EQ(families[0].metric.size(), 2u);
  EXPECT_EQ(families[0].metric[1].label.at(0).value, "two");
  EXPECT_EQ(families[1].metric[0].label.size(), 2u);
  EXPECT_EQ(families[1].metric[0].counter.value, 2);
  EXPECT_TRUE(n1.has_base_label("node"));
  EXPECT_FALSE(n1.has_base_label("pid"));
  EXPECT_TRUE(set.take().empty());
}

}  // namespace
}  // namespace beamscope::exporters
