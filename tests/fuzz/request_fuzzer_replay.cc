// Replays the request fuzzer's corpus in builds without libFuzzer.
//
//   request_fuzzer_replay tests/fuzz/request_corpus
#include "tests/fuzz/corpus_replay.h"
#include "tests/fuzz/request_fuzz_input.h"

int main(int argc, char** argv) { return sequex::test::ReplayCorpus(argc, argv, sequex::test::RunRequestFuzzInput); }
