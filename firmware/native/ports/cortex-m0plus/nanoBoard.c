#include "nanoBoard.h"

#include <string.h>

#include "../../supervisor/handles.h"
#include "samd21.h"
#include "sf_boardNames.h"

#define PA(n) (n)
#define PB(n) (32 + (n))
#define NO_INPUT 0xFFu

/* Header label → SAMD21 pin and ADC input (Nano 33 IoT schematic; the same mapping as Arduino's
 * nano_33_iot variant). */
static const uint8_t ANALOG_PINS[8] = {PA(2), PB(2), PA(11), PA(10), PB(8), PB(9), PA(9), PB(3)};
static const uint8_t ANALOG_INPUTS[8] = {0, 10, 19, 18, 2, 3, 17, 11};
static const uint8_t DIGITAL_PINS[14] = {PB(23), PB(22), PB(10), PB(11), PA(7), PA(5), PA(4), PA(6), PA(18), PA(20), PA(21), PA(16), PA(19), PA(17)};

typedef struct Pin {
  uint8_t pin, analogInput; /* analogInput NO_INPUT: a D pin */
} Pin;

/* The longest label, "D13", and its NUL fit the name a pin handle keeps (supervisor/handles.h):
 * a name the handle can't hold is none of this board's labels. */
_Static_assert(SF_MAX_PIN_NAME >= sizeof "D13", "SF_MAX_PIN_NAME (sizeBudget.json limits) is shorter than the Nano's labels");

/* "A3" → PA10 with AIN18; "D13" → PA17. Labels only: "A03", "a3", "D14" are no pins. */
static bool findPin(const char* label, Pin* out) {
  char kind = label[0];
  if ((kind != 'A' && kind != 'D') || label[1] < '0' || label[1] > '9') return false;
  unsigned n = (unsigned)(label[1] - '0');
  if (label[2]) {
    if (n == 0 || label[2] < '0' || label[2] > '9' || label[3]) return false;
    n = n * 10 + (unsigned)(label[2] - '0');
  }
  if (kind == 'A' && n < sizeof ANALOG_PINS) *out = (Pin){ANALOG_PINS[n], ANALOG_INPUTS[n]};
  else if (kind == 'D' && n < sizeof DIGITAL_PINS) *out = (Pin){DIGITAL_PINS[n], NO_INPUT};
  else return false;
  return true;
}

static const char* boardName(hal_Board* board) {
  (void)board;
  return SF_IMAGE_BOARD;
}

static bool hasPin(hal_Board* board, hal_PinKind kind, const char* label) {
  (void)board;
  Pin p;
  return findPin(label, &p) && (kind == HAL_PIN_ANALOG) == (p.analogInput != NO_INPUT);
}

static void adcSync(void) {
  while (ADC_STATUS & ADC_STATUS_SYNCBUSY) {
  }
}

static void adcStart(void) {
  PM_APBCMASK |= PM_APBCMASK_ADC;
  GCLK_CLKCTRL = GCLK_CLKCTRL_ADC;
  while (GCLK_STATUS & GCLK_SYNCBUSY) {
  }
  uint32_t linearity = (NVM_CALIBRATION_WORD(0) >> 27) | ((NVM_CALIBRATION_WORD(1) & 0x7u) << 5);
  uint32_t bias = (NVM_CALIBRATION_WORD(1) >> 3) & 0x7u;
  ADC_CALIB = (uint16_t)((linearity & 0xFFu) | bias << 8);
  ADC_REFCTRL = ADC_REFCTRL_INTVCC1;
  ADC_SAMPCTRL = 0x3F; /* the longest sampling time: sensors behind a high resistance read right */
  ADC_CTRLB = ADC_CTRLB_PRESCALER_DIV32; /* 12-bit, single conversion */
  adcSync();
  ADC_CTRLA = ADC_CTRLA_ENABLE;
  adcSync();
}

static uint16_t adcConvert(void) {
  ADC_SWTRIG = ADC_SWTRIG_START;
  while (!(ADC_INTFLAG & ADC_INTFLAG_RESRDY)) {
  }
  adcSync();
  return ADC_RESULT; /* reading RESULT clears RESRDY */
}

/* Volts, as the simulated board's pin models give them: 0 to 3.3 V over 12 bits. */
static double analogRead(hal_Board* board, const char* label, int64_t now) {
  (void)board, (void)now;
  Pin p;
  if (!findPin(label, &p) || p.analogInput == NO_INPUT) return 0;
  ADC_INPUTCTRL = ADC_INPUTCTRL_GAIN_DIV2 | ADC_INPUTCTRL_MUXNEG_GND | p.analogInput;
  adcSync();
  adcConvert(); /* the first result after the input changes is not to be used (datasheet, ADC) */
  return adcConvert() * (3.3 / 4095);
}

static bool digitalRead(hal_Board* board, const char* label) {
  (void)board;
  Pin p;
  return findPin(label, &p) && (PORT_IN(p.pin) & PORT_BIT(p.pin)) != 0;
}

static bool digitalWrite(hal_Board* board, const char* label, bool level, int64_t now) {
  (void)board, (void)now;
  Pin p;
  if (!findPin(label, &p) || p.analogInput != NO_INPUT) return false;
  if (level) PORT_OUTSET(p.pin) = PORT_BIT(p.pin);
  else PORT_OUTCLR(p.pin) = PORT_BIT(p.pin);
  PORT_DIRSET(p.pin) = PORT_BIT(p.pin); /* the level is set first: no glitch to the other one */
  return true;
}

static const hal_BoardOps OPS = {boardName, hasPin, analogRead, digitalRead, digitalWrite};

void sf_nanoBoard_init(sf_NanoBoard* board) {
  board->base.ops = &OPS;
  board->adcReady = false;
}

static void say(char* error, size_t size, const char* a, const char* b) {
  size_t n = strlen(a), m = strlen(b);
  if (n >= size) n = size - 1;
  if (m >= size - n) m = size - n - 1;
  memcpy(error, a, n), memcpy(error + n, b, m), error[n + m] = 0;
}

bool sf_nanoBoard_prepare(void* context, const sf_Manifest* manifest, char* error, size_t errorSize) {
  sf_NanoBoard* board = context;
  for (int i = 0; i < manifest->pinCount; i++) {
    const sf_PinDecl* decl = &manifest->pins[i];
    if (!hasPin(&board->base, decl->digital ? HAL_PIN_DIGITAL : HAL_PIN_ANALOG, decl->name)) {
      say(error, errorSize, decl->digital ? "the Nano 33 IoT has no digital pin (D0-D13) " : "the Nano 33 IoT has no analog input (A0-A7) ", decl->name);
      return false;
    }
  }
  for (int i = 0; i < manifest->pinCount; i++) {
    Pin p;
    findPin(manifest->pins[i].name, &p);
    if (p.analogInput == NO_INPUT) {
      PORT_PINCFG(p.pin) = PORT_PINCFG_INEN; /* its direction and level stay as the last app left them */
      continue;
    }
    uint8_t shift = (p.pin & 1u) ? 4 : 0;
    PORT_PMUX(p.pin) = (uint8_t)((PORT_PMUX(p.pin) & ~(0xFu << shift)) | PORT_PMUX_B << shift);
    PORT_PINCFG(p.pin) = PORT_PINCFG_PMUXEN;
    if (!board->adcReady) adcStart(), board->adcReady = true;
  }
  return true;
}
