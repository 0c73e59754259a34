/** The reorder window with a board's bounds (issue 12: a chain is 344 B and a held message a copy
 * of up to a frame on a 14,872-B heap, so the Cortex-M0+ remembers two chains, holds four
 * messages a chain and 1,024 B of copies in all, sizeBudget.json's SF_REORDER_MAX_STREAMS,
 * SF_REORDER_MAX_HELD and SF_REORDER_MAX_HELD_BYTES):
 * tests/reorderBufferCheck.c runs reorderBuffer.c built with those bounds on this machine. The
 * default window's semantics are core/contracts/reorderBuffer.test.ts's, through the native
 * device tests. */
import assert from "node:assert/strict";
import path from "node:path";
import { buildCheckProgram, runCheckProgram, targetLimitDefines } from "../../../test/support/cChecks";

const NATIVE = path.join(__dirname, "..");
const ROOT = path.join(NATIVE, "../..");

describe("the reorder window with a board's bounds (C)", function () {
  this.timeout(120_000);

  it("the Cortex-M0+ build remembers two chains, holds four messages a chain and 1,024 B of copies: its compiler flags say so, for any app and the grow-station's image", async () => {
    for (const app of [undefined, "grow-station"]) {
      const defines = await targetLimitDefines("cortex-m0plus", app);
      for (const flag of ["-DSF_REORDER_MAX_STREAMS=2", "-DSF_REORDER_MAX_HELD=4", "-DSF_REORDER_MAX_HELD_BYTES=1024"]) assert.ok(defines.includes(flag), `${app ?? "any app"}: ${flag} in ${defines.join(" ")}`);
    }
    assert.ok(!(await targetLimitDefines("cortex-m33")).some((d) => d.startsWith("-DSF_REORDER_")), "the M33 keeps the host's defaults, grown with the chains heard");
  });

  it("a third chain flushes the least recently heard one in order and forgets it (heard again: joined mid-stream); a fifth early message, or one past the copies' 1,024 B, gives the first gaps up in order; counted, the copies never past the bound, both arrays taken whole; no memory for a chain: delivered at once, counted", async () => {
    const { CORE_INCLUDES } = await import(path.join(ROOT, "scripts/firmwareChecks.mjs"));
    const sources = ["supervisor/tests/reorderBufferCheck.c", "supervisor/reorderBuffer.c", "core/growArray.c", "core/textBuffer.c", "core/numberText.c", "ports/posix/platform.c"].map((f) => path.join(NATIVE, f));
    // the check counts the POSIX port's hal_malloc through the linker's --wrap
    // the M0+'s bounds as its build passes them (sizeBudget.json's limits)
    const bounds = (await targetLimitDefines("cortex-m0plus")).filter((flag) => flag.startsWith("-DSF_REORDER_"));
    const flags = [...CORE_INCLUDES, ...bounds, "-Wl,--wrap=hal_malloc,--wrap=hal_free"];
    runCheckProgram(buildCheckProgram("reorderBufferCheck", sources, flags, ["-lm"]), 44);
  });
});
