/* The link's UART for the check programs that run both ends in one process: a byte buffer each
 * way. The MCU's sf_LinkPort reads and writes with mcuRead/mcuWrite; the co-processor's session
 * writes with coprocessorWrite; the program moves toCoprocessor's bytes to that session itself
 * (when, and whether, is what its checks vary). Static: one wire per program. Included by
 * link/tests/linkNetCheck.c and supervisor/tests/statusRetryCheck.c. */
#ifndef SF_MEMORY_WIRE_H
#define SF_MEMORY_WIRE_H

#include <stdint.h>
#include <string.h>

#define WIRE 65536
static uint8_t toMcu[WIRE], toCoprocessor[WIRE];
static size_t toMcuLength, toCoprocessorLength;

static void coprocessorWrite(void* c, const uint8_t* bytes, size_t n) {
  (void)c;
  if (toMcuLength + n < WIRE) memcpy(toMcu + toMcuLength, bytes, n), toMcuLength += n;
}

static size_t mcuRead(void* c, uint8_t* bytes, size_t capacity) {
  (void)c;
  size_t n = toMcuLength < capacity ? toMcuLength : capacity;
  memcpy(bytes, toMcu, n);
  memmove(toMcu, toMcu + n, toMcuLength - n);
  toMcuLength -= n;
  return n;
}

static void mcuWrite(void* c, const uint8_t* bytes, size_t n) {
  (void)c;
  if (toCoprocessorLength + n < WIRE) memcpy(toCoprocessor + toCoprocessorLength, bytes, n), toCoprocessorLength += n;
}

#endif
