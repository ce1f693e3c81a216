// The main of a fuzzer's replay binary: runs every file of the given directories (or files) through the fuzzer's
// input function, so its decoder and checks are exercised in every build, not only in the clang fuzz build.
//
//   int main(int argc, char** argv) { return sequex::test::ReplayCorpus(argc, argv, RunFuzzInput); }
#pragma once

#include <cstddef>
#include <cstdint>

namespace sequex::test {

using FuzzInputFunction = void (*)(const uint8_t* data, size_t size);

// 0 once every file ran (a failing check aborts inside `run`); 1 when no file was found; 2 without arguments.
int ReplayCorpus(int argc, char** argv, FuzzInputFunction run);

}  // namespace sequex::test
