// The stream server's threads run below the program's priority when asked
// (the agent: so a flood on its port yields the cores to the VM), read
// back from the kernel (/proc/self/task/*/stat, the nice field).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "beamscope/transport/stream_server.hpp"
#include "context_threads.hpp"
#include "eventually.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

struct Task {
  std::string name;
  int nice = 0;
};

// Every thread of this process: its name and nice value (stat field 19).
std::vector<Task> tasks() {
  std::vector<Task> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(e.path() / "comm"), stat(e.path() / "stat");
    Task t;
    std::getline(comm, t.name);
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i)
      if (i == 19) t.nice = std::stoi(field);
    out.push_back(t);
  }
  return out;
}

int own_nice() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); }

TEST(ThreadPriority, AServersThreadsRunTheAskedNiceLevelsBelowTheProgram) {
  const int base = own_nice();
  if (base > 12) GTEST_FAIL() << "the test runs at nice " << base << ": no room for 7 more levels";
  StreamServerOptions opts;
  opts.thread_nice = 7;
  auto server = testing::start_server(opts);
  ASSERT_TRUE(server);
  // Its own thread is named; libzmq's I/O thread is found by its name
  // prefix on the server's first accounting pass (within a heartbeat).
  auto lowered = [&](const std::string& suffix) {
    for (const auto& t : tasks())
      if (t.name.size() >= suffix.size() && t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          t.nice == base + 7)
        return true;
    return false;
  };
  EXPECT_TRUE(testing::eventually([&] { return lowered("bs-stream"); }));
  EXPECT_TRUE(testing::eventually([&] { return lowered("/ZMQbg/IO/0"); }));
  // The program's own thread is untouched.
  EXPECT_EQ(own_nice(), base);
}

TEST(ThreadPriority, LowerPriorityStopsAt19AndNeverRaises) {
  int after_big = 0, after_negative = 0, before = 0;
  std::thread t([&] {
    const pid_t me = static_cast<pid_t>(::gettid());
    before = own_nice();
    EXPECT_TRUE(lower_priority(me, 100));
    after_big = own_nice();
    EXPECT_TRUE(lower_priority(me, -5));  // not a raise: nothing happens
    after_negative = own_nice();
  });
  t.join();
  EXPECT_EQ(after_big, 19);
  EXPECT_EQ(after_negative, 19);
  EXPECT_LE(before, 19);
}

}  // namespace
}  // namespace beamscope::transport
