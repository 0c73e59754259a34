/** `snapfleet dev --device-runtime qemu --devices 3` against the real local cloud: three emulated
 * Cortex-M33 boards, each with its co-processor; all online, an edit updates all of them over
 * the air with every job execution SUCCEEDED, a package changed in the store is FAILED by each
 * MCU's own SHA-256 check. (One board: firmware/coprocessor/qemuFleet.test.ts.) */
import { qemuDevScenario, qemuFleetUnavailable } from "../support/qemuFleet";
import { skipIfUnavailable } from "../support/skipIfUnavailable";

describe("snapfleet dev --device-runtime qemu --devices 3 (real local cloud)", function () {
  this.timeout(900_000);
  before(function () {
    skipIfUnavailable(this, qemuFleetUnavailable());
  });

  it("three boards online, an edit's OTA reaches all three (SUCCEEDED), a corrupt package is FAILED by each MCU, stop says offline", async () => {
    await qemuDevScenario(3);
  });
});
