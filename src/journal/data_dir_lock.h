// DataDirLock: one process at a time writes a data directory. sequexd holds it for its whole life, from before
// recovery; the operator tool's writing subcommands (journal truncate, snapshot take / prune), sequex-node and
// sequex-bench pipeline hold it while they run. Two writers on one journal each continue it from where they
// recovered, so one's acknowledged commands are lost at the next start, or a cut under a live server turns its next
// records into corruption.
//
//   std::unique_ptr<DataDirLock> lock;
//   Status s = DataDirLock::Acquire(dir, &lock);   // never waits: fails at once if another process holds it
//   if (!s.ok()) { print(s.ToString()); exit(2); }   // "data dir DIR is in use by another process (pid N)"
//
// The lock is flock(2) on DIR/LOCK, a file that is created once and never removed (removing it would let a second
// process lock a new file while the first still holds the old one). The kernel drops the lock when its descriptor
// closes, kill -9 included, so a lock is never stale. flock, not fcntl: an fcntl lock belongs to the process and is
// dropped when any descriptor of the file is closed, so a second lock in the same process would succeed, and any
// read of LOCK would release it. The holder's pid is written into LOCK, for the message a second taker gets.
// Advisory: it keeps out the processes that ask for it, and the readers (journal dump / verify, snapshot list) do not.
#pragma once

#include <memory>
#include <string>

#include "journal/status.h"

namespace sequex::journal {

class DataDirLock {
 public:
  // The file the lock is taken on, in the data directory.
  static constexpr const char* kFileName = "LOCK";

  // Takes the lock on `dir`/LOCK (the directory must exist). Ok: *out holds it until destroyed. Another process (or
  // another DataDirLock in this one) holds it: an error naming the directory and the holder's pid, and *out is empty.
  [[nodiscard]] static Status Acquire(const std::string& dir, std::unique_ptr<DataDirLock>* out);

  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock; LOCK stays

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sequex::journal
