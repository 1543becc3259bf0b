// The inspector's desktop habits as data: names versus badges in a tree
// row, one mailbox figure with its age, growth columns, keyboard walking of
// tables, the settings line and the key script, and that a selected tree
// entry follows its process through a restart.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "alerts_model.hpp"
#include "events_model.hpp"
#include "inspector_model.hpp"
#include "key_script.hpp"
#include "mailbox_reading.hpp"
#include "row_fit.hpp"
#include "settings.hpp"

namespace beamscope::gui {
namespace {

using v1::Keyframe;
using v1::TreeNode;

TEST(RowFit, WideRowKeepsEverything) {
  const RowFit f = fit_row(400, 150, 4, {{60, 60, 0}, {50, 20, 2}});
  EXPECT_EQ(f.forms, (std::vector<BadgeForm>{BadgeForm::kFull, BadgeForm::kFull}));
  EXPECT_FALSE(f.name_elided);
  EXPECT_FLOAT_EQ(f.name_width, 400 - 64 - 54);
}

TEST(RowFit, BadgesShrinkThenLowPriorityLeaveBeforeTheNameIsCut) {
  // memory (0, no short form), "20 children" (1, "20"), "656 msg" (2, "656").
  const std::vector<BadgeSize> b{{60, 60, 0}, {90, 25, 1}, {70, 35, 2}};
  // 200 px: name 150 needs memory gone and both others short: 150 + 29 + 39 = 218 > 200 ->
  // children (priority 1) leaves too; mailbox stays short.
  RowFit f = fit_row(200, 150, 4, b);
  EXPECT_EQ(f.forms, (std::vector<BadgeForm>{BadgeForm::kDropped, BadgeForm::kDropped, BadgeForm::kShort}));
  EXPECT_FALSE(f.name_elided);
  EXPECT_GE(f.name_width, 150);
  // 260 px: shrinking is enough for children and mailbox, memory goes.
  f = fit_row(260, 150, 4, b);
  EXPECT_EQ(f.forms, (std::vector<BadgeForm>{BadgeForm::kDropped, BadgeForm::kShort, BadgeForm::kShort}));
  EXPECT_FALSE(f.name_elided);
}

TEST(RowFit, SignalsStayShortAndTheNameIsElidedBeforeThem) {
  // Restarts (3) and health (4) never leave; a long name is elided before them.
  const RowFit f = fit_row(120, 300, 4, {{40, 40, 0}, {50, 30, 3}, {80, 30, 4}});
  EXPECT_EQ(f.forms, (std::vector<BadgeForm>{BadgeForm::kDropped, BadgeForm::kShort, BadgeForm::kShort}));
  EXPECT_TRUE(f.name_elided);
  EXPECT_FLOAT_EQ(f.name_width, 120 - 34 - 34);
  // Narrower than the badges themselves: no negative room.
  EXPECT_FLOAT_EQ(fit_row(20, 300, 4, {{50, 30, 3}}).name_width, 0);
}

TEST(MailboxReading, OneFigureTheFreshestWithItsAge) {
  v1::ProcessSample s;
  s.set_pid("<0.5.0>");
  s.set_message_queue_len(500);
  s.set_mailbox_growth_per_s(20);
  s.set_seconds_to_threshold(475);
  TreeNode e;
  e.set_pid("<0.5.0>");
  e.set_message_queue_len(3);  // read at the last walk, long ago
  // In the hot set: the sample, with growth, whatever the tree says.
  MailboxReading r = mailbox_reading({&s, true, 2'000'000}, &e, 1'000'000, false);
  EXPECT_EQ(r.source, MailboxReading::Source::kHotSample);
  EXPECT_EQ(r.messages, 500u);
  EXPECT_EQ(r.read_at_us, 2'000'000);
  EXPECT_TRUE(r.has_growth);
  // Left the hot set: the tree's read when newer than the last sample.
  r = mailbox_reading({&s, false, 2'000'000}, &e, 3'000'000, false);
  EXPECT_EQ(r.source, MailboxReading::Source::kTreeWalk);
  EXPECT_EQ(r.messages, 3u);
  EXPECT_FALSE(r.has_growth);
  r = mailbox_reading({&s, false, 2'000'000}, &e, 1'000'000, true);
  EXPECT_EQ(r.source, MailboxReading::Source::kLastSample);
  // Only the tree knows it (a paged child).
  r = mailbox_reading({}, &e, 1'000'000, true);
  EXPECT_EQ(r.source, MailboxReading::Source::kChildrenPage);
  // A tree entry restarted under another pid is not the sample's process.
  e.set_pid("<0.9.0>");
  r = mailbox_reading({&s, false, 2'000'000}, &e, 3'000'000, false);
  EXPECT_EQ(r.source, MailboxReading::Source::kLastSample);
  EXPECT_FALSE(mailbox_reading({}, nullptr, 0, false).known());

  EXPECT_EQ(format_age(1'000'000, 1'020'000), "just now");
  EXPECT_EQ(format_age(1'000'000, 13'400'000), "12.4 s old");
  EXPECT_EQ(format_age(0, 5), "age unknown");
  EXPECT_EQ(format_age(9'000'000, 1'000'000), "just now");  // two hosts' clocks
}

TEST(MailboxReading, GrowthAndTimeToAlarmWords) {
  EXPECT_EQ(format_growth(0), "0/s");
  EXPECT_EQ(format_growth(1200), "+1.20k/s");
  EXPECT_EQ(format_growth(-30), "-30/s");
  EXPECT_EQ(format_to_alarm(0, 0), "-");
  EXPECT_EQ(format_to_alarm(-5, 0), "-");
  EXPECT_EQ(format_to_alarm(10, 0), "reached");  // the agent's 0 while growing: already past
  EXPECT_EQ(format_to_alarm(10, 42), "42.0 s");
  EXPECT_EQ(format_to_alarm(10, 252), "4m 12s");
  EXPECT_EQ(to_alarm_key(10, 0), 0.0);
  EXPECT_EQ(to_alarm_key(0, 0), std::numeric_limits<double>::infinity());
}

std::shared_ptr<Keyframe> hot(std::initializer_list<std::tuple<const char*, double, double>> ps) {
  auto kf = std::make_shared<Keyframe>();
  kf->mutable_info()->set_node("n@h");
  for (const auto& [pid, growth, to_alarm] : ps) {
    auto* p = kf->add_processes();
    p->set_pid(pid);
    p->set_mailbox_growth_per_s(growth);
    p->set_seconds_to_threshold(to_alarm);
  }
  return kf;
}

std::vector<std::string> pids(ProcessTable& t) {
  std::vector<std::string> out;
  for (int i : t.visible()) out.push_back(t.row(i).pid());
  return out;
}

TEST(ProcessTable, SortsByGrowthAndTimeToAlarmMostUrgentFirst) {
  ProcessTable t;
  // <0.1.0> flat, <0.2.0> past the alarm and growing, <0.3.0> 100 s away, <0.4.0> 5 s away.
  t.set_data(hot({{"<0.1.0>", 0, 0}, {"<0.2.0>", 50, 0}, {"<0.3.0>", 10, 100}, {"<0.4.0>", 300, 5}}));
  t.set_sort({{ProcessColumn::kGrowth, true}});
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.4.0>", "<0.2.0>", "<0.3.0>", "<0.1.0>"}));
  t.set_sort({{ProcessColumn::kToAlarm, false}});
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.2.0>", "<0.4.0>", "<0.3.0>", "<0.1.0>"}));
  // Columns start wide enough for names and functions, and say how they sort first.
  for (const ColumnSpec& c : process_columns()) {
    if (c.column == ProcessColumn::kName || c.column == ProcessColumn::kCurrentFunction) {
      EXPECT_GE(c.width_em, 12.0f);
    }
    if (c.column == ProcessColumn::kToAlarm) {
      EXPECT_TRUE(c.ascending_first);
    }
    if (c.column == ProcessColumn::kGrowth) {
      EXPECT_FALSE(c.ascending_first);
    }
  }
  EXPECT_EQ(process_columns().size(), static_cast<std::size_t>(kProcessColumnCount));
}

TEST(ProcessTable, ArrowsWalkTheRowsInDisplayOrder) {
  ProcessTable t;
  t.set_data(hot({{"<0.1.0>", 1, 0}, {"<0.2.0>", 3, 0}, {"<0.3.0>", 2, 0}}));
  t.set_sort({{ProcessColumn::kGrowth, true}});  // 2, 3, 1
  EXPECT_EQ(t.pid_at_offset(1), "<0.2.0>");      // nothing selected: the first row
  EXPECT_EQ(t.pid_at_offset(-1), "<0.1.0>");     // or the last
  t.select("<0.2.0>");
  EXPECT_EQ(t.pid_at_offset(1), "<0.3.0>");
  EXPECT_EQ(t.pid_at_offset(20), "<0.1.0>");     // a page down stops at the end
  EXPECT_EQ(t.pid_at_offset(-1), "<0.2.0>");     // already at the top
  EXPECT_EQ(t.selected_row(), 0);
  ProcessTable empty;
  EXPECT_EQ(empty.pid_at_offset(1), "");
}

TEST(EventsModel, ArrowsWalkTheEventsNewestFirst) {
  auto kf = std::make_shared<Keyframe>();
  for (int i = 1; i <= 3; ++i) {
    auto* e = kf->add_events();
    e->set_id(static_cast<std::uint64_t>(i));
    e->set_pid("<0." + std::to_string(i) + ".0>");
  }
  EventsModel m;
  m.set_data(kf);
  ASSERT_NE(m.event_at_offset(1), nullptr);
  EXPECT_EQ(m.event_at_offset(1)->id(), 3u);  // newest first
  m.select(3);
  EXPECT_EQ(m.event_at_offset(1)->id(), 2u);
  EXPECT_EQ(m.event_at_offset(-5)->id(), 3u);
  EXPECT_EQ(m.event_at_offset(100)->id(), 1u);
  EventsModel none;
  EXPECT_EQ(none.event_at_offset(1), nullptr);
}

TEST(InspectorModel, ASelectedTreeEntryFollowsItsProcessThroughARestart) {
  auto kf = std::make_shared<Keyframe>();
  kf->mutable_info()->set_node("n@h");
  auto* app = kf->add_tree();
  app->set_id("demo");
  app->set_kind(TreeNode::APPLICATION);
  auto* c = kf->add_tree();
  c->set_id("demo/crasher");
  c->set_parent_id("demo");
  c->set_kind(TreeNode::WORKER);
  c->set_pid("<0.90.0>");
  kf->add_processes()->set_pid("<0.90.0>");
  InspectorModel m({"tcp://127.0.0.1:1"});
  m.update(0, {kf});
  m.select_tree_entry("demo/crasher");
  EXPECT_EQ(m.selected()->table.selected_pid(), "<0.90.0>");
  auto next = std::make_shared<Keyframe>(*kf);
  next->mutable_tree(1)->set_pid("<0.95.0>");
  next->mutable_processes(0)->set_pid("<0.95.0>");
  m.update(0, {next});
  EXPECT_EQ(m.selected()->tree.selected_id(), "demo/crasher");
  EXPECT_EQ(m.selected()->table.selected_pid(), "<0.95.0>");
  EXPECT_TRUE(m.selected()->table.selection().in_hot_set);
  // Between the crash and the restart (no pid) the last process stays shown.
  auto between = std::make_shared<Keyframe>(*next);
  between->mutable_tree(1)->set_pid("");
  m.update(0, {between});
  EXPECT_EQ(m.selected()->table.selected_pid(), "<0.95.0>");
}

TEST(Settings, LinesRoundTripAndUnknownLinesAreSkipped) {
  Settings s;
  EXPECT_EQ(s.theme, ThemeKind::kDark);
  EXPECT_FALSE(s.every_process);
  EXPECT_TRUE(read_settings_line("theme=light", s));
  EXPECT_EQ(s.theme, ThemeKind::kLight);
  EXPECT_EQ(write_settings(s), "theme=light\nprocesses=hot\n");
  EXPECT_TRUE(read_settings_line("processes=every", s));
  EXPECT_TRUE(s.every_process);
  EXPECT_FALSE(read_settings_line("processes=some", s));
  EXPECT_TRUE(s.every_process);
  Settings back;
  for (std::string_view line : {"theme=light", "processes=every"}) read_settings_line(line, back);
  EXPECT_EQ(back, s);
  EXPECT_FALSE(read_settings_line("theme=purple", s));
  EXPECT_FALSE(read_settings_line("font=huge", s));
  EXPECT_FALSE(read_settings_line("garbage", s));
  EXPECT_EQ(s.theme, ThemeKind::kLight);
  EXPECT_TRUE(read_settings_line("theme=dark\r", s));  // an ini edited on Windows
  EXPECT_EQ(s.theme, ThemeKind::kDark);
}

TEST(KeyScript, ParsesKeysRepeatsAndText) {
  std::string error;
  auto s = parse_key_script("down*3,enter,slash,type:crash,esc,f6", error);
  ASSERT_TRUE(s) << error;
  ASSERT_EQ(s->size(), 6u);
  EXPECT_EQ((*s)[0].key, ScriptKey::kDown);
  EXPECT_EQ((*s)[0].repeat, 3);
  EXPECT_EQ((*s)[3].key, ScriptKey::kText);
  EXPECT_EQ((*s)[3].text, "crash");
  EXPECT_EQ((*s)[5].key, ScriptKey::kF6);
  EXPECT_FALSE(parse_key_script("down,jump", error));
  EXPECT_NE(error.find("jump"), std::string::npos);
  EXPECT_FALSE(parse_key_script("down*0", error));
  EXPECT_FALSE(parse_key_script("type:", error));
}

}  // namespace
}  // namespace beamscope::gui

namespace beamscope::gui {
namespace {

TEST(Alerts, EachAlertSelectsItsProcessOrSupervisor) {
  v1::Alert a;
  a.set_kind(v1::Alert::MAILBOX_GROWING);
  a.set_severity(v1::Alert::CRITICAL);
  a.set_subject("<0.5.0>");
  a.set_pid("<0.5.0>");
  a.set_name("grower");
  EXPECT_EQ(alert_target(a).kind, AlertTarget::Kind::kProcess);
  EXPECT_EQ(alert_target(a).id, "<0.5.0>");
  EXPECT_EQ(alert_chip_text(a), "critical \xC2\xB7 mailbox_growing \xC2\xB7 grower");
  a.set_kind(v1::Alert::RESTART_STORM);  // subject: the supervisor's tree id, pid: its process
  a.set_subject("demo/demo_sup");
  a.set_pid("<0.80.0>");
  EXPECT_EQ(alert_target(a).kind, AlertTarget::Kind::kTreeEntry);
  EXPECT_EQ(alert_target(a).id, "demo/demo_sup");
  v1::Alert limit;  // node-wide: nothing to select
  limit.set_kind(v1::Alert::PROCESS_LIMIT);
  EXPECT_EQ(alert_target(limit).kind, AlertTarget::Kind::kNone);
  EXPECT_EQ(alert_chip_text(limit), "warning \xC2\xB7 process_limit");
}

TEST(Alerts, CursorWalksAndSurvivesARefresh) {
  auto kf = std::make_shared<v1::Keyframe>();
  for (const char* pid : {"<0.1.0>", "<0.2.0>", "<0.3.0>"}) {
    auto* a = kf->mutable_alerts()->add_active();
    a->set_subject(pid);
    a->set_pid(pid);
  }
  AlertsModel m;
  EXPECT_EQ(m.step(1), nullptr);
  m.set_data(kf);
  EXPECT_EQ(m.step(1)->subject(), "<0.1.0>");
  EXPECT_EQ(m.step(1)->subject(), "<0.2.0>");
  // The agent re-sorts: the cursor stays on its alert.
  auto next = std::make_shared<v1::Keyframe>(*kf);
  next->mutable_alerts()->mutable_active()->SwapElements(0, 1);
  m.set_data(next);
  EXPECT_TRUE(m.is_cursor(m.at(0)));
  EXPECT_EQ(m.step(1)->subject(), "<0.1.0>");
  EXPECT_EQ(m.step(5)->subject(), "<0.3.0>");
}

}  // namespace
}  // namespace beamscope::gui
