/** The dedup window with a board's cap of senders (issue 12: 2,152 B a sender on a 14,872-B heap,
 * so the Cortex-M0+ remembers two, sizeBudget.json's SF_DEDUP_MAX_SENDERS):
 * tests/dedupWindowCheck.c runs dedupWindow.c built with that cap on this machine. The default
 * window's semantics are core/contracts/dedupWindow.test.ts's, through the native device tests. */
import assert from "node:assert/strict";
import path from "node:path";
import { buildCheckProgram, runCheckProgram, targetLimitDefines } from "../../../test/support/cChecks";

const NATIVE = path.join(__dirname, "..");

describe("the dedup window with a board's cap of senders (C)", function () {
  this.timeout(120_000);

  it("the Cortex-M0+ build remembers two senders: its compiler flags say so, for any app and the grow-station's image", async () => {
    for (const app of [undefined, "grow-station"]) {
      const defines = await targetLimitDefines("cortex-m0plus", app);
      assert.ok(defines.includes("-DSF_DEDUP_MAX_SENDERS=2"), `${app ?? "any app"}: ${defines.join(" ")}`);
    }
    assert.ok(!(await targetLimitDefines("cortex-m33")).some((d) => d.startsWith("-DSF_DEDUP_MAX_SENDERS")), "the M33 keeps the host's default, grown with the senders heard");
  });

  it("forgets the least recently heard of three senders, refuses a remembered one's repeat, takes the cap in one block, counts what it can't guard", () => {
    const sources = ["supervisor/tests/dedupWindowCheck.c", "supervisor/dedupWindow.c", "core/growArray.c"].map((f) => path.join(NATIVE, f));
    runCheckProgram(buildCheckProgram("dedupWindowCheck", sources, ["-DSF_DEDUP_MAX_SENDERS=2"]), 16);
  });
});
