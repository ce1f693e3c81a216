#include "common/thread_name.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace sequex {
namespace {

std::string NameOf(pthread_t thread) {
  char name[16] = {};
  if (pthread_getname_np(thread, name, sizeof name) != 0) return "<error>";
  return name;
}

// The name a fresh thread reads for itself after NameThisThread(name).
std::string NameSeenByAThreadNamed(const char* name) {
  std::string seen;
  std::thread worker([&] {
    NameThisThread(name);
    seen = NameOf(pthread_self());
  });
  worker.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = NameOf(pthread_self());
  EXPECT_EQ(NameSeenByAThreadNamed("sx-sequencer"), "sx-sequencer");
  EXPECT_EQ(NameOf(pthread_self()), before);
}

TEST(ThreadName, LongNamesAreCutAtTheKernelLimit) {
  EXPECT_EQ(NameSeenByAThreadNamed("sx-a-name-longer-than-fifteen"), "sx-a-name-longe");
}

}  // namespace
}  // namespace sequex
