// LD_PRELOAD shim for the API tests: CLOCK_REALTIME (what std::chrono::system_clock reads) runs behind the real
// clock by the milliseconds written in the file named by SEQUEX_TEST_CLOCK_SHIFT_FILE (0 or absent: no shift), as
// when an operator or NTP steps the wall clock back. The file is read again at most once per real second.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);

int clock_gettime(clockid_t clock, struct timespec* ts) {
  static _Atomic(clock_gettime_fn) real;
  static _Atomic long long shift_ns;
  static _Atomic long long read_at_sec = -1;
  clock_gettime_fn f = atomic_load(&real);
  if (f == NULL) {
    f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    atomic_store(&real, f);
  }
  const int rc = f(clock, ts);
  if (rc != 0 || clock != CLOCK_REALTIME) return rc;
  if (atomic_exchange(&read_at_sec, ts->tv_sec) != ts->tv_sec) {
    const char* path = getenv("SEQUEX_TEST_CLOCK_SHIFT_FILE");
    FILE* file = path != NULL ? fopen(path, "r") : NULL;
    long long ms = 0;
    if (file != NULL) {
      if (fscanf(file, "%lld", &ms) != 1) ms = 0;
      fclose(file);
    }
    atomic_store(&shift_ns, ms * 1000000LL);
  }
  long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec - atomic_load(&shift_ns);
  ts->tv_sec = ns / 1000000000LL;
  ts->tv_nsec = ns % 1000000000LL;
  return rc;
}
