/* The soft-double routines on an emulated Cortex-M0 (softDouble.test.ts): for each pair of
 * softDoubleCases.h (the test writes it), a − b's bits, what the libgcc comparison entry points
 * return and what C's comparison operators give (gcc calls __aeabi_dcmpeq/lt/le/gt/ge for them),
 * one line per pair; then for each integer, its conversions to double from int and from unsigned
 * (__aeabi_i2d, __aeabi_ui2d), on the semihosting console; the test compares them with Node's
 * doubles. Linked with the port's doubleSubtraction.c, doubleComparison.c and integerToDouble.c,
 * or with libgcc's alone. */
#include <stdint.h>

#include "../../../core/doubleBits.h"
#include "../../mps2-an505/semihosting.h"
#include "softDoubleCases.h" /* SOFT_DOUBLE_CASES: { a's bits, b's bits } pairs; SOFT_DOUBLE_INTEGERS */

int __eqdf2(double a, double b);
int __nedf2(double a, double b);
int __ledf2(double a, double b);
int __ltdf2(double a, double b);
int __gedf2(double a, double b);
int __gtdf2(double a, double b);
int __aeabi_dcmpun(double a, double b);
void Reset_Handler(void);

extern uint32_t __stack_top;

static const uint64_t CASES[][2] = SOFT_DOUBLE_CASES;
static const int32_t INTEGERS[] = SOFT_DOUBLE_INTEGERS;

__attribute__((section(".vectors"), used)) static const void* const VECTORS[2] = {&__stack_top, Reset_Handler};

typedef struct {
  char text[1024];
  uint32_t length;
  int console;
} Output;

static void flush(Output* out) {
  sh_write(out->console, out->text, out->length);
  out->length = 0;
}

static void put(Output* out, char c) {
  if (out->length == sizeof out->text) flush(out);
  out->text[out->length++] = c;
}

static void putHex(Output* out, uint64_t bits) {
  for (int shift = 60; shift >= 0; shift -= 4) put(out, "0123456789abcdef"[(bits >> shift) & 0xF]);
}

static void putInt(Output* out, int value) {
  put(out, ' ');
  if (value < 0) put(out, '-');
  unsigned magnitude = value < 0 ? 0u - (unsigned)value : (unsigned)value;
  char digits[10];
  int count = 0;
  do digits[count++] = (char)('0' + magnitude % 10); while ((magnitude /= 10) != 0);
  while (count > 0) put(out, digits[--count]);
}

/* "<a − b's bits> eq ne le lt ge gt un ==<<=>>=!=": the entry points' values, then the operators' as 0/1 digits */
void Reset_Handler(void) {
  Output out = {.length = 0, .console = sh_open(":tt", SH_MODE_WRITE)};
  for (uint32_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    double a = sf_fromBits(CASES[i][0]), b = sf_fromBits(CASES[i][1]);
    putHex(&out, sf_bitsOf(a - b));
    int values[] = {__eqdf2(a, b), __nedf2(a, b), __ledf2(a, b), __ltdf2(a, b), __gedf2(a, b), __gtdf2(a, b), __aeabi_dcmpun(a, b)};
    for (uint32_t v = 0; v < sizeof values / sizeof values[0]; v++) putInt(&out, values[v]);
    put(&out, ' ');
    int operators[] = {a == b, a < b, a <= b, a > b, a >= b, a != b};
    for (uint32_t o = 0; o < sizeof operators / sizeof operators[0]; o++) put(&out, (char)('0' + operators[o]));
    put(&out, '\n');
  }
  /* "<(double)n's bits> <(double)(unsigned)n's bits>" */
  for (uint32_t i = 0; i < sizeof INTEGERS / sizeof INTEGERS[0]; i++) {
    putHex(&out, sf_bitsOf((double)INTEGERS[i]));
    put(&out, ' ');
    putHex(&out, sf_bitsOf((double)(uint32_t)INTEGERS[i]));
    put(&out, '\n');
  }
  flush(&out);
  sh_exit(0);
}
