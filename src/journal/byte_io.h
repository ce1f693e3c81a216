// ByteWriter / ByteReader: explicit little-endian encoding of integers, for every on-disk format (journal records,
// command codec, snapshots). Never a struct's raw bytes: padding and host byte order must not reach the disk.
//
//   ByteWriter w(&out);  w.U32(7); w.I64(-1); w.Raw(bytes);
//   ByteReader r(bytes); uint32_t a = r.U32(); if (!r.ok()) ... // reads past the end yield 0 and set !ok()
//
// Header-only and allocation-free apart from the caller's string; usable from any component.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace sequex::journal {

// Stores the n low bytes of v at p, least significant first: the one encoding every writer below uses.
inline void StoreLe(char* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Raw(std::string_view s) { out_->append(s); }
  void Raw(const char* p, size_t n) { out_->append(p, n); }

 private:
  void Le(uint64_t v, int n) {
    char b[8];
    StoreLe(b, v, n);
    out_->append(b, static_cast<size_t>(n));
  }
  std::string* out_;
};

// ByteWriter's encoding into a buffer of its own, for records of bounded size that the caller then appends to a
// ByteWriter in one call (`w.Raw(staged.view())`). A ByteWriter appends each field to its string in a call of its
// own; an engine snapshot writes each of a million balances and a hundred thousand orders field by field, and
// those calls were a large part of its own time. Here a field is a store. The caller keeps within the capacity
// (`room()`); going past it aborts.
template <size_t kCapacity>
class StagingWriter {
 public:
  void U8(uint8_t v) { Le(v, 1); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Raw(const char* p, size_t n) {
    if (n > room()) std::abort();  // a record larger than the caller's bound: a bug, never silently cut
    std::memcpy(bytes_ + used_, p, n);
    used_ += n;
  }

  [[nodiscard]] size_t room() const { return kCapacity - used_; }
  [[nodiscard]] std::string_view view() const { return {bytes_, used_}; }
  void Clear() { used_ = 0; }

 private:
  void Le(uint64_t v, int n) {
    if (static_cast<size_t>(n) > room()) std::abort();
    StoreLe(bytes_ + used_, v, n);
    used_ += static_cast<size_t>(n);
  }

  char bytes_[kCapacity] = {};
  size_t used_ = 0;
};

// Stores a little-endian value into a fixed place (used to patch headers).
inline void StoreU32(char* p, uint32_t v) { StoreLe(p, v, 4); }
inline void StoreU64(char* p, uint64_t v) { StoreLe(p, v, 8); }
inline uint64_t LoadLe(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint8_t U8() { return static_cast<uint8_t>(Take(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Take(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Take(4)); }
  uint64_t U64() { return Take(8); }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  // Copies n bytes into dst (zero-fills on underrun).
  void Raw(char* dst, size_t n) {
    if (!Need(n)) {
      std::memset(dst, 0, n);
      return;
    }
    std::memcpy(dst, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view View(size_t n) {
    if (!Need(n)) return {};
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  void Fail() { ok_ = false; }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] size_t pos() const { return pos_; }
  [[nodiscard]] size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  uint64_t Take(int n) {
    if (!Need(static_cast<size_t>(n))) return 0;
    const uint64_t v = LoadLe(in_.data() + pos_, n);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sequex::journal
