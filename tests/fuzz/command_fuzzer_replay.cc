// Replays the command fuzzer's corpus in builds without libFuzzer.
//
//   command_fuzzer_replay tests/fuzz/corpus
#include "tests/fuzz/corpus_replay.h"
#include "tests/fuzz/fuzz_input.h"

int main(int argc, char** argv) { return sequex::test::ReplayCorpus(argc, argv, sequex::test::RunFuzzInput); }
