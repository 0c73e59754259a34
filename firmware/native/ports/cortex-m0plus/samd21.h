/* The SAMD21 registers this port touches (Microchip SAM D21 datasheet, DS40001882). */
#ifndef SF_SAMD21_H
#define SF_SAMD21_H

#include <stdint.h>

#define SAMD21_CPU_HZ 48000000u

/* A register at its address; tests/nanoBoardCheck.c maps the addresses to memory of its own. */
#ifndef SAMD21_REG
#define SAMD21_REG(type, address) (*(volatile type*)(address))
#endif

/* SERCOM3 as a USART: the link to the co-processor. On the Nano 33 IoT, PA22/PA23 (SERCOM3
 * PAD0/PAD1) are wired to the NINA-W102 module's UART; SERCOM5 would take the header's D0/D1. */
#define SERCOM3_USART_INTFLAG SAMD21_REG(uint8_t, 0x42001418u)
#define SERCOM3_USART_DATA SAMD21_REG(uint16_t, 0x42001428u)
#define USART_INTFLAG_DRE 0x01u
#define USART_INTFLAG_RXC 0x04u

/* NVMCTRL: flash row erase and page write (64-byte pages, 4 per row). */
#define NVMCTRL_CTRLA SAMD21_REG(uint16_t, 0x41004000u)
#define NVMCTRL_CTRLB SAMD21_REG(uint32_t, 0x41004004u)
#define NVMCTRL_INTFLAG SAMD21_REG(uint8_t, 0x41004014u)
#define NVMCTRL_ADDR SAMD21_REG(uint32_t, 0x4100401Cu)
#define NVMCTRL_CMD(c) ((uint16_t)(0xA500u | (c)))
#define NVMCTRL_ER 0x02u
#define NVMCTRL_WP 0x04u
#define NVMCTRL_PBC 0x44u
#define NVM_PAGE 64u
#define NVM_ROW 256u

/* PORT (I/O pin controller): group 0 is PA, group 1 PB, 0x80 bytes apart. A pin is numbered
 * group * 32 + bit here. */
#define PORT_GROUP(pin) (0x41004400u + 0x80u * ((pin) >> 5))
#define PORT_BIT(pin) (1u << ((pin)&31u))
#define PORT_DIRSET(pin) SAMD21_REG(uint32_t, PORT_GROUP(pin) + 0x08u)
#define PORT_OUTCLR(pin) SAMD21_REG(uint32_t, PORT_GROUP(pin) + 0x14u)
#define PORT_OUTSET(pin) SAMD21_REG(uint32_t, PORT_GROUP(pin) + 0x18u)
#define PORT_IN(pin) SAMD21_REG(uint32_t, PORT_GROUP(pin) + 0x20u)
#define PORT_PMUX(pin) SAMD21_REG(uint8_t, PORT_GROUP(pin) + 0x30u + (((pin)&31u) >> 1)) /* odd pin: bits 7:4 */
#define PORT_PINCFG(pin) SAMD21_REG(uint8_t, PORT_GROUP(pin) + 0x40u + ((pin)&31u))
#define PORT_PINCFG_PMUXEN 0x01u
#define PORT_PINCFG_INEN 0x02u /* the input buffer: IN reads the pin, an output's driven level too */
#define PORT_PMUX_B 0x1u      /* peripheral function B: the analog functions (ADC AINx) */

/* PM: the ADC's bus clock. GCLK: generic clock 0 (the 48 MHz core clock) to the ADC. */
#define PM_APBCMASK SAMD21_REG(uint32_t, 0x40000420u)
#define PM_APBCMASK_ADC (1u << 16)
#define GCLK_STATUS SAMD21_REG(uint8_t, 0x40000C01u)
#define GCLK_CLKCTRL SAMD21_REG(uint16_t, 0x40000C02u)
#define GCLK_SYNCBUSY 0x80u
#define GCLK_CLKCTRL_ADC (0x1Eu | 0u << 8 | 1u << 14) /* ID ADC, GEN 0, CLKEN */

/* ADC: 12-bit conversions of one AINx against ground. */
#define ADC_CTRLA SAMD21_REG(uint8_t, 0x42004000u)
#define ADC_REFCTRL SAMD21_REG(uint8_t, 0x42004001u)
#define ADC_SAMPCTRL SAMD21_REG(uint8_t, 0x42004003u)
#define ADC_CTRLB SAMD21_REG(uint16_t, 0x42004004u)
#define ADC_SWTRIG SAMD21_REG(uint8_t, 0x4200400Cu)
#define ADC_INPUTCTRL SAMD21_REG(uint32_t, 0x42004010u)
#define ADC_INTFLAG SAMD21_REG(uint8_t, 0x42004018u)
#define ADC_STATUS SAMD21_REG(uint8_t, 0x42004019u)
#define ADC_RESULT SAMD21_REG(uint16_t, 0x4200401Au)
#define ADC_CALIB SAMD21_REG(uint16_t, 0x42004028u)
#define ADC_CTRLA_ENABLE 0x02u
#define ADC_REFCTRL_INTVCC1 0x02u /* reference VDDANA / 2 ... */
#define ADC_INPUTCTRL_GAIN_DIV2 (0xFu << 24) /* ... and gain 1/2: full scale is VDDANA (3.3 V) */
#define ADC_INPUTCTRL_MUXNEG_GND (0x18u << 8)
#define ADC_CTRLB_PRESCALER_DIV32 (0x3u << 8) /* 48 MHz / 32 = 1.5 MHz, under the ADC's 2.1 MHz */
#define ADC_SWTRIG_START 0x02u
#define ADC_INTFLAG_RESRDY 0x01u
#define ADC_STATUS_SYNCBUSY 0x80u
/* The factory calibration (NVM Software Calibration Area): ADC LINEARITY bits 34:27, BIASCAL 37:35. */
#define NVM_CALIBRATION_WORD(i) SAMD21_REG(uint32_t, 0x00806020u + 4u * (i))

/* The 128-bit serial number (seeds the random generator; the SAMD21 has no TRNG). */
#define SAMD21_SERIAL_WORD(i) SAMD21_REG(uint32_t, (i) == 0 ? 0x0080A00Cu : 0x0080A040u + 4u * ((i)-1))

#endif
