/* The AN505's security hardware the secure image programs, at its secure addresses. Sources:
 * Armv8-M Architecture Reference Manual (DDI 0553), the SAU and SCB registers; Arm CoreLink
 * SIE-200 TRM (DDI 0571), the TrustZone memory protection controller (MPC) and the secure
 * privilege control block of the IoT Kit (Cortex-M33 IoT Kit, ECM0601256; QEMU:
 * hw/misc/tz-mpc.c, hw/misc/iotkit-secctl.c, hw/arm/mps2-tz.c for where each sits). */
#ifndef SF_AN505_SECURITY_H
#define SF_AN505_SECURITY_H

#include <stdint.h>

#define REG32(address) (*(volatile uint32_t*)(address))

/* Security attribution unit: up to 8 regions, each non-secure or non-secure-callable. */
#define SAU_CTRL REG32(0xE000EDD0u)
#define SAU_TYPE REG32(0xE000EDD4u)
#define SAU_RNR REG32(0xE000EDD8u)
#define SAU_RBAR REG32(0xE000EDDCu)
#define SAU_RLAR REG32(0xE000EDE0u)
#define SAU_CTRL_ENABLE 1u
#define SAU_RLAR_ENABLE 1u
#define SAU_RLAR_NSC 2u
/* SecureFault status and address (which check failed, at which address). */
#define SAU_SFSR REG32(0xE000EDE4u)
#define SAU_SFAR REG32(0xE000EDE8u)

/* The secure SCB (SHCSR: ../../mps2-an505/an505.h), and the non-secure one's alias (0xE002xxxx)
 * for VTOR_NS. */
#define SCB_SHCSR_SECUREFAULTENA (1u << 19)
#define SCB_NSACR REG32(0xE000ED8Cu)
#define SCB_NSACR_CP10_CP11 (3u << 10) /* the FPU, for the non-secure world too */
#define SCB_NS_VTOR REG32(0xE002ED08u)
/* the non-secure world's fault status, banked: its CFSR (the UsageFault half is its own) */
#define SCB_NS_CFSR REG32(0xE002ED28u)
#define SCB_CFSR_STKOF (1u << 20) /* UFSR.STKOF: a stack ran into its limit */

/* The secure privilege control block of the IoT Kit. */
#define SECCTL_BASE 0x50080000u
#define SECCTL_SECRESPCFG REG32(SECCTL_BASE + 0x10u) /* 1: a blocked access is a bus error, not read-as-zero */
#define SECCTL_NSCCFG REG32(SECCTL_BASE + 0x14u)     /* bit 0: the IDAU marks secure code SSRAM non-secure-callable where the SAU says so */
#define SECCTL_NSCCFG_CODENSC 1u
#define SECCTL_APBNSPPCEXP1 REG32(SECCTL_BASE + 0x84u) /* the APB expansion 1 peripherals open to the non-secure world, one bit a port */
#define PPCEXP1_UART0 (1u << 5)

/* The memory protection controllers in front of the SSRAMs: each block (1 << (BLK_CFG + 5)
 * bytes) is either secure or non-secure, one bit in the look-up table, and only accesses of its
 * kind pass. MPC0: code SSRAM (4 MB); MPC1 and MPC2: data SSRAM2 and SSRAM3 (2 MB each). */
#define MPC0_BASE 0x58007000u
#define MPC1_BASE 0x58008000u
#define MPC2_BASE 0x58009000u
#define MPC_CTRL 0x00u
#define MPC_BLK_CFG 0x14u
#define MPC_BLK_IDX 0x18u
#define MPC_BLK_LUT 0x1Cu
#define MPC_CTRL_SEC_RESP (1u << 4) /* a blocked access is a bus error, not read-as-zero */
#define MPC_CTRL_AUTOINC (1u << 8)

#endif
