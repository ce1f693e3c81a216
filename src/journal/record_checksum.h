// The checksum of a journal record (journal_format.h): XXH3-64 over the header's first kRecordChecksumOffset bytes
// followed by the payload. The writer stamps it and every reader checks it, once per record.
#pragma once

#include <cstdint>
#include <string_view>

namespace sequex::journal {

// `header` points at a record header (at least kRecordChecksumOffset bytes); `payload` is the record's payload.
[[nodiscard]] uint64_t RecordChecksum(const char* header, std::string_view payload);

}  // namespace sequex::journal
