/* UTF-8 (how the engine stores strings) <-> UTF-16 code units (how JavaScript indexes them), so
 * the string functions count, slice and search as the TypeScript host does. */
#ifndef SF_UTF16_H
#define SF_UTF16_H

#include <stddef.h>
#include <stdint.h>

#include "textBuffer.h"

/* Decodes UTF-8 into at most `capacity` units; returns how many it wrote. Invalid bytes become
 * U+FFFD, as TextDecoder does. */
size_t sf_utf8ToUtf16(const char* text, size_t length, uint16_t* out, size_t capacity);
/* Appends units as UTF-8; a lone surrogate becomes U+FFFD, as TextEncoder does. */
void sf_utf16AppendUtf8(sf_Text* text, const uint16_t* units, size_t count);
/* UTF-8 bytes the units take. */
size_t sf_utf16Utf8Length(const uint16_t* units, size_t count);
/* UTF-16 units in the first `length` bytes of UTF-8 text. */
size_t sf_utf16Count(const char* text, size_t length);

#endif
