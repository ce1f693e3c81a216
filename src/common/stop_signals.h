// The signals that ask a Sequex process to stop (SIGINT, SIGTERM), and the one way its programs take them:
// blocked in main before any thread starts, so that every thread inherits the mask, then taken where the program
// chooses (sigwait, sigtimedwait, a signalfd). No handler runs at an arbitrary point of an arbitrary thread, and a
// second signal is a plain read too, which a program may take as "stop at once".
//
//   sequex::BlockStopSignals();  // first thing in main
//   ...
//   const sigset_t stop = sequex::StopSignals();
//   int sig = 0;
//   sigwait(&stop, &sig);
//   Log(std::string("stopping on ") + sequex::StopSignalName(sig));
#pragma once

#include <pthread.h>

#include <csignal>

namespace sequex {

inline sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Blocks them in the calling thread, and so in every thread it starts afterwards.
inline void BlockStopSignals() {
  const sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Unblocks them in the calling thread: the next one takes its default action (the process ends at once).
inline void UnblockStopSignals() {
  const sigset_t set = StopSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

inline const char* StopSignalName(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

}  // namespace sequex
