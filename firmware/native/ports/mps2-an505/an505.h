/* The parts of the MPS2+ AN505 board (Arm's FPGA image with a Cortex-M33; QEMU's mps2-an505) this
 * port uses. The plain build runs in the secure state (the core starts there) and uses the secure
 * aliases (0x5…); the TrustZone build's non-secure image (SF_AN505_NONSECURE, ../mps2-an505-tz/)
 * the non-secure ones (0x4…), which its secure image opened to it. Source: Arm AN505 "Example IoT Kit Subsystem for V2M-MPS2+",
 * memory map, and QEMU's hw/arm/mps2-tz.c. */
#ifndef SF_AN505_H
#define SF_AN505_H

#include <stdint.h>

/* The system clock QEMU gives the AN505 (and the FPGA image runs at): SysTick counts it. */
#define AN505_SYSCLK_HZ 20000000u

#if SF_AN505_NONSECURE
#define AN505_PERIPHERALS 0x40000000u
#else
#define AN505_PERIPHERALS 0x50000000u
#endif
/* CMSDK APB UART0, the board's first serial port (QEMU's first -serial). */
#define AN505_UART0_BASE (AN505_PERIPHERALS + 0x200000u)
/* CMSDK APB UART1 (QEMU's second -serial): the link in the co-processor mode. */
#define AN505_UART1_BASE (AN505_PERIPHERALS + 0x201000u)

/* The system control block (Armv8-M architecture registers; SysTick: ../cortex-m/sysTick.h). */
#define SCB_VTOR (*(volatile uint32_t*)0xE000ED08u)
#define SCB_AIRCR (*(volatile uint32_t*)0xE000ED0Cu)
#define SCB_SHCSR (*(volatile uint32_t*)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)
#define SCB_BFAR (*(volatile uint32_t*)0xE000ED38u)
#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)

#endif
