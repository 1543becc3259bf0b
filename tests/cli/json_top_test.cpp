// The top document and the per-process object, including odd names.
#include <gtest/gtest.h>

#include "cli_fixtures.hpp"
#include "render/render.hpp"

namespace beamscope::cli {
namespace {

using nlohmann::json;

TEST(ProcessJson, EveryField) {
  const json p = process_json(testing::full_process());
  const json expected{{"pid", "<0.123.0>"},
                      {"name", "my_server"},
                      {"registered_name", "my_server"},
                      {"initial_call", "proc_lib:init_p/5"},
                      {"current_function", "gen_server:loop/7"},
                      {"status", "waiting"},
                      {"application", "demo"},
                      {"message_queue_len", 10001},
                      {"memory_bytes", 2002},
                      {"memory_guarded", false},
                      {"reductions", 3003},
                      {"reductions_per_s", 404},
                      {"heap_size_words", 505},
                      {"total_heap_size_words", 606},
                      {"stack_size_words", 707},
                      {"minor_gcs", 808},
                      {"mailbox_growth_per_s", 250.5},
                      {"seconds_to_threshold", 42.25}};
  EXPECT_EQ(p, expected);
}

TEST(ProcessJson, NameFallsBackToInitialCall) {
  auto s = testing::full_process();
  s.clear_registered_name();
  const json p = process_json(s);
  EXPECT_EQ(p["name"], "proc_lib:init_p/5");
  EXPECT_EQ(p["registered_name"], "");
}

TEST(ProcessJson, OddNamesAreEscaped) {
  auto s = testing::full_process();
  s.set_registered_name("we\"ird\\name\n\ttab\x01");
  s.set_initial_call("'Elixir.Foo.Bär':init/1");
  const std::string text = dump_json(process_json(s));
  EXPECT_NE(text.find(R"("we\"ird\\name\n\ttab\u0001")"), std::string::npos) << text;
  EXPECT_NE(text.find("'Elixir.Foo.Bär':init/1"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text)["registered_name"], "we\"ird\\name\n\ttab\x01");
}

TEST(ProcessJson, InvalidUtf8IsReplacedNotThrown) {
  auto s = testing::full_process();
  s.set_registered_name(std::string("bad\xff\xfe", 5));
  std::string text;
  ASSERT_NO_THROW(text = dump_json(process_json(s)));
  EXPECT_EQ(json::parse(text)["registered_name"], "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TopJson, Envelope) {
  std::vector<v1::ProcessSample> rows{testing::full_process(), testing::full_process()};
  rows[1].set_pid("<0.9.0>");
  const json doc = top_json("demo@host", protocol::SortKey::kMinorGcs, 5, 42, 17, rows);
  EXPECT_EQ(doc["node"], "demo@host");
  EXPECT_EQ(doc["by"], "gc");
  EXPECT_EQ(doc["limit"], 5);
  EXPECT_EQ(doc["timestamp_us"], 42);
  EXPECT_EQ(doc["hot_processes"], 17);
  ASSERT_EQ(doc["processes"].size(), 2u);
  EXPECT_EQ(doc["processes"][0]["pid"], "<0.123.0>");
  EXPECT_EQ(doc["processes"][1]["pid"], "<0.9.0>");
}

TEST(TopJson, EmptyListIsAnArray) {
  const json doc = top_json("n@h", protocol::SortKey::kMailbox, 5, 0, 0, {});
  EXPECT_TRUE(doc["processes"].is_array());
  EXPECT_EQ(doc["by"], "mailbox");
}

TEST(SortKeyName, RoundTripsWithParse) {
  for (const char* name : {"mailbox", "memory", "reductions", "gc"}) {
    protocol::SortKey key{};
    ASSERT_TRUE(protocol::parse_sort_key(name, key));
    EXPECT_EQ(sort_key_name(key), name);
  }
}

}  // namespace
}  // namespace beamscope::cli
