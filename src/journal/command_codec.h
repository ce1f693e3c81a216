// CommandCodec: the journal's byte encoding of a Command's body (docs/journal.md, "Command payload").
//
//   std::string bytes;
//   if (!EncodeCommandBody(cmd.body, &bytes)) ...;         // appends; false = not encodable (enum out of range)
//   CommandBody body;
//   CodecError e = DecodeCommandBody(bytes, &body);        // kOk, or why the bytes are not a command
//
// Layout: u8 codec version, u8 command kind (= the CommandBody variant index), then the fields of that command
// in declaration order, little-endian, fixed width; strings as fixed arrays, a ClientOid as u8 length + that many
// bytes. seq and time are not here: the journal record header carries them.
//
// Decode never trusts its input: every length, every enum value and the exact total size are checked, and a bad
// input yields an error value, never undefined behaviour. Enum fields must be in their declared range on both
// sides; a producer's out-of-range enum cannot be journaled (the sequencer refuses such a command at the door).
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/command.h"

namespace sequex::journal {

inline constexpr uint8_t kCommandCodecVersion = 1;

enum class CodecError : uint8_t {
  kOk = 0,
  kEmpty,
  kBadVersion,
  kBadKind,
  kTruncated,
  kTrailingBytes,
  kBadEnum,
  kBadLength,
};

[[nodiscard]] std::string_view ToString(CodecError e);

// Appends the encoding of `body` to `out`. Returns false (appending nothing) if a field cannot be encoded.
[[nodiscard]] bool EncodeCommandBody(const CommandBody& body, std::string* out);
// Decodes `bytes` into `out`; on an error, `out` holds an unspecified command, to be discarded.
[[nodiscard]] CodecError DecodeCommandBody(std::string_view bytes, CommandBody* out);

// The command's fields as a JSON array, in codec order (docs/journal.md lists the order): numbers for integers and
// enums, strings for codes, symbols and client_oids (non-printable bytes as \u00XX).
[[nodiscard]] std::string CommandFieldsJson(const CommandBody& body);

// The variant's kind name ("PlaceOrder", ...) for dumps and logs.
[[nodiscard]] std::string_view CommandKindName(size_t kind);

}  // namespace sequex::journal
