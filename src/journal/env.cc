// POSIX Env, atomic file replacement, and the fault-injecting Env used by the tests.
#include "journal/env.h"

#include <dirent.h>
#include <fcntl.h>
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
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
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
};

class PosixEnv final : public Env {
 public:
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, out);
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, out);
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
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::Ok();
  }
};

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    std::string_view allowed = data;
    const Status injected = env_->BeforeAppend(data, &allowed);
    if (!allowed.empty()) {
      Status s = base_->Append(allowed);
      if (!s.ok()) return s;
      env_->OnWritten(path_, allowed.size());
    }
    return injected;
  }
  Status Sync() override {
    Status s = env_->BeforeSync();
    if (!s.ok()) return s;
    s = base_->Sync();
    if (s.ok()) env_->OnSynced(path_);
    return s;
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

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

void FaultInjectionEnv::OnWritten(const std::string& path, uint64_t bytes) {
  std::lock_guard lock(mu_);
  files_[path].size += bytes;
}

void FaultInjectionEnv::OnSynced(const std::string& path) {
  std::lock_guard lock(mu_);
  ++syncs_;
  FileState& f = files_[path];
  f.synced = f.size;
}

Status FaultInjectionEnv::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewWritableFile(path, &base);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_[path] = FileState{};
  }
  *out = std::make_unique<FaultFile>(this, path, std::move(base));
  return s;
}

Status FaultInjectionEnv::NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  uint64_t size = 0;
  if (base_->FileExists(path)) {
    Status s = base_->FileSize(path, &size);
    if (!s.ok()) return s;
  }
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewAppendableFile(path, &base);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_[path] = FileState{size, size};
  }
  *out = std::make_unique<FaultFile>(this, path, std::move(base));
  return s;
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  Status s = base_->RenameFile(from, to);
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
  Status s = base_->RemoveFile(path);
  std::lock_guard lock(mu_);
  files_.erase(path);
  return s;
}

Status FaultInjectionEnv::Truncate(const std::string& path, uint64_t size) {
  Status s = base_->Truncate(path, size);
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (s.ok() && it != files_.end()) it->second = FileState{size, size};
  return s;
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::vector<std::pair<std::string, uint64_t>> cuts;
  {
    std::lock_guard lock(mu_);
    for (auto& [path, f] : files_) {
      if (f.size != f.synced) cuts.emplace_back(path, f.synced);
      f.size = f.synced;
    }
  }
  for (const auto& [path, size] : cuts) {
    if (!base_->FileExists(path)) continue;
    Status s = base_->Truncate(path, size);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace sequex::journal
