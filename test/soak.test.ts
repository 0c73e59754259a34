/** The short soak: about 30 outages (broker restarts, cut links, frozen links only the keepalive
 * notices) while QoS 1 runs both ways, about a minute; in `npm run test:slow` (@slow) beside the
 * long one (test/slow/soak.slow.ts), since npm test's own outage tests (mqttTransport, the native
 * device's broker restarts, the link stall) cover each kind once. What runs and what it measures:
 * test/support/soak.ts. */
import { assertSoakHeld, formatSoakReport, runSoak } from "./support/soak";

const OUTAGES = 30;
const SEED = Number(process.env.SOAK_SEED ?? 18);

describe("soak (short): both directions through 30 outages of three kinds @slow", function () {
  this.timeout(OUTAGES * 30_000);

  it("QoS 1 loses, repeats and reorders nothing either way; every outage is noticed and healed", async () => {
    const report = await runSoak({ outages: OUTAGES, seed: SEED });
    console.log(formatSoakReport(report).replace(/^/gm, "      "));
    assertSoakHeld(report);
  });
});
