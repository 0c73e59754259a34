#include "nonSecureMemory.h"

#include <arm_cmse.h>
#include <string.h>

#include "../secureEntry.h"

bool sf_ns_accessible(const void* pointer, size_t length, bool writable) {
  if (length == 0) return true; /* nothing is read or written */
  return cmse_check_address_range((void*)pointer, length, CMSE_NONSECURE | (writable ? CMSE_MPU_READWRITE : CMSE_MPU_READ)) != NULL;
}

int sf_ns_copyText(const char* text, size_t length, char* out, size_t size) {
  if (length >= size) return SF_SECURE_REFUSED_TEXT;
  if (!sf_ns_accessible(text, length, false)) return SF_SECURE_REFUSED_POINTER;
  memcpy(out, text, length);
  out[length] = 0;
  return SF_SECURE_OK;
}
