// GuardedMain: a program's main body, run so that an exception never reaches std::terminate.
//
// Why: an exception that escapes main (out of memory, a thread that cannot start) aborts the process with no word
// of what happened. Each executable's main calls its real body through this instead, which prints what was thrown
// on stderr as "<program>: <what>" and returns the program's documented failure code.
#pragma once

#include <cstdio>
#include <exception>

namespace sequex {

inline int GuardedMain(const char* program, int failure_code, int (*body)(int, char**), int argc,
                       char** argv) noexcept {
  try {
    return body(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: unknown exception\n", program);
  }
  return failure_code;
}

}  // namespace sequex
