#include "securityControllers.h"

#include <stdint.h>

#include "../../mps2-an505/an505.h"
#include "an505Security.h"

/* trustzoneMemory.ld */
extern uint8_t __tz_nsc[], __tz_nsc_size[], __tz_ns_code[], __tz_ns_code_end[], __tz_ns_ram[], __tz_ns_ram_size[];

#define CODE_SSRAM_NS 0x00000000u /* MPC0's memory, non-secure alias */
#define DATA_SSRAM2_NS 0x28000000u
#define DATA_SSRAM3_NS 0x28200000u
#define DATA_SSRAM_SIZE 0x200000u
#define UART0_NS 0x40200000u
#define UART0_SIZE 0x1000u

/* Opens [from, to) of the memory behind `mpc` (which starts at `memory`) to non-secure accesses
 * only; the rest stays secure (the reset state). Blocked accesses become bus errors. */
static void mpcOpen(uint32_t mpc, uint32_t memory, uint32_t size, uint32_t from, uint32_t to) {
  if (to <= memory || from >= memory + size) return;
  if (from < memory) from = memory;
  if (to > memory + size) to = memory + size;
  uint32_t block = 1u << (REG32(mpc + MPC_BLK_CFG) + 5);
  REG32(mpc + MPC_CTRL) = (REG32(mpc + MPC_CTRL) & ~MPC_CTRL_AUTOINC) | MPC_CTRL_SEC_RESP;
  for (uint32_t b = (from - memory) / block; b < (to - memory + block - 1) / block; b++) {
    REG32(mpc + MPC_BLK_IDX) = b / 32;
    REG32(mpc + MPC_BLK_LUT) |= 1u << (b % 32);
  }
}

/* SAU region `n`: [start, end) non-secure, or non-secure-callable. */
static void sauRegion(uint32_t n, uint32_t start, uint32_t end, int callable) {
  SAU_RNR = n;
  SAU_RBAR = start & ~31u;
  SAU_RLAR = ((end - 1) & ~31u) | (callable ? SAU_RLAR_NSC : 0) | SAU_RLAR_ENABLE;
}

void sf_tz_configureSecurity(void) {
  uint32_t nsCode = (uint32_t)__tz_ns_code, nsCodeEnd = (uint32_t)__tz_ns_code_end;
  uint32_t nsRam = (uint32_t)__tz_ns_ram, nsRamEnd = nsRam + (uint32_t)__tz_ns_ram_size;
  mpcOpen(MPC0_BASE, CODE_SSRAM_NS, 0x400000u, nsCode, nsCodeEnd);
  mpcOpen(MPC1_BASE, DATA_SSRAM2_NS, DATA_SSRAM_SIZE, nsRam, nsRamEnd);
  mpcOpen(MPC2_BASE, DATA_SSRAM3_NS, DATA_SSRAM_SIZE, nsRam, nsRamEnd);
#if !SF_TZ_SECURE_SUPERVISOR /* with the supervisor secure, its console (UART0) stays secure too */
  SECCTL_APBNSPPCEXP1 = PPCEXP1_UART0;
#endif
  SECCTL_SECRESPCFG = 1;
  SECCTL_NSCCFG = SECCTL_NSCCFG_CODENSC; /* else the IDAU calls the veneers plain secure and SG faults */
  sauRegion(0, nsCode, nsCodeEnd, 0);
  sauRegion(1, nsRam, nsRamEnd, 0);
#if !SF_TZ_SECURE_SUPERVISOR
  sauRegion(2, UART0_NS, UART0_NS + UART0_SIZE, 0);
#endif
  sauRegion(3, (uint32_t)__tz_nsc, (uint32_t)__tz_nsc + (uint32_t)__tz_nsc_size, 1);
  SAU_CTRL = SAU_CTRL_ENABLE;
  SCB_NSACR |= SCB_NSACR_CP10_CP11;
  SCB_SHCSR |= SCB_SHCSR_SECUREFAULTENA; /* a boundary violation is reported as one, not as a HardFault */
  __asm__ volatile("dsb\n isb");
}
