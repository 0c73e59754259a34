/* The check() of the C check programs beside the native code (the *Check.c in firmware/native/.../tests):
 * one line per check, "ok: WHAT" or "FAIL: WHAT", which test/support/cChecks.ts counts, so one
 * wording for all of them.
 *
 * A program goes on after a failure (the later checks still say what else broke) and returns
 * checksExitStatus() from main. One whose later checks stand on the earlier ones stops at the first
 * failure instead: it defines SF_CHECK_FAILED() before including this (exit(1), or a function
 * that prints the program's state first and exits). */
#ifndef SF_CHECKS_H
#define SF_CHECKS_H

#include <stdbool.h>
#include <stdio.h>

#ifndef SF_CHECK_FAILED
#define SF_CHECK_FAILED() ((void)0)
#endif

static int checkFailures;

static inline bool check(bool ok, const char* what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) {
    checkFailures++;
    SF_CHECK_FAILED();
  }
  return ok;
}

/* main's exit status: 1 when a check failed. */
static inline int checksExitStatus(void) { return checkFailures ? 1 : 0; }

#endif
