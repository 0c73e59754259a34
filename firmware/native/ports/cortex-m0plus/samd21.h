/* The SAMD21 registers this port touches (Microchip SAM D21 datasheet, DS40001882). */
#ifndef SF_SAMD21_H
#define SF_SAMD21_H

#include <stdint.h>

#define SAMD21_CPU_HZ 48000000u

/* SERCOM5 as a USART: the link to the co-processor (the Nano's NINA-W102 module). */
#define SERCOM5_USART_INTFLAG (*(volatile uint8_t*)0x42001C18u)
#define SERCOM5_USART_DATA (*(volatile uint16_t*)0x42001C28u)
#define USART_INTFLAG_DRE 0x01u
#define USART_INTFLAG_RXC 0x04u

/* NVMCTRL: flash row erase and page write (64-byte pages, 4 per row). */
#define NVMCTRL_CTRLA (*(volatile uint16_t*)0x41004000u)
#define NVMCTRL_CTRLB (*(volatile uint32_t*)0x41004004u)
#define NVMCTRL_INTFLAG (*(volatile uint8_t*)0x41004014u)
#define NVMCTRL_ADDR (*(volatile uint32_t*)0x4100401Cu)
#define NVMCTRL_CMD(c) ((uint16_t)(0xA500u | (c)))
#define NVMCTRL_ER 0x02u
#define NVMCTRL_WP 0x04u
#define NVMCTRL_PBC 0x44u
#define NVM_PAGE 64u
#define NVM_ROW 256u

/* The 128-bit serial number (seeds the random generator; the SAMD21 has no TRNG). */
#define SAMD21_SERIAL_WORD(i) (*(volatile uint32_t*)((i) == 0 ? 0x0080A00Cu : 0x0080A040u + 4u * ((i) - 1)))

#endif
