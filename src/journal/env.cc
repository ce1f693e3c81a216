// POSIX Env, atomic file replacement, and the fault-injecting Env used by the tests.
#include "journal/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sequex::journal {
namespace {

Status PosixError(const std::string& what, const std::string& path, int err) {
  return Status::IoError(what + " " + path + ": " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
 public:
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  PosixWritableFile(std::string path, int fd, uint64_t append_offset)
      : path_(std::move(path)), fd_(fd), append_offset_(append_offset) {}
  Status Append(std::string_view data) override {
    Status s = WriteAt(append_offset_, data);
    if (s.ok()) append_offset_ += data.size();
    return s;
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
    return Status::Ok();
  }
  Status Close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return PosixError("close", path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t append_offset_;  // no O_APPEND: with it, Linux's pwrite ignores the offset
};

// What Env::MapFile gives where it reads the file instead.
class ReadContents final : public FileContents {
 public:
  explicit ReadContents(std::string data) : data_(std::move(data)) {}
  [[nodiscard]] std::string_view bytes() const override { return data_; }

 private:
  std::string data_;
};

// What Env::NewSequentialFile gives where it reads the file whole instead.
class ReadSequentialFile final : public SequentialFile {
 public:
  explicit ReadSequentialFile(std::string data) : data_(std::move(data)) {}
  Status Read(size_t n, char* scratch, size_t* got) override {
    *got = std::min(n, data_.size() - at_);
    std::memcpy(scratch, data_.data() + at_, *got);
    at_ += *got;
    return Status::Ok();
  }

 private:
  std::string data_;
  size_t at_ = 0;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  PosixSequentialFile(const PosixSequentialFile&) = delete;
  PosixSequentialFile& operator=(const PosixSequentialFile&) = delete;
  Status Read(size_t n, char* scratch, size_t* got) override {
    for (;;) {
      const ssize_t r = ::read(fd_, scratch, n);
      if (r >= 0) {
        *got = static_cast<size_t>(r);
        return Status::Ok();
      }
      if (errno != EINTR) return PosixError("read", path_, errno);
    }
  }

 private:
  std::string path_;
  int fd_;
};

class MappedContents final : public FileContents {
 public:
  MappedContents(void* address, size_t size) : address_(address), size_(size) {}
  ~MappedContents() override { ::munmap(address_, size_); }
  MappedContents(const MappedContents&) = delete;
  MappedContents& operator=(const MappedContents&) = delete;
  [[nodiscard]] std::string_view bytes() const override { return {static_cast<const char*>(address_), size_}; }

 private:
  void* address_;
  size_t size_;
};

class PosixEnv final : public Env {
 public:
  Status MapFile(const std::string& path, std::unique_ptr<FileContents>* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? Status::NotFound(path) : PosixError("open", path, errno);
    struct stat st {};
    void* address = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      // MAP_POPULATE: the pages are mapped now, in one call, rather than faulted in one by one as they are read.
      address = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    }
    ::close(fd);
    if (address == MAP_FAILED) return Env::MapFile(path, out);  // empty, or not mappable here: read it
    *out = std::make_unique<MappedContents>(address, static_cast<size_t>(st.st_size));
    return Status::Ok();
  }

  Status NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? Status::NotFound(path) : PosixError("open", path, errno);
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint only: a refusal changes nothing
    *out = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::Ok();
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, out);
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return Open(path, O_WRONLY | O_CREAT | O_CLOEXEC, out);
  }
  Status ReadFile(const std::string& path, std::string* out) override {
    out->clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? Status::NotFound(path) : PosixError("open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out->reserve(static_cast<size_t>(st.st_size));
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return PosixError("read", path, err);
      }
      if (n == 0) break;
      out->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return Status::Ok();
  }
  Status FileSize(const std::string& path, uint64_t* size) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename", from + " -> " + to, errno);
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
    return Status::Ok();
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      s = PosixError("ftruncate", path, errno);
    } else if (::fsync(fd) != 0) {
      s = PosixError("fsync", path, errno);
    }
    ::close(fd);
    return s;
  }
  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return PosixError("mkdir", dir, errno);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError("fsync", dir, errno);
    ::close(fd);
    return s;
  }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return errno == ENOENT ? Status::NotFound(dir) : PosixError("opendir", dir, errno);
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(name);
    }
    ::closedir(d);
    std::sort(names->begin(), names->end());
    return Status::Ok();
  }
  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

 private:
  static Status Open(const std::string& path, int flags, std::unique_ptr<WritableFile>* out) {
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return PosixError("fstat", path, err);
    }
    *out = std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size));
    return Status::Ok();
  }
};

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultInjectionEnv* env, std::shared_ptr<FaultInjectionEnv::FileState> state,
            std::unique_ptr<WritableFile> base, uint64_t append_offset)
      : env_(env), state_(std::move(state)), base_(std::move(base)), append_offset_(append_offset) {}
  Status Append(std::string_view data) override {
    const uint64_t at = append_offset_;
    append_offset_ += data.size();
    return WriteAt(at, data);
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    std::string_view allowed = data;
    Status injected = env_->BeforeAppend(data, &allowed);
    if (!allowed.empty()) {
      Status s = base_->WriteAt(offset, allowed);
      if (!s.ok()) return s;
      env_->OnWritten(state_.get(), offset, allowed.size());
    }
    return injected;
  }
  Status Sync() override {
    Status s = env_->BeforeSync();
    if (!s.ok()) return s;
    s = base_->Sync();
    if (s.ok()) env_->OnSynced(state_.get());
    return s;
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::shared_ptr<FaultInjectionEnv::FileState> state_;
  std::unique_ptr<WritableFile> base_;
  uint64_t append_offset_;
};

}  // namespace

Status Env::MapFile(const std::string& path, std::unique_ptr<FileContents>* out) {
  std::string data;
  Status s = ReadFile(path, &data);
  if (!s.ok()) return s;
  *out = std::make_unique<ReadContents>(std::move(data));
  return Status::Ok();
}

Status Env::NewSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) {
  std::string data;
  Status s = ReadFile(path, &data);
  if (!s.ok()) return s;
  *out = std::make_unique<ReadSequentialFile>(std::move(data));
  return Status::Ok();
}

Env* Env::Default() {
  static PosixEnv env;
  return &env;
}

Status WriteFileAtomically(Env* env, const std::string& dir, const std::string& name, std::string_view data) {
  const std::string tmp = dir + "/" + name + ".tmp";
  const std::string final_path = dir + "/" + name;
  std::unique_ptr<WritableFile> f;
  Status s = env->NewWritableFile(tmp, &f);
  if (s.ok()) s = f->Append(data);
  if (s.ok()) s = f->Sync();
  if (f) {
    const Status c = f->Close();
    if (s.ok()) s = c;
  }
  if (s.ok()) s = env->RenameFile(tmp, final_path);
  if (s.ok()) s = env->SyncDir(dir);
  if (!s.ok() && env->FileExists(tmp)) (void)env->RemoveFile(tmp);
  return s;
}

void FaultInjectionEnv::FailAfter(Fault fault, uint64_t after_ops) {
  std::lock_guard lock(mu_);
  fault_ = fault;
  remaining_ = after_ops;
}

void FaultInjectionEnv::Clear() {
  std::lock_guard lock(mu_);
  fault_ = Fault::kNone;
}

uint64_t FaultInjectionEnv::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

Status FaultInjectionEnv::BeforeAppend(std::string_view data, std::string_view* allowed) {
  std::lock_guard lock(mu_);
  if (fault_ != Fault::kShortWrite && fault_ != Fault::kEnospc) return Status::Ok();
  if (remaining_ > 0) {
    --remaining_;
    return Status::Ok();
  }
  if (fault_ == Fault::kShortWrite) {
    *allowed = data.substr(0, data.size() / 2);
    return Status::IoError("injected short write");
  }
  *allowed = {};
  return Status::IoError("injected write error: No space left on device (ENOSPC)");
}

Status FaultInjectionEnv::BeforeSync() {
  std::lock_guard lock(mu_);
  if (fault_ != Fault::kEioOnSync) return Status::Ok();
  if (remaining_ > 0) {
    --remaining_;
    return Status::Ok();
  }
  return Status::IoError("injected fdatasync error: Input/output error (EIO)");
}

void FaultInjectionEnv::OnWritten(FileState* file, uint64_t offset, uint64_t bytes) {
  std::lock_guard lock(mu_);
  FileState& f = *file;
  f.size = std::max(f.size, offset + bytes);
  if (offset < f.synced) {
    f.overwritten_begin = std::min(f.overwritten_begin, offset);
    f.overwritten_end = std::max(f.overwritten_end, std::min(offset + bytes, f.synced));
  }
}

void FaultInjectionEnv::OnSynced(FileState* file) {
  std::lock_guard lock(mu_);
  ++syncs_;
  FileState& f = *file;
  f.synced = f.size;
  f.overwritten_begin = UINT64_MAX;
  f.overwritten_end = 0;
}

Status FaultInjectionEnv::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewWritableFile(path, &base);
  if (!s.ok()) return s;
  auto state = std::make_shared<FileState>();
  {
    std::lock_guard lock(mu_);
    files_[path] = state;
  }
  *out = std::make_unique<FaultFile>(this, std::move(state), std::move(base), 0);
  return s;
}

Status FaultInjectionEnv::NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  uint64_t size = 0;
  if (target()->FileExists(path)) {
    Status s = target()->FileSize(path, &size);
    if (!s.ok()) return s;
  }
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewAppendableFile(path, &base);
  if (!s.ok()) return s;
  std::shared_ptr<FileState> state;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<FileState>& known = files_[path];
    if (!known) known = std::make_shared<FileState>(FileState{size, size});  // written before this Env saw it
    state = known;
  }
  *out = std::make_unique<FaultFile>(this, std::move(state), std::move(base), size);
  return s;
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  Status s = target()->RenameFile(from, to);
  std::lock_guard lock(mu_);
  if (s.ok()) {
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(from);
    }
  }
  return s;
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  Status s = target()->RemoveFile(path);
  std::lock_guard lock(mu_);
  files_.erase(path);
  return s;
}

Status FaultInjectionEnv::Truncate(const std::string& path, uint64_t size) {
  Status s = target()->Truncate(path, size);
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (s.ok() && it != files_.end()) *it->second = FileState{size, size};
  return s;
}

Status FaultInjectionEnv::DropUnsyncedData() {
  struct Loss {
    std::string path;
    uint64_t synced;
    uint64_t zero_begin;
    uint64_t zero_end;
  };
  std::vector<Loss> losses;
  {
    std::lock_guard lock(mu_);
    for (auto& [path, state] : files_) {
      FileState& f = *state;
      if (f.size != f.synced || f.overwritten_begin < f.overwritten_end) {
        losses.push_back(Loss{path, f.synced, f.overwritten_begin, f.overwritten_end});
      }
      f = FileState{f.synced, f.synced};
    }
  }
  for (const Loss& loss : losses) {
    if (!target()->FileExists(loss.path)) continue;
    if (loss.zero_begin < loss.zero_end) {
      std::unique_ptr<WritableFile> f;
      Status s = target()->NewAppendableFile(loss.path, &f);
      if (s.ok()) s = f->WriteAt(loss.zero_begin, std::string(loss.zero_end - loss.zero_begin, '\0'));
      if (s.ok()) s = f->Sync();
      if (f) (void)f->Close();
      if (!s.ok()) return s;
    }
    Status s = target()->Truncate(loss.path, loss.synced);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace sequex::journal
