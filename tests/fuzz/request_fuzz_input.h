// The request fuzzer: the API's input side on bytes a hostile client chooses, shared by the libFuzzer target
// (request_fuzzer.cc) and the replay of its seed corpus in every build (request_fuzzer_replay.cc).
//
// One input is one request, read the ways sequexd reads a request: as a REST body or WebSocket message
// (ParseEnvelope, then the params as Params and as the signature's paramString), as a public GET query string
// (Params::ParseQuery), and every text value the gateway reads by name as a decimal (ParseScaled). What came back
// is then written into a reply with JsonWriter, as the gateway echoes a method, an id or a client_oid.
//
//   RunRequestFuzzInput(data, size);   // aborts (with a message on stderr) if a property breaks
//
// Properties: ParseEnvelope answers 0, 40001 or 40004 and nothing else; an accepted envelope has a method, and an
// id and nonce in [0, 2^63), the nonce's text being its value's decimal (no leading zero: the signature covers that
// text right after the params); a decimal that parses is within its maximum and reads back the same from its own
// text (FormatScaled); every reply is JSON that simdjson (which validates UTF-8) parses, and gives back each string
// that was UTF-8 byte for byte. Memory errors and undefined behaviour are the sanitizers' to catch.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sequex::test {

void RunRequestFuzzInput(const uint8_t* data, size_t size);

}  // namespace sequex::test
