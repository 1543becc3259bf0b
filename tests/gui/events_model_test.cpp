// EventsModel: newest first, filters, kind names and times.
#include <gtest/gtest.h>

#include "events_model.hpp"

namespace beamscope::gui {
namespace {

std::shared_ptr<v1::Keyframe> events() {
  auto kf = std::make_shared<v1::Keyframe>();
  auto add = [&](std::uint64_t id, v1::Event::Kind kind, const std::string& child, const std::string& reason) {
    auto* e = kf->add_events();
    e->set_id(id);
    e->set_kind(kind);
    e->set_time_us(1700000000000000 + static_cast<std::int64_t>(id) * 1000);
    e->set_supervisor("demo/demo_sup");
    e->set_child(child);
    e->set_reason(reason);
  };
  add(1, v1::Event::CHILD_TERMINATED, "demo/demo_sup/crasher", "deliberate_demo_crash");
  add(2, v1::Event::LONG_GC, "", "");
  add(3, v1::Event::REACHED_MAX_RESTART_INTENSITY, "demo/demo_sup/pool", "shutdown");
  return kf;
}

TEST(EventsModel, NewestFirstAndFilters) {
  EventsModel m;
  m.set_data(events());
  ASSERT_EQ(m.visible().size(), 3u);
  EXPECT_EQ(m.row(m.visible()[0]).id(), 3u);
  m.set_supervision_only(true);
  EXPECT_EQ(m.visible().size(), 2u);
  m.set_filter("DELIBERATE");
  ASSERT_EQ(m.visible().size(), 1u);
  EXPECT_EQ(m.row(m.visible()[0]).id(), 1u);
  m.set_filter("reached_max");  // by kind name
  ASSERT_EQ(m.visible().size(), 1u);
  EXPECT_EQ(m.row(m.visible()[0]).id(), 3u);
}

TEST(EventsModel, SelectionByEventId) {
  EventsModel m;
  m.set_data(events());
  m.select(2);
  EXPECT_TRUE(m.is_selected(m.row(1)));
  EXPECT_FALSE(m.is_selected(m.row(0)));
  m.clear_selection();
  EXPECT_FALSE(m.is_selected(m.row(1)));
}

TEST(EventsModel, KindNamesSeverityAndClock) {
  EXPECT_EQ(event_kind_name(v1::Event::REACHED_MAX_RESTART_INTENSITY), "reached_max_restart_intensity");
  EXPECT_EQ(event_kind_name(v1::Event::BUSY_DIST_PORT), "busy_dist_port");
  EXPECT_EQ(event_kind_name(static_cast<v1::Event::Kind>(99)), "kind_99");
  EXPECT_EQ(event_severity(v1::Event::REACHED_MAX_RESTART_INTENSITY), EventSeverity::kBad);
  EXPECT_EQ(event_severity(v1::Event::CHILD_TERMINATED), EventSeverity::kWarn);
  EXPECT_TRUE(is_supervision_event(v1::Event::CRASH_REPORT));
  EXPECT_FALSE(is_supervision_event(v1::Event::LONG_GC));
  EXPECT_EQ(tree_id_leaf("demo/demo_sup/crasher"), "crasher");
  EXPECT_EQ(tree_id_leaf("plain"), "plain");
  // 1700000000 s = 2023-11-14 22:13:20 UTC.
  EXPECT_EQ(event_clock(1700000000123456, true), "22:13:20.123");
}

}  // namespace
}  // namespace beamscope::gui
