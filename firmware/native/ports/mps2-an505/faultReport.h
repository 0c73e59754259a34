/* The fault report of the Cortex-M33 images: the plain image's and the TrustZone build's
 * non-secure image's (startup.c) and the secure image's (../mps2-an505-tz/secure/secureBoot.c).
 * One line per fault on the debug console (semihosting), then the run ends with status 70, so
 * a crash is never a silent hang; the host turns it into an error (qemuBoard.ts, boardFault).
 *
 * A stack overflow is its own line: each image sets MSPLIM to __stack_limit (the linker script:
 * __fault_reserve bytes above the stack's bottom), so a push below it raises a UsageFault with
 * UFSR.STKOF instead of writing into the heap. The handler then lowers MSPLIM to the bottom and
 * reports in those reserved bytes (the stack analysis checks that they are enough:
 * scripts/stackDepth.mjs, faultReserveBytes in firmware/native/sizeBudget.json). No printf: it
 * needs 2 KB of stack, and the report must fit the reserve. */
#ifndef SF_FAULT_REPORT_H
#define SF_FAULT_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* The run's exit status after a fault (the host knows it: qemuBoard.ts BOARD_FAULT_STATUS). */
#define SF_FAULT_STATUS 70
/* CFSR's UsageFault part (bits 16-31): STKOF, bit 4, a stack limit violation (Armv8-M). */
#define SF_CFSR_STKOF (1u << 20)
/* SHCSR.USGFAULTENA: UsageFaults (STKOF among them) taken as such, not escalated to HardFault. */
#define SF_SHCSR_USGFAULTENA (1u << 18)

/* The text being written: a full buffer goes to the console and is reused, so a line of any
 * length costs the reserve only this much. */
typedef struct {
  int console;
  size_t length;
  char text[96];
} sf_FaultText;

/* Appends to the text. */
void sf_fault_add(sf_FaultText* t, const char* words);
void sf_fault_addHex(sf_FaultText* t, uint32_t value);
/* In decimal with thousands separators, as the size table prints sizes. */
void sf_fault_addDecimal(sf_FaultText* t, uint32_t value);

/* A stack between `bottom` and `top` whose limit (MSPLIM) was `limit`: the overflow's line,
 * with what to do about it. `which` names the stack ("the main stack", "the secure stack"). */
void sf_fault_addStackOverflow(sf_FaultText* t, const char* which, uintptr_t bottom, uintptr_t limit, uintptr_t top);

/* Where it faulted: "pc 0x… (lr 0x…, CFSR 0x…, HFSR 0x…" from the exception frame at `frame`
 * (r0-r3, r12, lr, pc, xPSR), or "pc unknown (…" when `stacked` is 0; the caller closes the
 * parenthesis after its own registers. */
void sf_fault_addWhere(sf_FaultText* t, const uint32_t* frame, int stacked);

/* Whether the exception frame at `frame` was written: on a stack overflow the core may find no
 * room for it above the limit; it then pushes nothing below the limit and sets SP to it (QEMU's
 * v7m_push_stack, target/arm/m_helper.c, after the Armv8-M pseudocode's PushStack; the words
 * above the limit may or may not be written, so the frame is taken as lost). */
int sf_fault_frameStacked(uint32_t cfsr, uintptr_t frame, uintptr_t limit);

/* Writes what the text holds to the debug console, the run going on (a fault the image recovers
 * from: the supervisor-secure TrustZone build restarts its engine). */
void sf_fault_flush(sf_FaultText* t);
/* Writes the rest of the text to the debug console and ends the run with SF_FAULT_STATUS. */
__attribute__((noreturn)) void sf_fault_end(sf_FaultText* t);

#endif
