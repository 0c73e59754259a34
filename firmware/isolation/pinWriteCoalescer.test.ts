import assert from "node:assert/strict";
import type { PinWriteReport } from "./appWorkerProtocol";
import { describePinWrite } from "./appWorkerProtocol";
import { PinWriteCoalescer } from "./pinWriteCoalescer";
import { waitFor } from "../../test/support/waitFor";

describe("pin write reports", () => {
  it("report the first write at once and a burst as one line with its last level", async () => {
    const reports: PinWriteReport[] = [];
    const pins = new PinWriteCoalescer(100, (r) => reports.push(r));
    pins.write("D5", true);
    assert.deepEqual(reports, [{ kind: "pinWrite", pin: "D5", value: true, writes: 1 }]);
    for (let i = 0; i < 1000; i++) pins.write("D5", i % 2 === 0);
    pins.write("D6", false);
    assert.equal(reports.length, 2, "D6 is another pin: reported at once; D5's burst waits");
    await waitFor("the burst's report", () => reports.length === 3);
    assert.deepEqual(reports[2], { kind: "pinWrite", pin: "D5", value: false, writes: 1000 });
    assert.equal(describePinWrite(reports[2]), "D5 <- LOW (1000 writes)");
    assert.equal(describePinWrite(reports[0]), "D5 <- HIGH");
    // Quiet pins report nothing more; a write after the quiet window is reported at once.
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(reports.length, 3);
    pins.write("D5", true);
    assert.equal(reports.length, 4);
  });

  it("flush reports what a window still holds (before the app stops)", () => {
    const reports: PinWriteReport[] = [];
    const pins = new PinWriteCoalescer(60_000, (r) => reports.push(r));
    pins.write("D5", true);
    pins.write("D5", false);
    pins.flush();
    assert.deepEqual(reports.map(describePinWrite), ["D5 <- HIGH", "D5 <- LOW"]);
  });
});
