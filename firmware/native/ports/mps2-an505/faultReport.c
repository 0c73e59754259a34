/* The fault report's words (faultReport.h): small helpers that run on the fault reserve. */
#include "faultReport.h"

#include "an505.h"
#include "semihosting.h"

static void flush(sf_FaultText* t) {
  if (!t->console) t->console = sh_open(":tt", SH_MODE_APPEND) + 1; /* 0: not opened yet */
  sh_write(t->console - 1, t->text, t->length);
  t->length = 0;
}

void sf_fault_add(sf_FaultText* t, const char* words) {
  for (; *words; words++) {
    if (t->length == sizeof t->text) flush(t);
    t->text[t->length++] = *words;
  }
}

void sf_fault_addHex(sf_FaultText* t, uint32_t value) {
  char digits[11] = "0x";
  for (int i = 0; i < 8; i++) digits[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 15];
  digits[10] = 0;
  sf_fault_add(t, digits);
}

void sf_fault_addDecimal(sf_FaultText* t, uint32_t value) {
  char reversed[16];
  int n = 0;
  do {
    if (n % 4 == 3) reversed[n++] = ',';
    reversed[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  char digits[16];
  for (int i = 0; i < n; i++) digits[i] = reversed[n - 1 - i];
  digits[n] = 0;
  sf_fault_add(t, digits);
}

void sf_fault_addStackOverflow(sf_FaultText* t, const char* which, uintptr_t bottom, uintptr_t limit, uintptr_t top) {
  sf_fault_add(t, "snapfleet-device: stack overflow (UFSR.STKOF): ");
  sf_fault_add(t, which);
  sf_fault_add(t, " (");
  sf_fault_addDecimal(t, (uint32_t)(top - bottom));
  sf_fault_add(t, " B reserved, ");
  sf_fault_addDecimal(t, (uint32_t)(limit - bottom));
  sf_fault_add(t, " B of it kept for this report) reached its limit ");
  sf_fault_addHex(t, (uint32_t)limit);
  sf_fault_add(t, ": raise stackBytes in firmware/native/sizeBudget.json, or check the stack analysis (firmware/native/README.md)\n");
}

void sf_fault_addWhere(sf_FaultText* t, const uint32_t* frame, int stacked) {
  if (stacked) {
    sf_fault_add(t, "pc ");
    sf_fault_addHex(t, frame[6]);
    sf_fault_add(t, " (lr ");
    sf_fault_addHex(t, frame[5]);
  } else {
    sf_fault_add(t, "pc unknown (no room for the exception frame above the stack limit");
  }
  sf_fault_add(t, ", CFSR ");
  sf_fault_addHex(t, SCB_CFSR);
  sf_fault_add(t, ", HFSR ");
  sf_fault_addHex(t, SCB_HFSR);
}

int sf_fault_frameStacked(uint32_t cfsr, uintptr_t frame, uintptr_t limit) {
  return !(cfsr & SF_CFSR_STKOF) || frame != limit;
}

void sf_fault_flush(sf_FaultText* t) {
  flush(t);
}

void sf_fault_end(sf_FaultText* t) {
  flush(t);
  sh_exit(SF_FAULT_STATUS);
}
