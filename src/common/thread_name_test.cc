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

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = NameOf(pthread_self());
  std::string seen;
  std::thread worker([&] {
    NameThisThread("sx-sequencer");
    seen = NameOf(pthread_self());
  });
  worker.join();
  EXPECT_EQ(seen, "sx-sequencer");
  EXPECT_EQ(NameOf(pthread_self()), before);
}

TEST(ThreadName, LongNamesAreCutAtTheKernelLimit) {
  std::string seen;
  std::thread worker([&] {
    NameThisThread("sx-a-name-longer-than-fifteen");
    seen = NameOf(pthread_self());
  });
  worker.join();
  EXPECT_EQ(seen, "sx-a-name-longe");
}

}  // namespace
}  // namespace sequex
