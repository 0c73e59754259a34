/* nanoBoard.c on this machine, its registers mapped to memory here (SAMD21_REG): which pins and
 * bits each header label drives, the ADC set up and read, and pins the Nano lacks refused. Prints
 * "ok: ..." or "FAIL: ..." per check (nanoBoard.test.ts counts them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../tests/checks.h"

typedef struct Region {
  uint32_t base, size;
  uint8_t bytes[0x100] __attribute__((aligned(8)));
} Region;

/* PORT (groups PA and PB), PM, GCLK, ADC, the NVM calibration words. */
static Region regions[] = {{.base = 0x41004400u, .size = 0x100}, {.base = 0x40000400u, .size = 0x40}, {.base = 0x40000C00u, .size = 0x10}, {.base = 0x42004000u, .size = 0x40}, {.base = 0x00806020u, .size = 0x10}};

static void* fakeRegister(uint32_t address) {
  for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
    if (address >= regions[i].base && address < regions[i].base + regions[i].size) return regions[i].bytes + (address - regions[i].base);
  printf("FAIL: the driver touched 0x%08X, which it has no business with\n", (unsigned)address);
  exit(1);
}

#define SAMD21_REG(type, address) (*(volatile type*)fakeRegister((uint32_t)(address)))
#include "../nanoBoard.c"


static uint32_t word(uint32_t address) {
  return SAMD21_REG(uint32_t, address);
}

static void clearPort(void) {
  memset(regions[0].bytes, 0, sizeof regions[0].bytes);
}

static sf_Manifest manifestOf(const char* const* names, const int* digital, int count) {
  static sf_Manifest m;
  memset(&m, 0, sizeof m);
  for (int i = 0; i < count; i++) {
    strcpy(m.pins[i].name, names[i]);
    m.pins[i].digital = digital[i];
  }
  m.pinCount = (uint16_t)count;
  return m;
}

int main(void) {
  sf_NanoBoard board;
  sf_nanoBoard_init(&board);
  hal_Board* b = &board.base;
  char error[120] = "";

  /* linearity 0xA5 (bits 34:27 across the two words), bias 5 (bits 37:35) */
  SAMD21_REG(uint32_t, 0x00806020u) = 5u << 27;
  SAMD21_REG(uint32_t, 0x00806024u) = 5u | 5u << 3;

  const char* refusedNames[] = {"A3", "A8"};
  const int refusedKinds[] = {0, 0};
  sf_Manifest bad = manifestOf(refusedNames, refusedKinds, 2);
  check(!sf_nanoBoard_prepare(&board, &bad, error, sizeof error) && strcmp(error, "the Nano 33 IoT has no analog input (A0-A7) A8") == 0, "a manifest naming A8: refused, naming the pin");
  check(SAMD21_REG(uint8_t, 0x41004400u + 0x40 + 10) == 0 && !board.adcReady, "refused before any pin was set up (A3 untouched, no ADC)");
  const char* digitalAnalog[] = {"D5"};
  const int asAnalog[] = {0};
  bad = manifestOf(digitalAnalog, asAnalog, 1);
  check(!sf_nanoBoard_prepare(&board, &bad, error, sizeof error) && strstr(error, "no analog input (A0-A7) D5"), "D5 declared analog: refused (A pins are the analog inputs, as on the simulated board)");
  const char* unknown[] = {"X1"};
  const int asDigital[] = {1};
  bad = manifestOf(unknown, asDigital, 1);
  check(!sf_nanoBoard_prepare(&board, &bad, error, sizeof error) && strcmp(error, "the Nano 33 IoT has no digital pin (D0-D13) X1") == 0, "an unknown digital pin: refused, naming it");

  /* the grow-station's pins */
  const char* names[] = {"A2", "A3", "D5"};
  const int kinds[] = {0, 0, 1};
  sf_Manifest grow = manifestOf(names, kinds, 3);
  check(sf_nanoBoard_prepare(&board, &grow, error, sizeof error), "the grow-station's pins (A2, A3, D5) are accepted");
  check(SAMD21_REG(uint8_t, 0x41004400u + 0x30 + 5) == 0x11, "PA10 (A3, even: bits 3:0) and PA11 (A2, odd: bits 7:4) on peripheral function B");
  check(SAMD21_REG(uint8_t, 0x41004400u + 0x40 + 10) == PORT_PINCFG_PMUXEN && SAMD21_REG(uint8_t, 0x41004400u + 0x40 + 11) == PORT_PINCFG_PMUXEN, "PA10 and PA11 handed to the ADC (PINCFG.PMUXEN)");
  check(SAMD21_REG(uint8_t, 0x41004400u + 0x40 + 5) == PORT_PINCFG_INEN && word(0x41004400u + 0x08) == 0, "D5 (PA05) readable (PINCFG.INEN), its direction left as it was");
  check(word(0x40000420u) == 1u << 16 && SAMD21_REG(uint16_t, 0x40000C02u) == 0x401E, "the ADC's bus clock (PM.APBCMASK bit 16) and GCLK0 to it (CLKCTRL 0x401E)");
  check(SAMD21_REG(uint16_t, 0x42004028u) == 0x5A5, "the factory calibration loaded (CALIB: bias 5, linearity 0xA5)");
  check(SAMD21_REG(uint8_t, 0x42004001u) == 0x02 && SAMD21_REG(uint16_t, 0x42004004u) == 0x300 && SAMD21_REG(uint8_t, 0x42004000u) == ADC_CTRLA_ENABLE, "reference VDDANA/2, 12 bits, clock / 32, enabled");

  SAMD21_REG(uint8_t, 0x42004018u) = ADC_INTFLAG_RESRDY;
  SAMD21_REG(uint16_t, 0x4200401Au) = 4095;
  double full = b->ops->analogRead(b, "A3", 0);
  check(full > 3.2999 && full < 3.3001 && word(0x42004010u) == (0xFu << 24 | 0x18u << 8 | 18u), "A3: AIN18 against ground at gain 1/2; full scale reads 3.3 V");
  SAMD21_REG(uint16_t, 0x4200401Au) = 0;
  check(b->ops->analogRead(b, "A1", 0) == 0 && (word(0x42004010u) & 0x1F) == 10, "A1 is PB02, AIN10; 0 reads 0 V");
  check(b->ops->analogRead(b, "D5", 0) == 0 && (word(0x42004010u) & 0x1F) == 10, "a D pin is no analog input: 0, the ADC untouched");

  clearPort();
  check(b->ops->digitalWrite(b, "D5", true, 0) && word(0x41004400u + 0x18) == 1u << 5 && word(0x41004400u + 0x08) == 1u << 5, "D5 high: PA05's OUTSET, then DIRSET (an output)");
  clearPort();
  check(b->ops->digitalWrite(b, "D5", false, 0) && word(0x41004400u + 0x14) == 1u << 5, "D5 low: OUTCLR");
  clearPort();
  check(b->ops->digitalWrite(b, "D2", true, 0) && word(0x41004480u + 0x18) == 1u << 10 && word(0x41004400u + 0x18) == 0, "D2 is PB10: group B's OUTSET");
  check(b->ops->digitalWrite(b, "D13", true, 0) && word(0x41004400u + 0x18) == 1u << 17, "D13 (the LED) is PA17");
  check(!b->ops->digitalWrite(b, "A3", true, 0) && !b->ops->digitalWrite(b, "D14", true, 0), "A3 and D14 can't be written");
  SAMD21_REG(uint32_t, 0x41004400u + 0x20) = 1u << 5;
  check(b->ops->digitalRead(b, "D5") && !b->ops->digitalRead(b, "D6"), "D5 reads PA05's IN bit; D6 (PA04) low");

  check(b->ops->hasPin(b, HAL_PIN_ANALOG, "A7") && b->ops->hasPin(b, HAL_PIN_DIGITAL, "D0") && b->ops->hasPin(b, HAL_PIN_DIGITAL, "D13"), "A7, D0 and D13 exist");
  const char* none[] = {"A8", "D14", "A03", "a3", "D", "", "D1x", "A10"};
  int found = 0;
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) found += b->ops->hasPin(b, HAL_PIN_ANALOG, none[i]) || b->ops->hasPin(b, HAL_PIN_DIGITAL, none[i]);
  check(found == 0 && !b->ops->hasPin(b, HAL_PIN_ANALOG, "D5") && !b->ops->hasPin(b, HAL_PIN_DIGITAL, "A3"), "no A8, D14, A03, a3, D, \"\", D1x, A10; D5 is no analog input, A3 no digital pin");
  check(strcmp(b->ops->name(b), "nano-33-iot") == 0, "the board's name");
  return checksExitStatus();
}
