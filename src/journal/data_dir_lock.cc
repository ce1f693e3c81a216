#include "journal/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sequex::journal {
namespace {

// The pid the holder wrote into LOCK, or "unknown" where there is none. A holder locks, then writes: in the moment
// between, the file still names the holder before it.
std::string HolderPid(int fd) {
  char buf[32];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid.push_back(buf[i]);
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

Status DataDirLock::Acquire(const std::string& dir, std::unique_ptr<DataDirLock>* out) {
  out->reset();
  const std::string path = dir + "/" + kFileName;
  // O_CLOEXEC: a program this process runs must not inherit the lock and hold the directory after it exits.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot lock data dir " + dir + ": open " + path + ": " + std::strerror(errno));
  int rc = 0;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    Status s = err == EWOULDBLOCK
                   ? Status::IoError("data dir " + dir + " is in use by another process (pid " + HolderPid(fd) + ")")
                   : Status::IoError("cannot lock data dir " + dir + ": flock " + path + ": " + std::strerror(err));
    ::close(fd);
    return s;
  }
  // Only for the message a second taker prints: a write that fails leaves the lock held all the same.
  const std::string pid = std::to_string(::getpid()) + "\n";
  [[maybe_unused]] const bool pid_written =
      ::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
  out->reset(new DataDirLock(fd));
  return Status::Ok();
}

DataDirLock::~DataDirLock() { ::close(fd_); }

}  // namespace sequex::journal
