/* What an entry function may take from the non-secure world (../secureEntry.h): a buffer only
 * when it lies wholly in memory the non-secure caller may use (the TT instruction on both ends:
 * cmse_check_address_range), a text only as a copy made after that check. */
#ifndef SF_NON_SECURE_MEMORY_H
#define SF_NON_SECURE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

/* [pointer, pointer + length) may be read (and written, `writable`) by the non-secure world. */
bool sf_ns_accessible(const void* pointer, size_t length, bool writable);
/* Copies text[0..length) to out (NUL-terminated) when it is non-secure and fits `size`. Returns
 * SF_SECURE_OK, SF_SECURE_REFUSED_POINTER or SF_SECURE_REFUSED_TEXT. */
int sf_ns_copyText(const char* text, size_t length, char* out, size_t size);

#endif
