#include "journal/data_dir_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "journal/test_util.h"

namespace sequex::journal {
namespace {

using sequex::testing::TempDir;

TEST(DataDirLock, ASecondTakerIsRefusedAtOnceWithTheHoldersPid) {
  TempDir dir;
  std::unique_ptr<DataDirLock> first, second;
  ASSERT_TRUE(DataDirLock::Acquire(dir.path(), &first).ok());
  ASSERT_NE(first, nullptr);
  // flock conflicts between two descriptors of one process too, so the same process cannot take it twice.
  const Status s = DataDirLock::Acquire(dir.path(), &second);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(s.message().find("data dir " + dir.path() + " is in use by another process (pid " +
                             std::to_string(::getpid()) + ")"),
            std::string::npos)
      << s.ToString();
}

TEST(DataDirLock, IsFreeAgainOnceReleasedAndLeavesItsFile) {
  TempDir dir;
  std::unique_ptr<DataDirLock> lock;
  ASSERT_TRUE(DataDirLock::Acquire(dir.path(), &lock).ok());
  lock.reset();
  EXPECT_TRUE(DataDirLock::Acquire(dir.path(), &lock).ok());
  EXPECT_EQ(sequex::testing::ReadAll(dir.path() + "/LOCK"), std::to_string(::getpid()) + "\n");
}

TEST(DataDirLock, ADirectoryThatDoesNotExistIsAnErrorNamingIt) {
  TempDir dir;
  std::unique_ptr<DataDirLock> lock;
  const Status s = DataDirLock::Acquire(dir.path() + "/missing", &lock);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot lock data dir " + dir.path() + "/missing"), std::string::npos) << s.ToString();
}

// Another process holds it, then is killed with SIGKILL: the kernel drops its lock, nothing stale is left behind.
TEST(DataDirLock, AnotherProcessHoldsItUntilKilled) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<DataDirLock> held;
    const char ok = DataDirLock::Acquire(dir.path(), &held).ok() ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, '1');

  std::unique_ptr<DataDirLock> lock;
  const Status s = DataDirLock::Acquire(dir.path(), &lock);
  EXPECT_NE(s.message().find("(pid " + std::to_string(child) + ")"), std::string::npos) << s.ToString();
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(DataDirLock::Acquire(dir.path(), &lock).ok());
}

}  // namespace
}  // namespace sequex::journal
