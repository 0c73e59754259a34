/** `snapfleet dev --device-runtime qemu` with one emulated board against the real local cloud
 * (broker with IoT policies over mutual TLS, Jobs, HTTPS artifacts): online in the fleet view,
 * first install and an edit's OTA through the co-processor and the link into the MCU's slot,
 * a package changed in the store refused by the MCU's own SHA-256 check.
 * The same on both TrustZone builds, booted as `--device-target` names them (cli/qemuTarget.ts):
 * cortex-m33-tz (the plain device program non-secure, the link's UART, the storage and
 * randomness in the secure image) and cortex-m33-tz-supervisor (the OTA agent, slots and link
 * secure, the app in the non-secure engine image).
 * Three boards: test/slow/qemuFleet.slow.ts. Skipped, saying why, without qemu-system-arm or
 * the arm-none-eabi toolchain. */
import { buildQemuImages } from "../../cli/qemuTarget";
import { qemuDevScenario, qemuFleetUnavailable, supervisorSecureImages } from "../../test/support/qemuFleet";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

describe("snapfleet dev --device-runtime qemu (one emulated board, real local cloud)", function () {
  this.timeout(400_000);
  before(function () {
    skipIfUnavailable(this, qemuFleetUnavailable());
  });

  it("the board comes online with the job installed over the link, an edit updates it over the air (SUCCEEDED), a corrupt package is FAILED by the MCU, stop says offline", async () => {
    await qemuDevScenario(1);
  });

  it("the first TrustZone build (--device-target cortex-m33-tz): the same", async () => {
    await qemuDevScenario(1, undefined, buildQemuImages("cortex-m33-tz"));
  });

  it("the supervisor-secure TrustZone build (--device-target cortex-m33-tz-supervisor): the same", async () => {
    await qemuDevScenario(1, undefined, await supervisorSecureImages());
  });
});
