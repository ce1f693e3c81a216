// libFuzzer entry point (built only with SEQUEX_FUZZ=ON and clang; see the `fuzz` preset).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sequex::test::RunFuzzInput(data, size);
  return 0;
}
