// Status: the result of journal, snapshot and recovery work — an error is a value with a message a person can act
// on (file, offset, sequence number where they apply). No exceptions.
//
//   Status s = writer->Sync();
//   if (!s.ok()) log(s.ToString());
#pragma once

#include <string>
#include <utility>

namespace sequex::journal {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t { kOk = 0, kIoError, kCorruption, kInvalidArgument, kNotFound, kFailedClosed };

  Status() = default;
  static Status Ok() { return {}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status FailedClosed(std::string m) { return {Code::kFailedClosed, std::move(m)}; }

  [[nodiscard]] bool ok() const { return code_ == Code::kOk; }
  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] std::string ToString() const {
    static constexpr const char* kNames[] = {"OK",        "IO error",     "corruption", "invalid argument",
                                             "not found", "failed closed"};
    std::string s = kNames[static_cast<int>(code_)];
    if (!message_.empty()) s += ": " + message_;
    return s;
  }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace sequex::journal
