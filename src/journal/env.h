// Env: every file operation of the journal and the snapshots goes through this seam (LevelDB's Env idea), so tests
// replace the disk: short writes, ENOSPC, EIO on fsync, and "the machine lost power: unsynced data is gone".
//
//   Env* env = Env::Default();                       // POSIX; lives forever, thread-safe
//   std::unique_ptr<WritableFile> f;
//   Status s = env->NewWritableFile(dir + "/x", &f);
//   s = f->Append(bytes); s = f->Sync(); s = f->Close();
//
// Threading: an Env may be used from several threads at once; one WritableFile from one thread at a time.
// Paths are plain strings; a directory listing returns names (not paths), sorted.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "journal/status.h"

namespace sequex::journal {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` (retrying partial writes) or returns an error; after an error the file's content past
  // the last successful Sync is unspecified.
  virtual Status Append(std::string_view data) = 0;
  // Writes all of `data` at `offset` (pwrite; the file grows if it ends before), leaving where Append writes
  // unchanged. The journal writes only this way: over a segment's pre-written zeros, in an order of its choosing.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // fdatasync: returns once everything appended is on stable storage.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A whole file's bytes, read-only, valid while this object lives (Env::MapFile).
class FileContents {
 public:
  virtual ~FileContents() = default;
  [[nodiscard]] virtual std::string_view bytes() const = 0;
};

// A file read front to back, a piece at a time (Env::NewSequentialFile).
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `scratch`; *got is how many, 0 only at the end of the file.
  virtual Status Read(size_t n, char* scratch, size_t* got) = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  static Env* Default();  // POSIX

  // Creates (or truncates) a file for writing.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Opens an existing file for writing without truncating it (creates it if missing); Append writes at its end.
  virtual Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  virtual Status ReadFile(const std::string& path, std::string* out) = 0;
  // The whole file, read-only. The POSIX Env maps it, sharing the page cache's pages: a snapshot of hundreds of MB
  // is then neither copied nor written into fresh memory, which on a VM costs more than the read itself. Other
  // Envs read it (this default). Only for files that are replaced by rename and never cut in place while in use,
  // as a mapped file that shrinks faults (SIGBUS) where its lost tail is read: snapshots (WriteFileAtomically)
  // qualify, journal segments (sealed by ftruncate) do not.
  virtual Status MapFile(const std::string& path, std::unique_ptr<FileContents>* out);
  // The file, to read front to back (journal segments). The POSIX Env reads it with read() as asked; other Envs
  // read it whole first (this default).
  virtual Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out);
  virtual Status FileSize(const std::string& path, uint64_t* size) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Shrinks a file to `size` bytes and fsyncs it.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual Status CreateDir(const std::string& dir) = 0;  // ok if it exists
  // fsync of a directory, so that creates, renames and removes in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual bool FileExists(const std::string& path) = 0;
};

// An Env that passes every call to another one (LevelDB's EnvWrapper): a test Env derives from it and overrides only
// the calls it changes.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  [[nodiscard]] Env* target() const { return target_; }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return target_->NewWritableFile(path, out);
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return target_->NewAppendableFile(path, out);
  }
  Status ReadFile(const std::string& path, std::string* out) override { return target_->ReadFile(path, out); }
  Status MapFile(const std::string& path, std::unique_ptr<FileContents>* out) override {
    return target_->MapFile(path, out);
  }
  Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) override {
    return target_->NewSequentialFile(path, out);
  }
  Status FileSize(const std::string& path, uint64_t* size) override { return target_->FileSize(path, size); }
  Status RenameFile(const std::string& from, const std::string& to) override { return target_->RenameFile(from, to); }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status Truncate(const std::string& path, uint64_t size) override { return target_->Truncate(path, size); }
  Status CreateDir(const std::string& dir) override { return target_->CreateDir(dir); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    return target_->ListDir(dir, names);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }

 private:
  Env* target_;
};

// Writes `data` to `path` atomically: temp file, fsync, rename, directory fsync. A crash leaves either the old
// file (or none) or the complete new one, never a part.
Status WriteFileAtomically(Env* env, const std::string& dir, const std::string& name, std::string_view data);

// FaultInjectionEnv: wraps another Env and makes its writes fail on command. It also remembers, per file written
// through it, how many bytes were synced and which synced bytes were overwritten since, so DropUnsyncedData() can
// simulate a power loss.
//
//   FaultInjectionEnv env(Env::Default());
//   env.FailAfter(FaultInjectionEnv::Fault::kEioOnSync, 3);   // the 4th Sync from now returns EIO
class FaultInjectionEnv final : public EnvWrapper {
 public:
  enum class Fault : uint8_t {
    kNone,
    kShortWrite,  // the failing Append writes half its bytes, then reports an error
    kEnospc,      // the failing Append writes nothing and reports ENOSPC
    kEioOnSync,   // the failing Sync reports EIO (its data may or may not be on disk)
  };

  explicit FaultInjectionEnv(Env* base) : EnvWrapper(base) {}

  // Arms `fault`: the operation it applies to (Append for writes, Sync for kEioOnSync) succeeds `after_ops` more
  // times, then fails, and keeps failing until Clear().
  void FailAfter(Fault fault, uint64_t after_ops);
  void Clear();
  // Truncates every file written through this Env to the size it had at its last successful Sync, and zeroes what
  // was written since over bytes that were already synced (the journal only ever overwrites pre-written zeros).
  Status DropUnsyncedData();
  [[nodiscard]] uint64_t syncs() const;

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;

  // What it remembers of a file; shared with the open files it handed out, so that it follows a rename.
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    uint64_t overwritten_begin = UINT64_MAX;  // [begin, end): synced bytes written again since the last Sync
    uint64_t overwritten_end = 0;
  };
  // Called by the files it hands out.
  Status BeforeAppend(std::string_view data, std::string_view* allowed);
  Status BeforeSync();
  void OnWritten(FileState* file, uint64_t offset, uint64_t bytes);
  void OnSynced(FileState* file);

 private:
  mutable std::mutex mu_;
  Fault fault_ = Fault::kNone;
  uint64_t remaining_ = 0;
  uint64_t syncs_ = 0;
  std::unordered_map<std::string, std::shared_ptr<FileState>> files_;
};

}  // namespace sequex::journal
