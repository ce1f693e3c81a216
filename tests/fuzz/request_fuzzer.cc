// libFuzzer entry point of the request fuzzer (built only with SEQUEX_FUZZ=ON and clang; see the `fuzz` preset).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/request_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sequex::test::RunRequestFuzzInput(data, size);
  return 0;
}
